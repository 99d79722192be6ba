"""The ``dossier-audit`` command's first step: import the commands, then run one.

Importing every command takes about a second; Ctrl-C (or SIGTERM/SIGHUP, once mapped) during it printed a
traceback of whatever module was loading (review). Nothing is open yet then, so the interrupt ends the
process as typer ends an interrupted command: exit 130, nothing printed. Only the standard library is
imported here, so the console script reaches this guard before the heavy imports start.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Console-script entry point (``[project.scripts]``) and ``python -m dossier_audit``."""
    try:
        from dossier_audit.cli import main as run
    except KeyboardInterrupt:
        sys.exit(130)
    run()
