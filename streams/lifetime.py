"""Child processes that end with the process that started them.

A broker, a ClickHouse server or a batch worker left behind by a parent killed with SIGKILL (an operator's
``kill -9``, a CI job stopped half-way, a test run interrupted) keeps its port, its directory lock or its CPU
for nothing: seen here as an orphaned tansu broker after a stopped test run. Linux can tie a child to its
parent (``prctl(PR_SET_PDEATHSIG)``); elsewhere this is a no-op and the child lives on, as before.

Note the kernel's unit is the *thread* that forked the child: start such children from a thread that lives
as long as they should (the main thread, in this project).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal

__all__ = ["tie_to_parent"]

#: ``prctl`` option: the signal the kernel sends a process when the thread that forked it ends (Linux).
_PR_SET_PDEATHSIG = 1


def tie_to_parent(sig: int = signal.SIGTERM, parent: int | None = None) -> None:
    """In the child (a ``preexec_fn``, or first thing after a fork): receive ``sig`` when the parent dies.

    ``parent``: the parent's pid as the parent saw it; if it died before the ``prctl`` took effect (the
    child was already re-parented), the child exits at once."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig)
    if parent is not None and os.getppid() != parent:
        os._exit(1)
