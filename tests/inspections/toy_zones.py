"""Time zones for tests that need instants the way a zone with daylight saving time gives them.

:class:`ToyZone` changes its offset once, at an instant of the tests' choosing (the shipped zones change
theirs on dates far from the tests' dossiers): going back, an hour of wall times is repeated, told apart
by ``fold``; going forward, an hour is skipped (PEP 495). Sharing one such ``tzinfo``, two instants compare
by wall time, and ``t - timedelta(microseconds=1)`` is a microsecond earlier on the wall, not in UTC: the
cases where comparing instants is not comparing UTC instants.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from inspections.timeunits import VN_TZ


class ToyZone(tzinfo):
    """Offset ``before`` until the UTC instant ``at``, ``after`` from it."""

    def __init__(self, at: datetime, before: timedelta, after: timedelta) -> None:
        self._at = at.astimezone(UTC).replace(tzinfo=None)
        self._before, self._after = before, after
        # The wall times of the switch on the old and the new clock: the repeated or skipped hour between.
        self._old_wall, self._new_wall = self._at + before, self._at + after

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        if dt is None:
            return None
        wall = dt.replace(tzinfo=None, fold=0)
        early, late = sorted((self._old_wall, self._new_wall))
        if wall < early:
            return self._before
        if wall >= late:
            return self._after
        return self._before if dt.fold == 0 else self._after  # repeated or skipped: PEP 495's choice

    def dst(self, dt: datetime | None) -> timedelta | None:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return "TOY"

    def fromutc(self, dt: datetime) -> datetime:
        utc = dt.replace(tzinfo=None)
        if utc < self._at:
            return (utc + self._before).replace(tzinfo=self)
        wall = utc + self._after
        repeated = self._after < self._before and wall < self._old_wall
        return wall.replace(tzinfo=self, fold=1 if repeated else 0)


def zones(at: datetime) -> list[tzinfo]:
    """Every kind of ``tzinfo`` an instant may carry: fixed offsets (the standard library's UTC and +07:00,
    each one object for all), the named zone of the platform, and zones going back and forward at ``at``."""
    return [
        UTC,
        timezone(timedelta(hours=7)),
        VN_TZ,
        ToyZone(at, timedelta(hours=8), timedelta(hours=7)),
        ToyZone(at, timedelta(hours=7), timedelta(hours=8)),
    ]


def fresh(zone: tzinfo) -> tzinfo:
    """Another ``tzinfo`` object giving the same offsets (instants then share none)."""
    if isinstance(zone, ToyZone):
        return ToyZone(zone._at.replace(tzinfo=UTC), zone._before, zone._after)
    if isinstance(zone, ZoneInfo):
        return ZoneInfo.no_cache(zone.key)
    offset = zone.utcoffset(None)
    assert offset is not None
    return timezone(offset)
