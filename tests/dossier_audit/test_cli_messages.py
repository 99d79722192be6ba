"""Messages off a terminal are never wrapped: a path in an error stays on one line, however long."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_a_long_path_in_an_error_is_not_wrapped(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*(["a-rather-long-folder-name-for-checking-message-wrapping"] * 4))
    deep.mkdir(parents=True)
    bad = deep / "bad.yaml"
    bad.write_text("procedures:\n  - code: X\n   bad: [\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "dossier_audit", "catalogue", "check", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert any(line.startswith(f"{bad}:3:") for line in done.stderr.splitlines()), done.stderr
