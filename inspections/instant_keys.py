"""Sort keys for the instants of one dossier's events, cheaper to compare than the instants themselves.

The outcome history (``metrics``) checks the events' order, finds its change points and bisects their
prefixes by these keys. Pure; kept apart from the history so that each reads on its own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timezone
from itertools import repeat
from operator import attrgetter, sub
from typing import Any, Literal

from pydantic_core import TzInfo

from schemas.events import AnyEvent

_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


#: How the keys order the instants: ``one zone`` (the instants, all of one ``tzinfo``: compared by wall
#: time), ``utc`` (their distances to the UTC epoch) or ``as compared`` (the instants, in no single order).
Order = Literal["one zone", "utc", "as compared"]


def time_keys(events: list[AnyEvent]) -> tuple[list[Any], Order]:
    """Keys that order the events' instants exactly as comparing the instants does, but cheaply.

    Comparing two aware datetimes with different ``tzinfo`` objects looks up both offsets (the events of
    a parsed file each have their own), so the order check, the change points and the bisections would
    cost several look-ups per comparison. When no ``tzinfo`` is shared by instants of different offsets,
    every order comparison is one of UTC instants (two ``tzinfo``: converted to UTC; one ``tzinfo``, one
    offset: wall times, in the same order): their distances to the UTC epoch, each offset looked up
    once, are the keys. Else the instants themselves are: one ``tzinfo`` for all compares them cheaply,
    by wall time, already; a ``tzinfo`` of several offsets (its own instants by wall time, others by UTC)
    or none (naive) is compared as it always was, in no single order. Equal keys are not always equal
    instants (``==`` tells an instant in a repeated hour of its zone from the same UTC instant in another
    zone, PEP 495): ``metrics`` asks them again."""
    instants = list(map(_INSTANT, events))
    zones = len(set(map(id, map(_ZONE, instants))))
    if zones == 1:
        return instants, "one zone" if instants[0].tzinfo is not None else "as compared"
    try:
        if zones < len(instants):  # some share a ``tzinfo``: only if it gives them one offset
            offsets = list(map(datetime.utcoffset, instants))
            if offsets.count(offsets[0]) != len(offsets):
                return instants, "as compared"
        return list(map(sub, instants, repeat(_UTC_EPOCH))), "utc"
    except TypeError:  # an offset that is None (naive): compared as they are, as they always were
        return instants, "as compared"


_INSTANT, _ZONE = attrgetter("occurred_at"), attrgetter("tzinfo")

#: ``tzinfo`` classes that give every instant one offset (the standard library's fixed offsets, and those
#: pydantic gives parsed instants; neither can be subclassed): in them, a microsecond before an instant on
#: the wall is a microsecond before it in UTC.
FIXED_OFFSETS: frozenset[type] = frozenset({timezone, TzInfo})
