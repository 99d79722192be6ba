"""The console-script entry point: every concern's commands, registered on the one app.

Importing a command module registers its commands (typer decorators); the order here is the order of
``dossier-audit --help``.
"""

# ruff: noqa: I001 - the import order of the command modules is the order of the commands in --help.
from __future__ import annotations

import errno
import os
import select
import signal
import sys

from dossier_audit.cli.app import app
from dossier_audit.cli.common import err, fail
from dossier_audit.interrupts import (
    end_as_stopped,
    exit_code,
    quiet_lost_interrupts,
    stop_line,
    stops_as_ctrl_c,
)
from dossier_audit.cli import files, simulate, catalogue, calendar, run, warehouse, streams
from dossier_audit.cli import worker, worker_detect, quality, reports, importer, exporter, console

__all__ = ["COMMAND_MODULES", "app", "main"]

COMMAND_MODULES = (files, simulate, catalogue, calendar, run, warehouse, streams, worker, worker_detect,
                   quality, reports, importer, exporter, console)  # fmt: skip


#: Commands that stop on SIGTERM by themselves, once started (Faust's worker, the sink's loop): until then
#: the default action is the right one (nothing to clean up), and a KeyboardInterrupt raised while one
#: starts (imports, client threads) could leave it half-started, alive beside its stopped supervisor.
_OWN_STOP = frozenset({"worker"})


def main() -> None:
    """Console-script entry point."""
    signals = () if _command(sys.argv[1:]) in _OWN_STOP else (signal.SIGTERM, signal.SIGHUP)
    try:
        with stops_as_ctrl_c(*signals):
            quiet_lost_interrupts()
            try:
                app()
            except SystemExit as end:  # how every command ends: what is buffered fails here, not at exit
                if _broken_pipe(end):
                    raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE)) from None
                sys.stdout.flush()
                code = exit_code(end.code)  # 130 for a stop whose interrupt was lost in a clean-up
                if code == 130 and (line := stop_line()) is not None:
                    err.print(line, highlight=False, markup=False)
                end_as_stopped(code)  # stopped by SIGTERM or SIGHUP: cleaned up, ends by it
                if code != end.code:
                    raise SystemExit(code) from None
                raise
    except BrokenPipeError:  # e.g. `dossier-audit audit ... --json | head`
        sys.stderr.close()
        sys.exit(0)
    except OSError as exc:
        if exc.errno not in _NO_ROOM:
            raise
        # A full disk under `--json > file` (or under any file a command writes): one line and exit 2.
        # `validate --json > /dev/full` printed a traceback and exit 1, which is also validate's "lines
        # rejected" (fuzz review of 2026-12-05).
        # Which file had no room is known when the error names it; else it may be standard output, an output
        # file, or a temporary one (the batch engine's spool, a copy of standard input): all three said.
        _stdout_to_null()
        where = (
            f" {exc.filename}" if exc.filename else " (standard output, an output file or a temporary one)"
        )
        fail(f"cannot write{where}: {exc.strerror or exc}")
        sys.exit(2)


#: Write errors that say the output has no room (a full disk or quota, a file past its size limit).
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def _broken_pipe(end: SystemExit) -> bool:
    """Whether Typer ended the command for a reader that closed standard output (``… | head``): it turns
    that ``EPIPE`` into exit 1 itself, silently, before :func:`main`'s own ``BrokenPipeError`` clause can
    make it exit 0 as for every command (CLI seat of 2026-12-07: exit 1 under ``set -o pipefail``, and for
    ``validate`` the code of "lines rejected")."""
    cause = end.__context__
    return end.code == 1 and isinstance(cause, OSError) and cause.errno == errno.EPIPE and _stdout_closed()


def _stdout_closed() -> bool:
    """Whether standard output's reader has gone (its pipe polls as an error): a broken pipe to anything else
    (a socket, a FIFO ``--out``) is a failed write, which Typer's exit 1 says (the diff review of 2026-12-07:
    any ``EPIPE`` was taken for this one). A socket whose reader closed polls as a hang-up."""
    try:
        poller = select.poll()
        poller.register(sys.__stdout__.fileno() if sys.__stdout__ is not None else 1, select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (OSError, ValueError):  # no standard output to poll: not a reader that went away
        return False


def _stdout_to_null() -> None:
    """Standard output, if it cannot take what it still holds, pointed at the null device: the
    interpreter flushes it at exit, and would print the same error again as an ignored exception."""
    try:
        sys.stdout.flush()
    except OSError:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def _command(args: list[str]) -> str | None:
    """The command an argument list names: its first word that is no option (``--config FILE`` skipped)."""
    words = iter(args)
    for word in words:
        if word == "--config":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None
