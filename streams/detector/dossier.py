"""One dossier's state in the detector: its deduplicated events in event-time order, the violations
published for it, its next deadline, and its persistence as the value of the ``dossiers`` table.

Reading a stored state back must not fail on an event the detector accepted: the state is read at every
start and rebalance, so an unreadable one would stop the worker on every restart. The stored value embeds
each event's wire bytes verbatim, and those are whatever a producer sent and the contract's parser took —
which may be JSON that orjson refuses (``NaN``, an integer beyond 64 bits, ``1e400``). :meth:`DossierState.
decode` then falls back to the standard library's more lenient parser for that value.

Two flags keep a dossier in memory whatever the eviction rule says (:mod:`streams.detector.evict`), because
reading it back from the warehouse could not give it back exactly:
  - :data:`PINNED`: it saw a conflicting version of one of its events (the first version wins here, but a
    merge of the warehouse's ``ReplacingMergeTree`` may keep the second) or an event whose taking in raised
    (the warehouse holds it, the state does not). Permanent;
  - :data:`UNSURE`: its published violations may differ from what the violations topic holds, because it
    was restored from a write whose delivery (with its violation messages) was never confirmed: a crash
    between the two. Only the final evaluation's re-reading of the topic
    (:meth:`~streams.detector.partition_state.PartitionState.replace_published`) repairs that, and it sees
    only the dossiers in memory; it clears the flag.
A third flag is never stored: :data:`SETTLED`, "its last evaluation saw every event it holds and an end event,
and published what that evaluation found". An ended dossier's verdict no longer depends on the evaluation
time (:mod:`streams.detector.evict`), so the final evaluation at ``--as-of`` skips it when every event is
visible then (:meth:`~streams.detector.partition_state.PartitionState.finalize`). Adding an event clears it.

With eviction on, each stored state also says at which events-topic offset it was written (``o``): a
restore compares it with the offset up to which the writer had confirmed delivery (the progress marker's,
:mod:`streams.detector.resume`) to set :data:`UNSURE`.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable, Mapping
from typing import Any, Literal

import orjson

from inspections.violations import Violation
from schemas.dedup import same_content
from schemas.events import EVENT_ADAPTER, AnyEvent
from streams.watermark import to_us

__all__ = [
    "PINNED",
    "RESTORED_UNSURE",
    "SETTLED",
    "UNSURE",
    "DossierState",
    "Observation",
    "StateError",
    "VKey",
    "violation_key",
]

#: Flags of a dossier state (module doc). :data:`RESTORED_UNSURE` is not stored: a restore sets it beside
#: :data:`UNSURE` when it derived that flag, so that the worker stores the flag before anything confirms
#: the offset the state was written at.
PINNED = 1
UNSURE = 2
RESTORED_UNSURE = 4
SETTLED = 8
_STORED_FLAGS = PINNED | UNSURE

#: A violation's identity inside its dossier: (rule_id, trigger event_id or "").
VKey = tuple[str, str]
Observation = Literal["new", "duplicate", "conflict"]


class StateError(ValueError):
    """A stored dossier or partition state that cannot be read back."""


def violation_key(v: Violation) -> VKey:
    return (v.rule_id, v.event_id or "")


def _key_of_json(doc: Mapping[str, Any]) -> VKey:
    return (str(doc["rule_id"]), str(doc["event_id"] or ""))


class DossierState:
    """The deduplicated events of one dossier (in event-time order), what is published for it, and its
    next deadline."""

    __slots__ = ("_occ", "_order", "dossier_id", "due_us", "flags", "probe", "published", "raw")

    def __init__(self, dossier_id: str) -> None:
        self.dossier_id = dossier_id
        # Parallel lists in (occurred_at, event_id) order: `_occ` for bisecting by time.
        self._order: list[tuple[int, str, AnyEvent]] = []
        self._occ: list[int] = []
        self.raw: dict[str, bytes] = {}
        self.published: dict[VKey, bytes] = {}
        self.due_us: int | None = None
        # (visible event count, {key: occurred_at µs} at the horizon) of the last probe.
        self.probe: tuple[int, dict[VKey, int]] | None = None
        self.flags = 0  # PINNED, UNSURE (module doc)

    def __len__(self) -> int:
        return len(self._order)

    def newest_us(self) -> int:
        """The time of its newest event (microseconds; the smallest integer when it has none)."""
        return self._occ[-1] if self._occ else -(1 << 63)

    def add(self, event: AnyEvent, raw: bytes) -> Observation:
        """Add an event (its wire bytes kept for the state changelog). First version of an id wins.

        Changes nothing when it raises (everything that may fail comes before the first change): the
        detector then dead-letters the event and goes on with this state as it was."""
        known = self.raw.get(event.event_id)
        if known is not None:
            first = self.event(event.event_id)
            if known == raw or (first is not None and same_content(first, event)):
                return "duplicate"
            self.flags |= PINNED  # the warehouse may keep either version: never read back (module doc)
            return "conflict"
        us = to_us(event.occurred_at)
        item = (us, event.event_id, event)
        if not self._order or (us, event.event_id) > self._order[-1][:2]:
            self._order.append(item)
            self._occ.append(us)
        else:
            i = bisect_right(self._order, (us, event.event_id))
            self._order.insert(i, item)
            self._occ.insert(i, us)
        self.raw[event.event_id] = raw
        self.flags &= ~SETTLED
        return "new"

    def event(self, event_id: str) -> AnyEvent | None:
        for _, eid, event in self._order:
            if eid == event_id:
                return event
        return None

    def visible_count(self, at_us: int) -> int:
        """How many events have ``occurred_at <= at_us``."""
        return bisect_right(self._occ, at_us)

    def events(self, n: int | None = None) -> list[AnyEvent]:
        """The first ``n`` events in event-time order (all by default)."""
        items = self._order if n is None else self._order[:n]
        return [item[2] for item in items]

    def first_pending_us(self, visible: int) -> int | None:
        return self._occ[visible] if visible < len(self._occ) else None

    # --- persistence (the changelog value of the dossier table) --------------------------------

    def encode(self, partition: int, written: int | None = None) -> bytes:
        """The state as one JSON document: partition, events (wire JSON), published violations, due; its
        stored flags, and ``written`` (the events-topic offset it is written at), when there are any."""
        doc: dict[str, Any] = {
            "p": partition,
            "e": [orjson.Fragment(self.raw[eid]) for _, eid, _ in self._order],
            "v": [orjson.Fragment(doc) for doc in self.published.values()],
            "d": self.due_us,
        }
        if self.flags & _STORED_FLAGS:
            doc["f"] = self.flags & _STORED_FLAGS
        if written is not None:
            doc["o"] = written
        return orjson.dumps(doc)

    @classmethod
    def decode(cls, dossier_id: str, value: bytes, confirmed: int | None = None) -> tuple[int, DossierState]:
        """(partition, state) from :meth:`encode` output (see the module doc for the lenient fallback).

        ``confirmed``: the offset up to which the partition's writer had confirmed delivery; a state written
        past it is :data:`UNSURE` (None: not checked)."""
        try:
            dump: Callable[[Any], bytes] = orjson.dumps
            try:
                doc = orjson.loads(value)
            except orjson.JSONDecodeError:
                doc, dump = json.loads(value), _lenient_dumps
            partition = int(doc["p"])
            state = cls(dossier_id)
            for item in doc["e"]:
                raw = dump(item)
                state.add(EVENT_ADAPTER.validate_json(raw), raw)
            for v in doc["v"]:
                state.published[_key_of_json(v)] = orjson.dumps(v)
            due = doc.get("d")
            state.due_us = int(due) if due is not None else None
            state.flags = int(doc.get("f", 0)) & _STORED_FLAGS
            written = doc.get("o")
            unconfirmed = confirmed is not None and written is not None and int(written) > confirmed
            if unconfirmed and not state.flags & UNSURE:
                state.flags |= UNSURE | RESTORED_UNSURE
        except (KeyError, TypeError, ValueError, RecursionError) as exc:  # JSONDecodeErrors are ValueErrors
            raise StateError(f"dossier {dossier_id!r}: unreadable stored state: {exc}") from exc
        return partition, state


def _lenient_dumps(item: Any) -> bytes:
    """JSON of what the standard library's parser read, with what orjson refuses kept as it was read
    (``NaN``, ``Infinity``, integers of any size): the contract's parser reads those back alike."""
    return json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()
