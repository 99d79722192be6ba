"""Issue 13, item 1: any readable stream gives the file's answer, through the real command line.

A pipe (``-`` and ``/dev/stdin``), process substitution (``<(cat FILE)``) and a FIFO fed by a writer thread
are given to ``validate``, ``audit``, ``metrics``, ``warehouse load`` and ``ingest`` with three batch
workers (``DOSSIER_AUDIT_BATCH_WORKERS``; on its own the engine takes one per core, at most four, whatever
the size) and a file of a few MB, far more than a pipe's buffer: workers reading one pipe used to split its
lines between them (different counts each run, exit 0), and a FIFO hung. The temporary copy is gone after.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from dossier_audit.cli import app
from schemas.limits import BOM

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT.parent / "shared" / "contract"
AS_OF = "2025-09-01T00:00:00+07:00"
#: Figures of ``warehouse load`` that depend on the content only (not on timing, run ids or the source).
LOAD_KEYS = ("lines", "valid", "duplicates", "rejected", "rejected_by_reason", "dossiers", "rejected_written",
             "dossiers_folded", "violations_open", "violations_retracted")  # fmt: skip


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated province (about 8,000 lines, 2 MB) with the contract's examples and invalid lines."""
    folder = tmp_path_factory.mktemp("streams")
    simulated = folder / "sim.jsonl"
    result = CliRunner().invoke(
        app, ["simulate", "--out", str(simulated), "--dossiers", "1500", "--seed", "5"]
    )
    assert result.exit_code == 0, result.stderr
    path = folder / "events.jsonl"
    contract = (CONTRACT / "examples.jsonl").read_bytes() + (CONTRACT / "invalid.jsonl").read_bytes()
    path.write_bytes(simulated.read_bytes() + contract)
    assert path.stat().st_size > 1_000_000
    return path


