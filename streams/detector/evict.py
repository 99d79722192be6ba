"""Eviction of ended dossiers from the detector's memory (issue 17: bounded memory over a year). No I/O.

Without it a worker holds every dossier it ever saw. The rule, per partition, checked at the end of each
batch (:func:`evict_ended`): a dossier is evicted once

  - it has ended: one of its events is an end event (``processed``, ``returned``, ``suspended``,
    ``refused``, ``withdrawn``: RULES.md, "Derived facts"). An ended dossier's facts no longer depend on the
    evaluation time: ``end_at`` is its end event's time (not ``as_of``), the pauses are clipped to it, and
    the core sets no time deadline for it (``facts.end_event`` is not None). So the violation JSON it was
    last published with is, byte for byte, what any later evaluation (``finalize`` at ``--as-of``
    included) would publish: its published violations stay published as the final answer;
  - its newest event is at or before ``W - allowed lateness`` (``W`` the partition's watermark, capped at
    ``--as-of`` in a replay, so that a replay never evicts a dossier whose events reach past the instant it
    is judged at): every event of it is visible and was evaluated, and it has been quiet for a whole
    lateness window past the watermark;
  - it has no pending timer (``due_us`` is None): nothing could still change its violations by time;
  - when its only end event is ``processed``, its newest event is also ``return_grace`` older (the
    worker's option, 14 days by default): its ``returned`` usually follows within days, and evicting it
    first would send that event down the late path (a warehouse read). A heuristic for cost only: any event
    after an eviction is judged exactly anyway.

Never evicted, whatever the rule says:
  - a dossier written in the current batch (``keep``): its new state and its violation messages are not
    confirmed delivered yet. Were the violations lost while the eviction was stored, the dossier would be
    read back with violations the topic never got, and nothing would repair that (the final evaluation
    sees only the dossiers in memory). It stays a candidate and goes in a later batch, once the batch
    that wrote it was delivered;
  - a dossier flagged :data:`~streams.detector.dossier.PINNED` or :data:`~streams.detector.dossier.UNSURE`:
    its stored rows, or its published set, cannot be trusted to give it back exactly. It stays in memory
    (rare: a conflicting resend, an unprocessable event, a crash in the middle of a batch).

An evicted dossier leaves two traces in the ``dossiers`` changelog, in this order: an *eviction record*
(:func:`eviction_key`, a key namespace no dossier id can produce, like the progress markers of
:mod:`streams.detector.resume`) listing, per evicted dossier, a 64-bit hash of its id, its event count, an
order-free fingerprint of its events' versions (the XOR of the 64-bit hashes of the pairs (event id,
content fingerprint): :func:`version_hash`) and the events-topic offset its partition had reached, with the
newest event time of the record's dossiers (the partition's *eviction horizon*: a replay at an ``--as-of``
before it would need those dossiers' state at that instant, and is refused) and the digest of the inputs
they were judged by (a final evaluation by other inputs would take their verdicts for its own, and is
refused too: ``latepath``); then a tombstone (null value)
of its key, so that table recovery deletes it (Faust's memory store pops a key whose record value is null)
and a restart does not restore it. The record comes first because a partition's records are kept in order:
a partly delivered batch may leave a record without its tombstones (the dossier is restored, and also known
as evicted: harmless), never tombstones without their record (the dossier would be neither restored nor
known as evicted, and its next event would start it afresh). Records are never overwritten (random
suffix), so compaction keeps them all; a restore reads them back into the partition's
:class:`EvictedIndex` (~28 bytes a dossier in NumPy arrays, not a set of strings: the soak's RSS bound).

The content fingerprint is the warehouse's ``fingerprint`` column (:func:`schemas.dedup.fingerprint` of the
event as the sink stored it, its applicant pseudonymised: :func:`content_print`), so that a stored row of
another version of an event id (a conflicting resend that a ``ReplacingMergeTree`` merge kept instead of the
first one) never passes for the version the detector held. Records written before versions were
fingerprinted (no horizon in their head) hold fingerprints of event ids only, and are matched as such
(``ids_only``).

The index tells the worker that an arriving event belongs to an evicted dossier (the late path,
:mod:`streams.detector.latepath`): its events are read back from the warehouse, recognised there by the
count and the fingerprint (:func:`streams.detector.history.known_events`), and the dossier is judged again.
"""

from __future__ import annotations

import heapq
import os
import struct
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from hashlib import blake2b
from typing import NamedTuple

