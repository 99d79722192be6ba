"""The console-script entry point: every concern's commands, registered on the one app.

Importing a command module registers its commands (typer decorators); the order here is the order of
``dossier-audit --help``.
"""

# ruff: noqa: I001 - the import order of the command modules is the order of the commands in --help.
from __future__ import annotations

import signal
import sys

from dossier_audit.cli.app import app
from dossier_audit.interrupts import stops_as_ctrl_c
from dossier_audit.cli import files, simulate, catalogue, calendar, run, warehouse, streams, worker, quality
from dossier_audit.cli import reports, importer, exporter, console

__all__ = ["COMMAND_MODULES", "app", "main"]

COMMAND_MODULES = (files, simulate, catalogue, calendar, run, warehouse, streams, worker, quality, reports,
                   importer, exporter, console)  # fmt: skip


def main() -> None:
    """Console-script entry point."""
    try:
        with stops_as_ctrl_c(signal.SIGTERM, signal.SIGHUP):
            app()
    except BrokenPipeError:  # e.g. `dossier-audit audit ... --json | head`
        sys.stderr.close()
        sys.exit(0)