@pytest.fixture
def spool_dir(tmp_path: Path) -> Iterator[Path]:
    """TMPDIR of the command: empty again after it, whatever it spooled."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    yield folder
    assert list(folder.iterdir()) == []


def command(
    args: list[str], tmpdir: Path, *, stdin: Any = None, shell: bool = False
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "DOSSIER_AUDIT_BATCH_WORKERS": "3", "TMPDIR": str(tmpdir),
           "DOSSIER_AUDIT_PSEUDONYM_KEY": "s" * 32}  # fmt: skip
    argv = [sys.executable, "-m", "dossier_audit", *args]
    if shell:  # process substitution is bash's: ``<(cat FILE)`` becomes a /dev/fd/N pipe
        argv = ["bash", "-c", " ".join(argv)]
    return subprocess.run(argv, input=stdin, capture_output=True, cwd=ROOT, env=env, timeout=180, check=False)


def json_out(result: subprocess.CompletedProcess[bytes]) -> Any:
    assert b"Traceback" not in result.stderr, result.stderr.decode()
    return orjson.loads(result.stdout.splitlines()[0])


def through_fifo(tmp_path: Path, data: bytes, run: Callable[[Path], Any]) -> Any:
    """``run(fifo)`` while a thread writes ``data`` into a FIFO; the writer must never lose its reader."""
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            with open(fifo, "wb") as fh:
                fh.write(data)
        except BaseException as exc:  # a BrokenPipeError means the command opened the FIFO twice
            failures.append(exc)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        return run(fifo)
    finally:
        if thread.is_alive():  # the command failed before reading: release the writer
            with open(fifo, "rb") as fh:
                fh.read()
        thread.join(10)
        assert failures == []


STREAMS = ["dash", "dev-stdin", "process-substitution", "fifo"]


def run_on_stream(kind: str, args: list[str], events: Path, tmp_path: Path, spool: Path) -> Any:
    """The command ``args`` (FILE written as ``{}``) reading ``events`` through a stream of ``kind``."""
    data = events.read_bytes()

    def with_file(name: str, **kw: Any) -> Any:
        return command([name if a == "{}" else a for a in args], spool, **kw)

    if kind == "dash":
        return with_file("-", stdin=data)
    if kind == "dev-stdin":
        return with_file("/dev/stdin", stdin=data)
    if kind == "process-substitution":
        return with_file(f"<(cat {events})", shell=True)
    return through_fifo(tmp_path, data, lambda fifo: with_file(str(fifo)))


@pytest.fixture(scope="module")
def validated(events: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """What ``validate FILE --json`` answers (exit 1: the contract's invalid lines are in the file)."""
    expected = command(["validate", str(events), "--json"], tmp_path_factory.mktemp("tmp"))
    assert expected.returncode == 1
    return json_out(expected)


@pytest.mark.parametrize("kind", STREAMS)
def test_validate_gives_the_files_answer_on_any_stream(
    kind: str, events: Path, validated: Any, tmp_path: Path, spool_dir: Path
) -> None:
    got = run_on_stream(kind, ["validate", "{}", "--json"], events, tmp_path, spool_dir)
    assert (got.returncode, json_out(got)) == (1, validated)


def test_audit_and_metrics_give_the_files_answer_from_a_pipe(events: Path, tmp_path: Path, spool_dir: Path):
    audit = ["audit", "{}", "--as-of", AS_OF, "--json"]
    from_file = command([str(events) if a == "{}" else a for a in audit], spool_dir)
    from_pipe = run_on_stream("dash", audit, events, tmp_path, spool_dir)
    assert sorted(from_pipe.stdout.splitlines()) == sorted(from_file.stdout.splitlines()) != []
    assert b"Traceback" not in from_pipe.stderr

    metrics = ["metrics", "--from", "2025-06-09", "--to", "2025-09-01", "{}", "--json"]
    from_file = command([str(events) if a == "{}" else a for a in metrics], spool_dir)
    from_fifo = run_on_stream("fifo", metrics, events, tmp_path, spool_dir)
    assert json_out(from_fifo) == json_out(from_file)


def test_warehouse_load_from_stdin_stores_what_the_file_stores(events: Path, tmp_path: Path, spool_dir: Path):
    def load(kind: str | None, name: str) -> dict[str, Any]:
        args = ["warehouse", "load", "{}", "--warehouse", f"chdb://{tmp_path}/{name}", "--as-of", AS_OF]
        if kind is None:
            result = command([str(events) if a == "{}" else a for a in args], spool_dir)
        else:
            result = run_on_stream(kind, args, events, tmp_path, spool_dir)
        assert result.returncode == 0, result.stderr.decode()
        found = json_out(result)
        return {key: found[key] for key in LOAD_KEYS}

    assert load("dash", "piped") == load(None, "filed")
    # The run and its events name the stream, not the spooled copy that is gone after the command.
    status = command(["warehouse", "status", "--json", "--warehouse", f"chdb://{tmp_path}/piped"], spool_dir)
    assert json_out(status)["last_load"]["source"] == "stdin", status.stderr.decode()


def test_ingest_reads_a_fifo_once(events: Path, tmp_path: Path, spool_dir: Path):
    from streams.broker import EmbeddedBroker

    with EmbeddedBroker(log_file=tmp_path / "broker.log") as broker:
        args = ["ingest", "{}", "--bootstrap-servers", broker.bootstrap_servers]
        from_file = json_out(command([str(events) if a == "{}" else a for a in args], spool_dir))
        from_fifo = json_out(run_on_stream("fifo", args, events, tmp_path, spool_dir))
    for key in ("lines", "produced", "rejected", "rejected_by_reason"):
        assert from_fifo[key] == from_file[key], key
    assert from_fifo["source"] == str(tmp_path / "events.fifo")


def test_a_bom_at_the_start_of_stdin_is_not_a_rejection(spool_dir: Path):
    examples = (CONTRACT / "examples.jsonl").read_bytes()
    result = command(["validate", "-", "--json"], spool_dir, stdin=BOM + examples)
    assert result.returncode == 0 and json_out(result)["valid"] == len(examples.splitlines())


@pytest.mark.parametrize("command_args", [["validate"], ["audit", "--as-of", AS_OF], ["warehouse", "load"]])
def test_a_missing_file_or_a_directory_is_one_line_and_exit_2(
    command_args: list[str], tmp_path: Path
) -> None:
    extra = ["--warehouse", f"chdb://{tmp_path}/wh"] if command_args[0] == "warehouse" else []
    for target, words in [(tmp_path / "nope.jsonl", "no such file"), (tmp_path, "it is a directory")]:
        result = CliRunner().invoke(app, [*command_args, str(target), *extra])
        assert result.exit_code == 2 and words in result.stderr, result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_batch_engine_refuses_a_stream(tmp_path: Path):
    """A library caller passing a pipe gets an error, not silently lost lines."""
    from dossier_audit.jobs.batch_engine import BatchEngine

    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        list(BatchEngine(None).run(fifo))


def test_the_source_recorded_for_each_kind_of_input(events: Path, tmp_path: Path) -> None:
    from dossier_audit.cli.inputs import source_of

    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    assert source_of(Path("-")) == "stdin"
    assert source_of(fifo) == str(fifo)  # never opened: opening a FIFO would wait for a writer
    link = tmp_path / "link.jsonl"
    link.symlink_to(events)
    assert source_of(link) == str(events.resolve())


def test_run_takes_its_events_from_stdin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``run --events -`` hands the main job a regular file holding exactly what came in (the job reads
    its events more than once), and the copy is gone afterwards."""
    import dossier_audit.jobs.main as main_module

    examples = (CONTRACT / "examples.jsonl").read_bytes()
    seen: dict[str, Any] = {}

    def fake_main_job(settings: Any, *, events: Path | None, as_of: Any, console: Any) -> None:
        assert events is not None and events.is_file()
        seen["path"], seen["content"] = events, events.read_bytes()

    monkeypatch.setattr(main_module, "main_job", fake_main_job)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    args = ["run", "--events", "-", "--workdir", str(tmp_path / "w")]
    result = CliRunner().invoke(app, args, input=examples)
    assert result.exit_code == 0, result.stderr
    assert seen["content"] == examples and not seen["path"].exists()


class _FullDisk:
    """A spool file on a disk that fills up after ``room`` bytes (``validate /dev/zero`` filled TMPDIR and
    ended in "No space left on device")."""

    def __init__(self, path: Path, room: int) -> None:
        self.file, self.room = path.open("wb"), room

    def write(self, chunk: bytes) -> int:
        if len(chunk) > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(chunk)
        return self.file.write(chunk)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()


def test_a_full_tmpdir_is_one_line_naming_it_and_the_partial_copy_is_deleted(
    monkeypatch: pytest.MonkeyPatch, spool_dir: Path
) -> None:
    import tempfile

    from dossier_audit.cli import inputs

    monkeypatch.setattr(tempfile, "tempdir", str(spool_dir))
    monkeypatch.setattr(inputs, "_CHUNK", 1024)
    monkeypatch.setattr(inputs, "_spool_writer", lambda path: _FullDisk(path, 3000))
    result = CliRunner().invoke(app, ["validate", "-"], input=b"x" * 10_000)
    assert result.exit_code == 2, (result.stderr, result.exception)
    assert result.stderr.splitlines() == [
        f"error: cannot copy standard input to a temporary file: no space left in TMPDIR ({spool_dir}) after "
        "2,048 bytes; the copy needs as much free space as the input (set TMPDIR to a directory with more)"
    ]
    # spool_dir's teardown: the private directory and the partial copy in it are gone


def test_a_copy_stops_before_it_leaves_tmpdir_without_its_reserve(
    monkeypatch: pytest.MonkeyPatch, spool_dir: Path
) -> None:
    """``validate /dev/zero`` copied 44 GB in a minute, until the disk the database shares was full (review):
    the copy stops while its file system still has the reserve free."""
    import tempfile

    from dossier_audit.cli import inputs

    disk: list[_FullDisk] = []  # 3,000 bytes free before the copy, less what it has written

    def writer(path: Path) -> _FullDisk:
        disk.append(_FullDisk(path, 3000))
        return disk[0]

    monkeypatch.setattr(tempfile, "tempdir", str(spool_dir))
    monkeypatch.setattr(inputs, "_CHUNK", 1024)
    monkeypatch.setattr(inputs, "_spool_writer", writer)
    monkeypatch.setattr(inputs, "_reserve", lambda folder: 1000)
    monkeypatch.setattr(inputs, "_free_bytes", lambda folder: disk[0].room)
    result = CliRunner().invoke(app, ["validate", "-"], input=b"x" * 10_000)
    assert result.exit_code == 2, (result.stderr, result.exception)
    assert result.stderr.splitlines() == [
        f"error: cannot copy standard input to a temporary file: TMPDIR ({spool_dir}) has 1,976 bytes free "
        "after 1,024 bytes of the copy, which leaves 1,000 free (1 GiB, or 5% of a smaller file system); set "
        "TMPDIR to a directory with more room"
    ]


def test_the_reserve_is_a_gibibyte_or_a_twentieth_of_a_smaller_file_system(tmp_path: Path) -> None:
    from dossier_audit.cli import inputs

    fs = os.statvfs(tmp_path)
    assert inputs._reserve(tmp_path) == min(1 << 30, fs.f_blocks * fs.f_frsize // 20)
    assert 0 < inputs._free_bytes(tmp_path) <= fs.f_blocks * fs.f_frsize


def test_a_long_copy_says_how_far_it_is(monkeypatch: pytest.MonkeyPatch, spool_dir: Path) -> None:
    """``validate /dev/zero`` copied 4 GB in 6 s without a word (CLI review): every GiB, a line."""
    import tempfile

    from dossier_audit.cli import inputs

    monkeypatch.setattr(tempfile, "tempdir", str(spool_dir))
    monkeypatch.setattr(inputs, "_CHUNK", 1024)
    monkeypatch.setattr(inputs, "_NOTE_EVERY", 4096)
    result = CliRunner().invoke(app, ["validate", "-"], input=b"x" * 10_000)
    notes = [line for line in result.stderr.splitlines() if line.startswith("copied ")]
    why = "to a temporary file so far (the engine reads its input more than once; Ctrl-C stops)"
    assert notes == [f"copied {n} bytes of standard input {why}" for n in ("4,096", "8,192")], result.stderr
