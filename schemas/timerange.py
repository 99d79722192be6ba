"""The years an event time may fall in: those the working calendar covers (rulebook v2, amendment 12).

No working day is known outside them, so a dossier with such a time cannot be judged; validation rejects
the event with a reason instead of letting it stop an audit. The bounds live here, at the bottom of the
house, because validation needs them and may not import the calendar above it: ``inspections.calendar``
takes its range from these constants (a test holds the shipped calendar to them).

Years are local years in Asia/Ho_Chi_Minh (the calendar's dates are local dates), so
``2050-12-31T20:00:00Z`` (1 January 2051 in Vietnam) is out of range and ``1999-12-31T18:00:00Z`` is not.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

FIRST_YEAR = 2000
LAST_YEAR = 2050

#: Vietnam's offset (UTC+07:00 without DST since 1975); ``inspections.timeunits.VN_TZ`` is the same zone.
_VN = timezone(timedelta(hours=7))
#: The first instant in range and the first one after it.
EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=_VN)
END = datetime(LAST_YEAR + 1, 1, 1, tzinfo=_VN)

#: How messages name the range.
SUPPORTED = f"the supported years {FIRST_YEAR}–{LAST_YEAR} (Asia/Ho_Chi_Minh)"


def in_range(at: datetime) -> bool:
    """Whether an aware instant falls in the supported years."""
    if FIRST_YEAR < at.year < LAST_YEAR:
        # Well inside, whatever its offset (less than a day): no comparison of aware datetimes, which calls
        # each one's utcoffset() twice (the validator and the batch engine ask for every event).
        return True
    return EARLIEST <= at < END
