"""How long a detector worker has been out of its consumer group, against a deadline.

Why: a group coordinator can get stuck for good (issue 19: after SIGKILLs the embedded broker kept naming
a killed member as the group's leader and answered every SyncGroup with "rebalance in progress"). aiokafka
retries that for ever, so a ``--until-idle`` run would hang silently. Out of the group means from the start
or a revocation until the next assignment (not until the tables are recovered: a large recovery is not a
stuck group). The way out for the detector is a new ``--group-id``: its tables' changelogs are named after
it, so the new group replays the events topic from the beginning and rebuilds every dossier (slower,
exact).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

__all__ = ["Membership"]


class Membership:
    """Out of the group since :meth:`left` (or creation) until :meth:`joined`."""

    def __init__(self) -> None:
        self._since: float | None = time.monotonic()

    def left(self) -> None:
        if self._since is None:
            self._since = time.monotonic()

    def joined(self) -> None:
        self._since = None

    def overdue(self, seconds: float | None) -> bool:
        """Whether the worker has been out of its group for longer than ``seconds`` (None: never)."""
        return seconds is not None and self._since is not None and time.monotonic() - self._since > seconds

    def watch(
        self,
        loop: asyncio.AbstractEventLoop,
        seconds: float | None,
        give_up: Callable[[], None],
        every: float,
    ) -> None:
        """Check every ``every`` seconds on ``loop``; call ``give_up`` once, when overdue (None: never)."""
        if seconds is None:
            return
        if self.overdue(seconds):
            give_up()
            return
        loop.call_later(every, self.watch, loop, seconds, give_up, every)

    @staticmethod
    def message(group: str, servers: str, seconds: float | None) -> str:
        return (
            f"the detector could not join consumer group {group!r} at {servers} within {seconds or 0:g} s: "
            "the broker keeps the group rebalancing (e.g. still waiting for a killed member); retry later, "
            "or start the detectors with a new --group-id (they then replay the events topic from the start)"
        )
