"""Two process-wide helpers of the detector's runtime: the version clock of the violation messages it
publishes, and the garbage-collector freeze after each batch."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

from streams.watermark import to_us

__all__ = ["VersionClock", "freeze_young_objects"]


class VersionClock:
    """Versions that grow per process: microseconds now, bumped so that none repeats."""

    def __init__(self) -> None:
        self.last = 0

    def floor(self, version: int) -> None:
        self.last = max(self.last, version)

    def __call__(self) -> int:
        now = to_us(datetime.now(UTC))
        self.last = now if now > self.last else self.last + 1
        return self.last


def freeze_young_objects() -> None:
    """Collect the young generations, then move every survivor to the permanent generation.

    The detector keeps every dossier's parsed events: millions of container objects that the collector's
    full passes would scan again and again (measured: 80 % of the time of a catch-up). Frozen objects are
    still freed by reference counting; only reference cycles among them would outlive their use, and the
    young collection before each freeze reclaims those a batch leaves behind.
    """
    gc.collect(1)
    gc.freeze()
