"""Arrivals: the dossiers a simulation plans to receive, and how receptions spread over working days.

Shared by the generator and the calibration planner (which each plan arrivals), below both of them.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime

from dossier_audit.simulator import clock as ck

#: Relative daily volume by weekday (Mon..Sun); Mondays also carry the weekend's online backlog.
WEEKDAY_WEIGHT = (1.35, 1.2, 1.0, 1.0, 0.9, 0.8, 0.8)


@dataclass(slots=True)
class Arrival:
    """A dossier to plan: where, what, how and when it is received."""

    received_wm: int
    channel: str
    unit_code: str
    procedure_code: str
    scenario: str | None
    submitted_at: datetime | None = None
    never_received: bool = False
    outcome: str | None = None  # calibration: early / on_time / late / in_progress


def pick(rng: ck.FastRandom, choices: tuple[list[str], list[float]]) -> str | None:
    codes, cum = choices
    if not codes:
        return None
    return codes[bisect.bisect_right(cum, rng.random() * cum[-1])]


def day_counts(clock: ck.Clock, start: date, end: date, total: int) -> list[tuple[date, int]]:
    """Receptions per working day in ``[start, end)``, by weekday weight, summing exactly to ``total``."""
    days = [d for d in clock.days if start <= d < end]
    if not days:
        return []
    weights = [WEEKDAY_WEIGHT[d.weekday()] for d in days]
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    counts = [int(x) for x in exact]
    # Largest remainders (ties by date) take the rest, so the total is exact and deterministic.
    order = sorted(range(len(days)), key=lambda i: (counts[i] - exact[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return list(zip(days, counts, strict=True))
