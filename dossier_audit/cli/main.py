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


#: Commands that stop on SIGTERM by themselves, once started (Faust's worker, the sink's loop): until then
#: the default action is the right one (nothing to clean up), and a KeyboardInterrupt raised while one
#: starts (imports, client threads) could leave it half-started, alive beside its stopped supervisor.
_OWN_STOP = frozenset({"worker"})


def main() -> None:
    """Console-script entry point."""
    signals = () if _command(sys.argv[1:]) in _OWN_STOP else (signal.SIGTERM, signal.SIGHUP)
    try:
        with stops_as_ctrl_c(*signals):
            app()
    except BrokenPipeError:  # e.g. `dossier-audit audit ... --json | head`
        sys.stderr.close()
        sys.exit(0)


def _command(args: list[str]) -> str | None:
    """The command an argument list names: its first word that is no option (``--config FILE`` skipped)."""
    words = iter(args)
    for word in words:
        if word == "--config":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None
