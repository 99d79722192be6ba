"""A reader that closes standard output early (``dossier-audit … | head``): exit 0 and nothing said, as for
every command. Typer turned that ``EPIPE`` into exit 1 itself, before the entry point's own clause could
(CLI seat of 2026-12-07): a script under ``set -o pipefail`` failed, and ``validate`` said "lines
rejected"."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from dossier_audit.simulator import SimulationConfig, simulate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("pipe") / "events.jsonl"
    config = SimulationConfig(start=date(2025, 10, 6), end=date(2025, 10, 20), dossiers=300, seed=5)
    as_of = simulate(config, path, path.with_suffix(".truth.jsonl")).as_of.isoformat()
    return path, as_of


@pytest.mark.parametrize("command", [["export", "xes", "{}", "--out", "-"], ["audit", "{}", "--json"]])
def test_a_reader_closing_the_pipe_early_is_no_failure(events: tuple[Path, str], command: list[str]) -> None:
    path, as_of = events
    args = [str(path) if a == "{}" else a for a in command]
    args += ["--as-of", as_of]
    with subprocess.Popen(
        [sys.executable, "-m", "dossier_audit", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert len(proc.stdout.read(100)) == 100
        proc.stdout.close()  # as `head -c 100` does: the command writes on into a closed pipe
        said = proc.stderr.read().decode()
        code = proc.wait(timeout=120)
    assert (code, said) == (0, "")


def test_a_broken_pipe_to_anything_but_standard_output_is_a_failure() -> None:
    """The diff review of 2026-12-07: the first fix took any ``EPIPE`` for a reader of standard output that
    went away, so a write to a peer that had gone (a socket, a FIFO ``--out``) ended in exit 0, silently."""
    script = (
        "import importlib, socket, sys\n"
        "from dossier_audit.cli.app import app\n"
        "main = importlib.import_module('dossier_audit.cli.main')\n"
        "@app.command('zz-peer-gone')\n"
        "def zz() -> None:\n"
        "    a, b = socket.socketpair(); b.close()\n"
        "    print('standard output is fine')\n"
        "    a.sendall(b'x' * 100000)\n"
        "sys.argv = ['dossier-audit', 'zz-peer-gone']\n"
        "main.main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, cwd=ROOT, capture_output=True, timeout=60
    )
    assert done.returncode == 1 and b"standard output is fine" in done.stdout
