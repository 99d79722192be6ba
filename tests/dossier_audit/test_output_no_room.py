"""An output with no room (a full disk under ``--json > file``; ``/dev/full`` here) is one ``error:`` line
and exit 2, as any output a command cannot write: it printed a traceback and exit 1, which for ``validate``
also means "lines rejected" (fuzz review of 2026-12-05). Run as the installed command runs
(``dossier_audit.cli.main.main``), in a real process, with standard output on ``/dev/full``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples.jsonl"

COMMANDS = {
    "validate": ["validate", str(EXAMPLES), "--json"],
    "audit": ["audit", str(EXAMPLES), "--as-of", "2025-12-01", "--json"],
    "metrics": ["metrics", str(EXAMPLES), "--from", "2025-01-01", "--to", "2026-01-01", "--json"],
    "calendar draft": ["calendar", "draft", "2027"],
}


@pytest.mark.parametrize("name", COMMANDS)
def test_a_full_standard_output_is_one_line_and_exit_2(name: str) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "dossier_audit", *COMMANDS[name]],
            check=False, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    said = "error: cannot write (standard output, an output file or a temporary one): No space left on device"
    assert said in done.stderr


def test_a_standard_output_with_room_is_written_and_keeps_its_exit_code(tmp_path: Path) -> None:
    out = tmp_path / "stats.json"
    with open(out, "w") as fh:
        done = subprocess.run(
            [sys.executable, "-m", "dossier_audit", *COMMANDS["validate"]],
            check=False, stdout=fh, stderr=subprocess.PIPE, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.read_text().startswith('{"lines":')
