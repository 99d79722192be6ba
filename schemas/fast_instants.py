"""Timestamps for the fast path (:mod:`schemas.fast_events`): the aware instant of a date-time written
exactly as pydantic writes it, or ``None`` for any other text.

Why its own reading: a message is in canonical form only if each timestamp's text is exactly pydantic's for
the value it holds (``isoformat``, ``Z`` for a zero offset and only then), within the calendar's years
(``schemas.timerange``), so the text is checked, not only parsed. And the sink reads ``occurred_at`` of
every message: :func:`_utc_instant` remembers the hours it has read, so the usual whole-second time costs
two lookups instead of a parse.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.timerange import FIRST_YEAR, LAST_YEAR, in_range

#: ``:MM:SS`` of every whole-second time of an hour, and its offset from the hour's start.
_STEPS: dict[str, timedelta] = {
    f":{m:02d}:{s:02d}": timedelta(minutes=m, seconds=s) for m in range(60) for s in range(60)
}
#: UTC instants of the start of hours that :func:`_instant` accepted a whole-second time of, by the text
#: of the time without its ``:MM:SS`` (date, hour, and ``Z`` or the offset); only hours whose local year
#: is inside the supported years, where every instant is in range (``schemas.timerange.in_range``).
_HOURS: dict[str, datetime] = {}
#: At most this many hours are kept (emptied when full): a process-wide cache, fed by whatever instants the
#: messages carry. 4,096 hours of one offset are over five months: the hours a live stream's events fall in
#: stay cached; a stream of scattered instants only clears it now and then, at about half a megabyte.
_HOURS_MAX = 4_096


def _utc_instant(text: str) -> datetime | None:
    """:func:`_instant` of ``text`` in UTC. A whole-second time of an hour that was accepted before costs
    two lookups instead of a parse: its date, hour and offset were checked then, and ``_STEPS`` holds only
    valid minutes and seconds between the separators (``fromisoformat`` and the checks of :func:`_instant`
    would accept them all: no other part of the text differs, and none of their checks depends on them)."""
    base = _HOURS.get(text[:13] + text[19:])
    if base is not None and len(text) in {20, 25}:
        step = _STEPS.get(text[13:19])
        if step is not None:
            return base + step
    local = _instant(text)
    if local is None:
        return None
    utc = local.astimezone(UTC)
    if len(text) in {20, 25} and FIRST_YEAR < local.year < LAST_YEAR:
        if len(_HOURS) >= _HOURS_MAX:
            _HOURS.clear()
        _HOURS[text[:13] + text[19:]] = utc - _STEPS[text[13:19]]
    return utc


def _instant(text: str) -> datetime | None:
    """The aware instant of a timestamp written exactly as pydantic writes it (``YYYY-MM-DDTHH:MM:SS``, a
    six-digit fraction only when it is not zero, ``Z`` for a zero offset and only then, else ``±HH:MM``),
    within the supported years; else None. Its ``tzinfo`` is the standard library's:
    :meth:`schemas.fast_events.Canonical.event` gives it pydantic-core's."""
    size = len(text)
    if size in {25, 32}:  # ±HH:MM
        if text[-6] not in "+-" or text[-3] != ":":
            return None
    elif size not in {20, 27} or text[-1] != "Z":
        return None
    if text[4] != "-" or text[7] != "-" or text[10] != "T" or text[13] != ":" or text[16] != ":":
        return None
    if size > 25 and text[19] != ".":
        return None
    try:  # given the separators above, it takes only ASCII digits between them
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if (size > 25) != (parsed.microsecond != 0):  # a fraction exactly when it is not zero
        return None
    offset = parsed.utcoffset()
    if offset is None or (not offset) != (text[-1] == "Z"):  # every zero offset is Z, and only those
        return None
    return parsed if in_range(parsed) else None
