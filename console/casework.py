"""The console's writes of case events and its view of every case: the cache of folded case states, and
the system's closing (and reopening) of the cases whose violation the detector retracted (or found
again).

- **Cache**: every case folded, kept ``CACHE_SECONDS`` and dropped at once when this instance appends a
  case event (another instance's writes show within ``CACHE_SECONDS``): the list's case-state filter and
  its rows' states read it instead of folding every case per request.
- **Retractions**: a dossier's page settles that dossier's cases; the rest of the province is settled by
  :meth:`CaseWork.sync` (the app's timer, ``dossier-audit console --sync-cases``), never per request. A
  close is skipped when the case's stored events already end closed (two consoles, one close; a second
  one would be ignored by the fold anyway), and a case closed by a retraction whose violation the
  detector finds again gets a ``reopen`` system event.

The caller holds the service's lock (one warehouse query at a time).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import NamedTuple

from inspections.cases import (
    FOUND_AGAIN_AFTER_CONCLUSION_NOTE,
    REOPENED_NOTE,
    RETRACTED_AFTER_CONCLUSION_NOTE,
    RETRACTED_NOTE,
    SETTLED,
    CaseAction,
    CaseEvent,
    CaseState,
    CaseStatus,
    Role,
    fold,
)
from warehouse.base import Warehouse
from warehouse.cases import CaseKey, all_cases, append_case_event, case_events_of, violation_states

#: How stale (seconds) the folded cases may be when another console instance wrote.
CACHE_SECONDS = 10.0
#: (detector state, rulebook version, unit) of a violation.
Detected = tuple[str, str, str]


class CaseWork:
    def __init__(self, reader: Warehouse, writer: Warehouse, clock: Callable[[], datetime]) -> None:
        self.reader = reader
        self.writer = writer
        self.clock = clock
        self._cached: tuple[float, dict[CaseKey, CaseState]] | None = None

    def cases(self) -> dict[CaseKey, CaseState]:
        """Every case with an event, folded (cached, see the module's doc)."""
        if self._cached is None or time.monotonic() - self._cached[0] >= CACHE_SECONDS:
            self._cached = (time.monotonic(), all_cases(self.reader))
        return self._cached[1]

    def cases_of(self, dossier_ids: Iterable[str]) -> dict[CaseKey, CaseState]:
        return {k: fold(events) for k, events in case_events_of(self.reader, set(dossier_ids)).items()}

    def append(self, key: CaseKey, event: CaseEvent, *, version: str, unit: str) -> None:
        append_case_event(self.writer, key, event, rulebook_version=version, unit_code=unit)
        self._cached = None

    def settle(
        self, cases: dict[CaseKey, CaseState], detected: dict[CaseKey, Detected]
    ) -> dict[CaseKey, CaseState]:
        """Close the cases of retracted violations and reopen the closed ones found again (``detected``:
        the detector's view of each key); the cases after it."""
        out = dict(cases)
        for key, (state, version, unit) in detected.items():
            case = cases.get(key)  # a violation nobody worked has no case to close
            event = None if case is None else _system_event(case, state, self.clock())
            if case is None or event is None:
                continue
            # Read again just before writing: another console may have settled it meanwhile.
            case = fold(case_events_of(self.reader, {key.dossier_id}).get(key, []))
            if _system_event(case, state, event.at) is None:
                out[key] = case
                continue
            self.append(key, event, version=version, unit=unit)
            out[key] = fold([*(e for e, _ in case.history), event])
        return out

    def sync(self) -> Synced:
        """Settle every case of the province; how many it closed, reopened, and (concluded cases) marked to
        look at again and unmarked."""
        self._cached = None
        cases = self.cases()
        kept = (CaseStatus.CLOSED, CaseStatus.CONCLUDED)
        wanted = [k for k, c in cases.items() if c.status not in SETTLED or c.status in kept]
        detected = violation_states(self.reader, wanted)
        after = self.settle({k: cases[k] for k in detected}, detected)
        changed = [(cases[k], after[k]) for k in detected if after[k].retracted != cases[k].retracted]
        concluded = [before.status is CaseStatus.CONCLUDED for before, _ in changed]
        marked = [now.retracted for _, now in changed]
        return Synced(
            closed=sum(m and not c for m, c in zip(marked, concluded, strict=True)),
            reopened=sum(not m and not c for m, c in zip(marked, concluded, strict=True)),
            marked=sum(m and c for m, c in zip(marked, concluded, strict=True)),
            unmarked=sum(not m and c for m, c in zip(marked, concluded, strict=True)),
        )


class Synced(NamedTuple):
    """What a province-wide sync did: cases closed and reopened, and concluded cases marked to look at again
    (their violation retracted) and unmarked (found again)."""

    closed: int
    reopened: int
    marked: int = 0
    unmarked: int = 0


def _system_event(case: CaseState, detected: str, at: datetime) -> CaseEvent | None:
    """The system's event a case needs given the detector's state, or ``None``: a concluded case is marked
    (and unmarked) as its violation is retracted (and found again), its state kept (``inspections.cases``)."""
    concluded = case.status is CaseStatus.CONCLUDED
    if detected == "retracted" and (case.status not in SETTLED or (concluded and not case.retracted)):
        note = RETRACTED_AFTER_CONCLUSION_NOTE if concluded else RETRACTED_NOTE
        return CaseEvent(CaseAction.CLOSE_RETRACTED, Role.SYSTEM, "system", at, note=note)
    if detected == "open" and (case.status is CaseStatus.CLOSED or (concluded and case.retracted)):
        note = FOUND_AGAIN_AFTER_CONCLUSION_NOTE if concluded else REOPENED_NOTE
        return CaseEvent(CaseAction.REOPEN, Role.SYSTEM, "system", at, note=note)
    return None