import numpy as np

from schemas.dedup import fast_fingerprint
from schemas.events import EVENT_ADAPTER, AnyEvent
from streams.detector.dossier import PINNED, UNSURE, DossierState, StateError
from streams.detector.inlet import may_hold_clear_applicant

__all__ = [
    "END_TYPES",
    "EVICTED_PREFIX",
    "Evicted",
    "EvictedIndex",
    "EvictionRecord",
    "awaits_return",
    "content_print",
    "events_fingerprint",
    "evict_ended",
    "eviction_key",
    "eviction_value",
    "id_hash",
    "is_ended",
    "note_candidates",
    "read_eviction",
    "version_hash",
    "versions_fingerprint",
]

#: The end event types (RULES.md: the first end event by priority is the processing end).
END_TYPES = frozenset({"processed", "returned", "suspended", "refused", "withdrawn"})

#: Key prefix of eviction records in the ``dossiers`` table: 0xFF never occurs in UTF-8, so no dossier id
#: is ever taken for one (see :data:`streams.detector.resume.MARKER_PREFIX`, whose prefix differs).
EVICTED_PREFIX = b"\xff\xfeevicted:"
_ENTRY = struct.Struct("<QIQq")  # id hash, event count, versions fingerprint, offset reached
#: Set in an index entry's count: its fingerprint covers event ids only (a record of the first format).
_IDS_ONLY = 1 << 31
#: The head of a record: partition, format, the newest event time of its dossiers (µs); from ``v3`` on, the
#: digest of the inputs its dossiers were judged by (:func:`streams.detector.marks.inputs_digest`).
_HEAD_V2 = b"v2"
_HEAD_V3 = b"v3"


