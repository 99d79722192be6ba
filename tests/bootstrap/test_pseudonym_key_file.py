"""Issue 15: the embedded default keeps one generated pseudonymisation key in its working directory (mode
0600), so a second run gives applicants the same pseudonyms; a configured key wins; a bad file is one line."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest
from rich.console import Console

from bootstrap.keys import KEY_FILE, KeyFileError, workdir_pseudonym_key
from bootstrap.settings import load_settings
from dossier_audit.jobs.main import MainJobError, with_stable_key


def test_generated_once_owner_only_then_reused(tmp_path: Path) -> None:
    key, path, created = workdir_pseudonym_key(tmp_path / "w")
    assert created and path == tmp_path / "w" / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(bytes.fromhex(key)) == 32
    again, _, created_again = workdir_pseudonym_key(tmp_path / "w")
    assert again == key and not created_again


def _private(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("text", ["short\n", "g" * 64 + "\n", "a" * 63, "a" * 65, "k" * 32])
def test_a_key_file_not_holding_64_hex_characters_is_refused_in_one_line(tmp_path: Path, text: str) -> None:
    _private(tmp_path / KEY_FILE, text)
    with pytest.raises(KeyFileError, match="64 hexadecimal characters") as caught:
        workdir_pseudonym_key(tmp_path)
    assert "\n" not in str(caught.value)


def test_a_stored_key_is_read_back(tmp_path: Path) -> None:
    _private(tmp_path / KEY_FILE, "ab" * 32 + "\n")
    assert workdir_pseudonym_key(tmp_path) == ("ab" * 32, tmp_path / KEY_FILE, False)


def test_a_key_file_others_can_read_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = _private(tmp_path / KEY_FILE, "ab" * 32 + "\n")
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match=r"mode 0644\): run chmod 600 ") as caught:
        workdir_pseudonym_key(tmp_path)
    assert "ab" * 32 not in str(caught.value) and "\n" not in str(caught.value)


def test_a_symlink_is_refused_even_to_a_valid_key(tmp_path: Path) -> None:
    target = _private(tmp_path / "elsewhere.key", "ab" * 32 + "\n")
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / KEY_FILE).symlink_to(target)
    with pytest.raises(KeyFileError, match="symbolic link"):
        workdir_pseudonym_key(tmp_path / "w")


def test_a_dangling_symlink_is_refused_not_followed(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).symlink_to(tmp_path / "missing")
    with pytest.raises(KeyFileError, match="symbolic link"):
        workdir_pseudonym_key(tmp_path)
    assert not (tmp_path / "missing").exists()


def test_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).mkdir(mode=0o700)
    with pytest.raises(KeyFileError, match=str(tmp_path / KEY_FILE)):
        workdir_pseudonym_key(tmp_path)


def test_the_file_never_exists_without_its_key(tmp_path: Path, monkeypatch) -> None:
    """The name appears only by ``os.link`` of a complete temporary file, which is then removed."""
    seen: list[str] = []
    real_link = os.link

    def link(src: str, dst: str, **kwargs: bool) -> None:
        seen.append(Path(src).read_text())
        assert not Path(dst).exists()
        real_link(src, dst, **kwargs)

    monkeypatch.setattr(os, "link", link)
    key, _, created = workdir_pseudonym_key(tmp_path)
    assert created and seen == [key + "\n"]
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]


def _race(args: tuple[str, int]) -> str:
    workdir, _ = args
    try:
        return workdir_pseudonym_key(Path(workdir))[0]
    except KeyFileError as exc:
        return f"error: {exc}"


def test_racing_processes_all_get_the_same_key(tmp_path: Path) -> None:
    with multiprocessing.get_context("fork").Pool(4) as pool:
        for trial in range(25):
            workdir = tmp_path / str(trial)
            keys = pool.map(_race, [(str(workdir), n) for n in range(4)])
            assert len(set(keys)) == 1 and not keys[0].startswith("error"), keys


def test_the_main_job_uses_the_stored_key_and_says_so_once(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("DOSSIER_AUDIT_PSEUDONYM_KEY", raising=False)
    settings = load_settings(workdir=tmp_path)
    console = Console(record=True, width=300)
    first = with_stable_key(settings, console)
    second = with_stable_key(settings, console)
    assert first.pseudonym_key is not None and second.pseudonym_key is not None
    assert first.pseudonym_key.get_secret_value() == second.pseudonym_key.get_secret_value()
    said = console.export_text()
    assert said.count("generated a pseudonymisation key") == 1 and "0600" in said
    assert first.pseudonym_key.get_secret_value() not in said  # the key itself is never printed


def test_a_configured_key_wins_and_no_file_is_written(tmp_path: Path) -> None:
    settings = load_settings(workdir=tmp_path, pseudonym_key="k" * 32)
    assert with_stable_key(settings, Console(file=None)) is settings
    assert not (tmp_path / KEY_FILE).exists()


def test_an_unusable_key_file_stops_the_main_job_with_one_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("DOSSIER_AUDIT_PSEUDONYM_KEY", raising=False)
    (tmp_path / KEY_FILE).write_text("")
    with pytest.raises(MainJobError, match=str(tmp_path / KEY_FILE)):
        with_stable_key(load_settings(workdir=tmp_path), Console())
