"""Stopping a command by signal as Ctrl-C stops it.

A command's clean-up runs when it is interrupted (``KeyboardInterrupt``): a half-written output's hidden
``.part`` file is removed, a spooled copy of standard input and the batch engine's temporary folders are
deleted, a load records that it did not complete, the main job stops its children in order. By default
SIGTERM (a service manager's stop, ``timeout``, ``kill``) and SIGHUP (the terminal closed) end the process
at once, without any of it: ``timeout 10 dossier-audit simulate --out s.jsonl …`` left a 3.6 GB
``.s.jsonl.….part`` beside the target for ever (review of 2026-12-04).

Once cleaned up, a command stopped so still ends by its signal (:func:`end_as_stopped`), as a process
without handlers would: a service manager reads "killed by SIGTERM" as a clean stop, and exit 130 (what
Ctrl-C gives) as a failure (systemd marks the unit failed); a shell shows 143 for SIGTERM, 129 for SIGHUP.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import FrameType

__all__ = [
    "defer_stops",
    "end_as_stopped",
    "exit_code",
    "quiet_lost_interrupts",
    "stop_line",
    "stopped_by",
    "stops_as_ctrl_c",
    "told",
]

#: The signals that raised ``KeyboardInterrupt`` through :func:`stops_as_ctrl_c` in this process, in order.
_received: list[signal.Signals] = []
#: A ``KeyboardInterrupt`` was raised where it could not be passed on (:func:`quiet_lost_interrupts`).
_lost: list[bool] = []
#: Whether the command said in its own words what its interruption left (:func:`told`).
_told: list[bool] = []


def told() -> None:
    """Note that the interrupted command said what its stop left (a load: unfinished, how to finish it):
    :func:`stop_line` then adds nothing."""
    _told.append(True)


def stop_line() -> str | None:
    """The line an interrupted command ends with when it said nothing of its stop itself: ``audit``,
    ``export``, ``simulate``… exited 130 (or by SIGTERM) without a word, which a cron mail or a Dagster log
    showed as an unexplained failure (review)."""
    if _told:
        return None
    sig = stopped_by()
    by = "interrupted (Ctrl-C)" if sig is None or sig == signal.SIGINT else f"stopped by {sig.name}"
    return f"{by}: the command did not finish"


def _as_ctrl_c(signum: int, frame: FrameType | None) -> None:
    _received.append(signal.Signals(signum))
    raise KeyboardInterrupt


def stopped_by() -> signal.Signals | None:
    """The first signal that stopped this process as Ctrl-C (:func:`stops_as_ctrl_c`), if one did."""
    return _received[0] if _received else None


def end_as_stopped(exit_code: object) -> None:
    """End the process by the signal that stopped it as Ctrl-C, its default action restored, when the
    command ended as an interrupted one (``exit_code`` 130, how typer ends on ``KeyboardInterrupt``);
    otherwise return. A signal whose default action does not end the process (never one mapped here)
    leaves ``128 + signal`` as the exit status."""
    sig = stopped_by()
    if sig is None or exit_code != 130:
        return
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):
            stream.flush()
    signal.signal(sig, signal.SIG_DFL)
    os.kill(os.getpid(), sig)
    os._exit(128 + sig)


@contextmanager
def stops_as_ctrl_c(*signals: signal.Signals) -> Iterator[None]:
    """While active, each of ``signals`` raises ``KeyboardInterrupt`` in the main thread, as Ctrl-C does,
    if it would have ended the process (its default action): one that is ignored (``nohup`` ignores
    SIGHUP) or handled already keeps its handling. Only the main thread can set a handler; elsewhere (a
    test runner's thread) nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    replaced = {sig: signal.signal(sig, _as_ctrl_c)
                for sig in signals if signal.getsignal(sig) is signal.SIG_DFL}  # fmt: skip
    try:
        yield
    finally:
        for sig, previous in replaced.items():
            signal.signal(sig, previous)


def quiet_lost_interrupts() -> None:
    """A ``KeyboardInterrupt`` raised where Python cannot pass it on (a weak reference's callback, a
    ``__del__``, most often while a command's objects are collected at its end) was printed as "Exception
    ignored … Traceback … KeyboardInterrupt", and the command went on to exit 0: a SIGTERM in the last
    second of `run` stopped nothing (the flaky SIGTERM test of the main job, reproduced). Such an interrupt
    is dropped silently here; :func:`exit_code` still ends the command as stopped."""
    default = sys.unraisablehook

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            _lost.append(True)  # Ctrl-C's own handler records no signal (``stopped_by``)
        else:
            default(unraisable)

    sys.unraisablehook = hook


def exit_code(code: object) -> object:
    """A command's exit status, 130 (interrupted) when it ended well after a stopping signal whose
    ``KeyboardInterrupt`` was lost (:func:`quiet_lost_interrupts`)."""
    return 130 if code in (0, None) and (stopped_by() is not None or _lost) else code


def defer_stops(*signals: signal.Signals) -> Callable[[], None]:
    """From now on, each of ``signals`` is only noted; the function returned (call it any number of times)
    puts their handling back and delivers the first one noted meanwhile, if any. For a step that must not
    be cut half-way: a Ctrl-C inside ``subprocess.Popen``, after the fork, left the supervisor no process
    to stop, and the child outlived it (``jobs.main_children.child_process``). A handler, not a signal
    mask: a mask holds a signal for one thread, and the process's others may take it. Only the main thread
    can set handlers; elsewhere nothing is deferred."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    noted: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: noted.append(signum)) for sig in signals}

    def release() -> None:
        while previous:
            sig, handler = previous.popitem()
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        if noted:
            first = noted[0]
            noted.clear()  # before it is raised: a second release (a ``finally``) delivers nothing again
            signal.raise_signal(first)

    return release
