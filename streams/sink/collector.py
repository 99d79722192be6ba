"""The cyclic garbage collector's tuning while a sink runs in the process.

Converting a batch allocates tens of thousands of short-lived objects; every collection they trigger walks
the young ones, every hundredth the whole heap: measured ~10 % of a sink's CPU time at CPython's default
generation-0 threshold (700). Several sinks may share a process (tests, the main job), hence the count.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["COLLECTOR", "GC_THRESHOLD0"]

#: Generation-0 threshold of the cyclic garbage collector while a sink runs (CPython's default: 700).
GC_THRESHOLD0 = 10_000


class _CollectorTuning:
    """Raises the collector's generation-0 threshold (never lowers it) while at least one sink runs in
    the process, and restores it when the last one stops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved = gc.get_threshold()

    @contextlib.contextmanager
    def applied(self) -> Iterator[None]:
        with self._lock:
            if self._users == 0:
                self._saved = gc.get_threshold()
                gc.set_threshold(max(GC_THRESHOLD0, self._saved[0]), *self._saved[1:])
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    gc.set_threshold(*self._saved)


COLLECTOR = _CollectorTuning()
