"""Stopping a command by signal as Ctrl-C stops it.

A command's clean-up runs when it is interrupted (``KeyboardInterrupt``): a half-written output's hidden
``.part`` file is removed, a spooled copy of standard input and the batch engine's temporary folders are
deleted, a load records that it did not complete, the main job stops its children in order. By default
SIGTERM (a service manager's stop, ``timeout``, ``kill``) and SIGHUP (the terminal closed) end the process
at once, without any of it: ``timeout 10 dossier-audit simulate --out s.jsonl …`` left a 3.6 GB
``.s.jsonl.….part`` beside the target for ever (review of 2026-12-04).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["stops_as_ctrl_c"]


@contextmanager
def stops_as_ctrl_c(*signals: signal.Signals) -> Iterator[None]:
    """While active, each of ``signals`` raises ``KeyboardInterrupt`` in the main thread, as Ctrl-C does,
    if it would have ended the process (its default action): one that is ignored (``nohup`` ignores
    SIGHUP) or handled already keeps its handling. Only the main thread can set a handler; elsewhere (a
    test runner's thread) nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    replaced = {sig: signal.signal(sig, signal.default_int_handler)
                for sig in signals if signal.getsignal(sig) is signal.SIG_DFL}  # fmt: skip
    try:
        yield
    finally:
        for sig, previous in replaced.items():
            signal.signal(sig, previous)
