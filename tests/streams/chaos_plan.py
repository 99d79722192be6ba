"""The chaos run's configuration and its seeded plan of kills and restarts (issue 19; see
``tests/streams/chaos_support.py``)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

#: The long-running workers of the chaos phase; ``ingest`` is a kill target too when a plan asks for it.
WORKERS = ("sink", "detect-a", "detect-b")
INGEST = "ingest"


@dataclass(frozen=True)
class ChaosConfig:
    """One chaos run; the same ``seed`` gives the same file and the same plan of kills."""

    seed: int
    dossiers: int = 300
    start: date = date(2025, 9, 1)
    weeks: int = 4
    #: SIGKILLs of the workers (each of the three at least once when there are three or more).
    kills: int = 4
    #: SIGKILLs of the ingest; the next ingest run sends the whole file again (the runbook's re-ingest).
    ingest_kills: int = 0
    #: Lines per second written to the ingest's standard input.
    rate: float = 80.0
    #: Seconds between a kill and the restart, drawn uniformly.
    restart_delay: tuple[float, float] = (0.3, 3.0)
    #: The workers' ``--session-timeout``; None: their default, as an operator runs them (a restarted worker
    #: waits for its dead predecessor's session to end before the group settles).
    session_timeout: float | None = None
    #: Seconds a worker gets to stop on SIGTERM before it is killed (and the report says so).
    stop_timeout: float = 20.0
    #: Deadline of each ``--until-idle`` run of the drain (a recovery run gets its own).
    drain_timeout: float = 90.0
    #: The drain's ``--join-timeout`` (the detector's ``DOSSIER_AUDIT_GROUP_JOIN_TIMEOUT_SECONDS``): shorter
    #: than ``drain_timeout``, so a stuck group exits 2 with its line and the runbook's recovery follows.
    drain_join_timeout: float = 20.0
    #: Stuck-group recoveries (a new group id) allowed per drain step before the drain fails.
    drain_recoveries: int = 2
    #: The running workers' join timeout: longer than any run (the default 60 s is not), so a slow
    #: rebalance after a kill never makes a worker exit by itself; a group stuck for good is the drain's.
    worker_join_timeout: float = 900.0
    #: Deadline of the chaos phase beyond the planned ingestion time (a stuck ingest fails, never hangs).
    ingest_grace: float = 60.0

    @property
    def as_of(self) -> str:
        """The end of the simulated period (00:00 local of the day after it): every dossier judged there."""
        return (self.start + timedelta(weeks=self.weeks)).isoformat()

    def describe(self) -> str:
        return (
            f"seed={self.seed} dossiers={self.dossiers} start={self.start} weeks={self.weeks} "
            f"kills={self.kills} ingest_kills={self.ingest_kills} rate={self.rate:g}/s as_of={self.as_of}"
            + (f" session_timeout={self.session_timeout:g}" if self.session_timeout is not None else "")
        )


@dataclass(frozen=True)
class Action:
    """``kill`` or ``restart`` of ``target`` at ``at`` seconds after the chaos phase started."""

    at: float
    kind: Literal["kill", "restart"]
    target: str


def plan_actions(config: ChaosConfig, ingest_seconds: float) -> list[Action]:
    """The kills and restarts of a run, from ``random.Random(config.seed)`` alone.

    Kill moments fall during the planned ingestion (``ingest_seconds``, from the file size and the rate);
    a target is never killed while it is down: such a kill moves to just after its restart.
    """
    rng = random.Random(config.seed)
    targets = list(WORKERS) if config.kills >= len(WORKERS) else []
    targets += [rng.choice(WORKERS) for _ in range(config.kills - len(targets))]
    targets += [INGEST] * config.ingest_kills
    rng.shuffle(targets)
    low, high = 1.0, max(2.0, ingest_seconds * 0.9)
    moments = sorted(rng.uniform(low, high) for _ in targets)
    up_again: dict[str, float] = {}
    actions: list[Action] = []
    for at, target in zip(moments, targets, strict=True):
        at = max(at, up_again.get(target, 0.0) + 0.5)  # noqa: PLW2901 - the moved moment
        back = at + rng.uniform(*config.restart_delay)
        up_again[target] = back
        actions += [Action(round(at, 2), "kill", target), Action(round(back, 2), "restart", target)]
    return sorted(actions, key=lambda a: (a.at, a.kind != "kill"))
