"""When the main job judges events given without ``--as-of`` (``dossier-audit run --events FILE``)."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console

from inspections.timeunits import VN_TZ

__all__ = ["data_end"]


def data_end(ingested: datetime | None, stored: datetime | None, console: Console) -> datetime:
    """The evaluation time of a run given events and no ``--as-of``: where the data ends, its newest event
    (this file's, or one an earlier run stored, if later); with no valid event at all, now.

    Judged at now, a file extracted days before found late every dossier still open in it (what its
    department did since is not in it), and its report was of the last week before now: empty for an older
    file (review). ``audit`` asks for ``--as-of`` for the same reason; ``report`` picks its week so too."""
    known = [at for at in (ingested, stored) if at is not None]
    now = datetime.now(VN_TZ)
    if not known:
        return now
    end = max(known).astimezone(VN_TZ)
    if end > now:  # a clock set wrong at the source: judged at its time, every open dossier was late
        console.print(
            f"    [yellow]warning:[/] the newest event is in the future ({end.isoformat()}): evaluated at "
            f"now, {now.isoformat()} (--as-of for another time)",
            highlight=False,
        )
        return now
    console.print(
        f"    evaluated at the newest event, {end.isoformat()} (--as-of for another time, e.g. now for "
        "live data)",
        highlight=False,
    )
    return end
