"""The importer's shared state and its two outputs: contract event lines, and rejected records.

Every event is validated against the contract (:func:`schemas.lines.parse_line`, the very check ``ingest``
and ``validate`` run) before it leaves, so the iterator of lines the importer yields can go straight to any
sink (a JSONL file, Kafka, later the warehouse load) and "every emitted event is valid" holds by
construction; an event that would not be valid becomes a rejected record (``event.<reason>``) instead.
(A sink that validates every line itself, as ``ingest`` does on the way to Kafka, may turn this check
off: it is under a tenth of the import's time.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any

import orjson

from schemas.lines import parse_line
from schemas.pseudonym import Pseudonymiser
from schemas.validation import Rejection
from sources.dvcqg.blindspots import ImportStats
from sources.dvcqg.identity import Provenance, build_event
from sources.dvcqg.state import DossierState
from sources.dvcqg.units import UnitResolver

__all__ = ["Context", "EventLine", "Output", "RejectedRecord"]


@dataclass(frozen=True, slots=True)
class EventLine:
    """A contract event, as the JSON line (without its newline) every sink writes."""

    line: bytes
    dossier_id: str
    type: str


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    """A record (or a part of a file) that could not be mapped, with its reason.

    ``source``: the file it came from; ``index``: the record's number in it (from 1); ``raw``: the record
    as compact JSON with applicant data pseudonymised (``sources.dvcqg.privacy``), empty when there is no
    record to show (a file that stops being JSON).
    """

    source: str
    index: int
    code: str
    message: str
    raw: bytes
    dossier_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The rejected output's line: the dead-letter shape (without a time, so it is reproducible)."""
        return {
            "source": self.source,
            "offset": self.index,
            "reason_code": self.code,
            "reason": self.message,
            "dossier_id": self.dossier_id,
            "raw": self.raw.decode("utf-8", "replace"),
        }


Output = EventLine | RejectedRecord


class Context:
    """Per-import state: dossiers, counts, and the outputs of the record being mapped."""

    def __init__(self, units: UnitResolver, pseudonymiser: Pseudonymiser, *, validate: bool = True) -> None:
        self.units = units
        self.validate = validate
        self.pseudonymiser = pseudonymiser
        self.states: dict[str, DossierState] = {}
        #: ``MaHoSoKhac`` → ``MaHoSo``, so history rows sent under the alias find their dossier.
        self.aliases: dict[str, str] = {}
        self.stats = ImportStats()
        self.outputs: list[Output] = []
        self.source = ""
        self.index = 0
        self._folded: dict[str, str] = {}  # a dossier id's ``casefold()`` → the id (``differs_in_case``)
        self._indexed = 0  # how many of ``states`` it holds

    def state(self, dossier_id: str) -> DossierState:
        state = self.states.get(dossier_id)
        if state is None:
            state = self.states[dossier_id] = DossierState()
        return state

    def canonical(self, dossier_id: str) -> str:
        """The dossier id a record means: its alias resolved when the alias is known and the id is not."""
        if dossier_id in self.states:
            return dossier_id
        return self.aliases.get(dossier_id, dossier_id)

    def differs_in_case(self, dossier_id: str) -> str | None:
        """A dossier id read so far that is ``dossier_id`` but for letter case, if any: a history row
        typed so is another dossier (ids are compared exactly), and its rejection says which one it may
        have meant (review of real exports). Indexed when asked (a rejection), each id once."""
        for known in islice(self.states, self._indexed, None):  # those read since (a dict keeps order)
            self._folded.setdefault(known.casefold(), known)
        self._indexed = len(self.states)
        found = self._folded.get(dossier_id.casefold())
        return found if found != dossier_id else None

    def emit(
        self,
        state: DossierState,
        key: bytes,
        dossier_id: str,
        kind: str,
        occurred_at: Any,
        data: dict[str, Any],
        provenance: Provenance,
        *,
        actor: str = "",
        inferred_kind: str = "",
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Build, validate and output one event, unless this dossier already emitted it in this run."""
        if state.unit is None:  # every caller resolves the unit first
            raise AssertionError("a dossier's unit is resolved before its events")
        if not state.first_emission(key):
            self.stats.repeated += 1
            return
        event = build_event(key, dossier_id, kind, occurred_at, state.unit, data, provenance, actor=actor)
        if extra:
            event.update(extra)
        line = orjson.dumps(event)
        checked = parse_line(line) if self.validate else None
        if isinstance(checked, Rejection):
            self.stats.events_rejected += 1
            self.reject(f"event.{checked.code}", f"the {kind} event would not be valid: {checked.message}",
                        b"", dossier_id)  # fmt: skip
            return
        self.stats.count_event(event)
        if inferred_kind:
            self.stats.inferred[inferred_kind] += 1
        self.outputs.append(EventLine(line, dossier_id, kind))

    def reject(self, code: str, message: str, raw: bytes, dossier_id: str | None = None) -> None:
        self.stats.rejected[code] += 1
        self.outputs.append(RejectedRecord(self.source, self.index, code, message, raw, dossier_id))

    def take(self) -> Iterable[Output]:
        """The outputs made since the last call."""
        out, self.outputs = self.outputs, []
        return out