def id_hash(text: str) -> int:
    """A 64-bit hash of a string, the same in every process (unlike ``hash``)."""
    return int.from_bytes(blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def events_fingerprint(event_ids: Iterable[str]) -> int:
    """The XOR of the ids' 64-bit hashes: the same for the same set of ids, in any order (records of the
    first format)."""
    out = 0
    for event_id in event_ids:
        out ^= id_hash(event_id)
    return out


def version_hash(event_id: str, print_hex: str) -> int:
    """The 64-bit hash of one version of an event: its id and its content fingerprint (32 hex digits at the
    end, so no two pairs give the same text)."""
    return id_hash(f"{event_id}\x00{print_hex}")


def versions_fingerprint(versions: Iterable[tuple[str, str]]) -> int:
    """The XOR of :func:`version_hash` over (event id, content fingerprint) pairs, in any order."""
    out = 0
    for event_id, print_hex in versions:
        out ^= version_hash(event_id, print_hex)
    return out


def content_print(event: AnyEvent, raw: bytes) -> str:
    """The ``fingerprint`` the sink stores for this event (hex): of the event as the changelog holds it (raw
    bytes scrubbed of a clear applicant, as the sink pseudonymises it), not of the one first parsed."""
    if may_hold_clear_applicant(event):
        event = EVENT_ADAPTER.validate_json(raw)
    return fast_fingerprint(event).hex()


@dataclass(frozen=True, slots=True)
class Evicted:
    """One eviction of one dossier: what identifies its events among those the warehouse holds."""

    dossier_hash: int
    count: int
    #: :func:`versions_fingerprint` of its events (:func:`events_fingerprint` when ``ids_only``).
    fingerprint: int
    #: The events-topic offset the partition had reached: every event of the dossier came before it.
    offset: int
    ids_only: bool = False

    @classmethod
    def of(cls, state: DossierState, offset: int) -> Evicted:
        prints = ((e.event_id, content_print(e, state.raw[e.event_id])) for e in state.events())
        return cls(id_hash(state.dossier_id), len(state), versions_fingerprint(prints), offset)


class EvictedIndex:
    """The evicted dossiers of one partition: sorted NumPy arrays (hash, count, fingerprint, offset) and a
    small unsorted tail merged into them in bulk. A dossier evicted more than once has several entries;
    :meth:`lookup` gives the newest first."""

    __slots__ = ("_counts", "_hashes", "_offsets", "_prints", "_tail")

    MERGE_AT = 4096

    def __init__(self) -> None:
        self._hashes = np.empty(0, dtype=np.uint64)
        self._counts = np.empty(0, dtype=np.uint32)
        self._prints = np.empty(0, dtype=np.uint64)
        self._offsets = np.empty(0, dtype=np.int64)
        self._tail: dict[int, list[Evicted]] = {}

    def __len__(self) -> int:
        return len(self._hashes) + sum(len(v) for v in self._tail.values())

    @property
    def nbytes(self) -> int:
        return int(self._hashes.nbytes + self._counts.nbytes + self._prints.nbytes + self._offsets.nbytes)

    def add(self, entry: Evicted) -> None:
        self._tail.setdefault(entry.dossier_hash, []).append(entry)
        if len(self._tail) >= self.MERGE_AT:
            self._merge()

    def update(self, entries: Iterable[Evicted]) -> None:
        for entry in entries:
            self.add(entry)

    def entries(self) -> list[Evicted]:
        """Every entry (for merging indexes at a refresh, and tests)."""
        self._merge()
        return [
            _entry(int(h), int(c), int(p), int(o))
            for h, c, p, o in zip(self._hashes, self._counts, self._prints, self._offsets, strict=True)
        ]

    def lookup(self, dossier_id: str) -> list[Evicted]:
        """The evictions recorded under the dossier's hash (newest offset first; usually none)."""
        h = id_hash(dossier_id)
        found = list(self._tail.get(h, ()))
        keys = self._hashes
        if len(keys):
            lo = int(np.searchsorted(keys, np.uint64(h), side="left"))
            hi = lo
            while hi < len(keys) and int(keys[hi]) == h:
                hi += 1
            found.extend(
                _entry(h, int(self._counts[i]), int(self._prints[i]), int(self._offsets[i]))
                for i in range(lo, hi)
            )
        found.sort(key=lambda e: e.offset, reverse=True)
        return found

    def __contains__(self, dossier_id: object) -> bool:
        return isinstance(dossier_id, str) and bool(self.lookup(dossier_id))

    def _merge(self) -> None:
        if not self._tail:
            return
        tail = [e for entries in self._tail.values() for e in entries]
        self._tail = {}
        n = len(tail)
        hashes = np.concatenate([self._hashes, np.fromiter((e.dossier_hash for e in tail), np.uint64, n)])
        counts = np.concatenate(
            [
                self._counts,
                np.fromiter((e.count | (_IDS_ONLY if e.ids_only else 0) for e in tail), np.uint32, n),
            ]
        )
        prints = np.concatenate([self._prints, np.fromiter((e.fingerprint for e in tail), np.uint64, n)])
        offsets = np.concatenate([self._offsets, np.fromiter((e.offset for e in tail), np.int64, n)])
        order = np.argsort(hashes, kind="stable")
        self._hashes, self._counts = hashes[order], counts[order]
        self._prints, self._offsets = prints[order], offsets[order]


def _entry(h: int, count: int, fingerprint: int, offset: int) -> Evicted:
    """An entry of the index's arrays (the count's top bit: ``ids_only``)."""
    return Evicted(h, count & ~_IDS_ONLY, fingerprint, offset, bool(count & _IDS_ONLY))


def is_ended(state: DossierState) -> bool:
    """Whether the dossier holds an end event (its facts then have an ``end_event``)."""
    return any(event.type in END_TYPES for event in state.events())


def awaits_return(state: DossierState) -> bool:
    """Whether the dossier's only end events are ``processed``: the result is usually returned days later
    (status 9 then 10), and evicting it before would send that ``returned`` down the late path."""
    types = {event.type for event in state.events()} & END_TYPES
    return types == {"processed"}


def note_candidates(
    candidates: list[tuple[int, str]], dossiers: dict[str, DossierState], ids: Iterable[str]
) -> None:
    """Remember dossiers that changed, keyed by their newest event time: :func:`evict_ended` looks at a
    dossier only once the watermark has passed that time by the lateness, not at every batch."""
    for dossier_id in ids:
        state = dossiers.get(dossier_id)
        if state is not None and len(state):
            heapq.heappush(candidates, (state._occ[-1], dossier_id))


def evict_ended(
    candidates: list[tuple[int, str]],
    dossiers: dict[str, DossierState],
    horizon_us: int,
    offset: int,
    return_grace_us: int = 0,
    keep: Collection[str] = (),
) -> list[tuple[DossierState, Evicted]]:
    """Remove from ``dossiers`` those that qualify (module doc) among the candidates whose newest event is
    at or before ``horizon_us``; each with its index entry (``offset``: the partition's events-topic offset
    reached). A candidate that does not qualify is dropped: it comes back with its next change; one in
    ``keep`` (written in this batch) stays a candidate for a later batch. One that :func:`awaits_return`
    waits ``return_grace_us`` longer (a heuristic that spares the warehouse a read per returned result;
    correctness does not depend on it)."""
    out: list[tuple[DossierState, Evicted]] = []
    later: list[tuple[int, str]] = []
    while candidates and candidates[0][0] <= horizon_us:
        due, dossier_id = heapq.heappop(candidates)
        state = dossiers.get(dossier_id)
        if state is None or not len(state):
            continue  # gone already
        newest = state._occ[-1]
        if due != newest and due != newest + return_grace_us:
            continue  # superseded by a newer entry (lazy deletion)
        if state.due_us is not None or state.flags & (PINNED | UNSURE) or not is_ended(state):
            continue
        if dossier_id in keep:
            later.append((due, dossier_id))
            continue
        if due == newest and return_grace_us and awaits_return(state):
            heapq.heappush(candidates, (newest + return_grace_us, dossier_id))
            continue
        try:
            entry = Evicted.of(state, offset)
        except Exception:  # its content fingerprint cannot be computed: it stays (exact, only not evicted)
            state.flags |= PINNED
            continue
        del dossiers[dossier_id]
        out.append((state, entry))
    for item in later:
        heapq.heappush(candidates, item)
    return out


# --- eviction records in the dossiers changelog -----------------------------------------------------------


def eviction_key(partition: int) -> bytes:
    """A new record key of the partition (random suffix: a record is never overwritten, so never lost)."""
    return EVICTED_PREFIX + b"%d:" % partition + os.urandom(8).hex().encode()


class EvictionRecord(NamedTuple):
    """An eviction record as read back (:func:`read_eviction`)."""

    partition: int
    entries: list[Evicted]
    #: The newest event time of its dossiers (µs); None in a record of the first format.
    newest_us: int | None
    #: The digest of the inputs its dossiers were judged by; None in a record written before records named
    #: them (formats 1 and 2).
    inputs: str | None


def eviction_value(partition: int, entries: Iterable[Evicted], newest_us: int, inputs: str) -> bytes:
    """``partition v3 newest inputs`` newline, then the packed entries (the head starts like a dossier
    state's value: the partition). ``newest_us``: the newest event time of the evicted dossiers; ``inputs``:
    the digest of what their verdicts were judged by besides their events (``marks.inputs_digest``), so that a
    final evaluation by other inputs does not take their published verdicts for its own (``latepath``)."""
    if not inputs or not inputs.isascii() or not inputs.isalnum():
        raise ValueError(f"an inputs digest is ASCII letters and digits, not {inputs!r}")
    packed = b"".join(_ENTRY.pack(e.dossier_hash, e.count, e.fingerprint, e.offset) for e in entries)
    return b"%d %s %d %s\n" % (partition, _HEAD_V3, newest_us, inputs.encode()) + packed


def read_eviction(key: bytes, value: bytes) -> EvictionRecord | None:
    """An eviction record's partition, entries, newest event time of its dossiers and inputs digest (the
    time None for a record of the first format, whose entries are ``ids_only``; the inputs None before the
    third); None for any other record of the table. One that cannot be read raises :class:`StateError`."""
    if not key.startswith(EVICTED_PREFIX):
        return None
    head, sep, body = value.partition(b"\n")
    fields = head.split(b" ")
    newest: int | None = None
    inputs: str | None = None
    try:
        partition = int(fields[0])
        if len(fields) == 3 and fields[1] == _HEAD_V2:
            newest = int(fields[2])
        elif len(fields) == 4 and fields[1] == _HEAD_V3 and fields[3].isalnum():
            newest, inputs = int(fields[2]), fields[3].decode("ascii")
        elif len(fields) != 1:
            partition = -1
    except (ValueError, UnicodeDecodeError):
        partition = -1
    if (
        not sep
        or partition < 0
        or len(body) % _ENTRY.size
        or not key.startswith(EVICTED_PREFIX + b"%d:" % partition)
    ):
        raise StateError(f"unreadable eviction record {key[:40]!r}")
    ids_only = newest is None
    entries = [Evicted(h, c & ~_IDS_ONLY, f, o, ids_only) for h, c, f, o in _ENTRY.iter_unpack(body)]
    return EvictionRecord(partition, entries, newest, inputs)
