"""One partition of the stream detector's pure core (:mod:`streams.detector.core`): per-dossier state,
event-time watermarks, timers, and the diff of violation sets that decides which "opened" and "retracted"
messages to publish. No I/O.

Why a module of its own: :class:`PartitionState` is the core's logic (its steps, its evaluation, its
timers), and :class:`~streams.detector.core.DetectorCore` only holds a worker's partitions and persists them;
apart, each reads on its own and stays under the size a module should have.

Each Kafka partition of the events topic has a :class:`PartitionState`: its watermark, the dossiers
whose events it carries (deduplicated by ``event_id``, first version wins, like ``group_by_dossier``)
and, per dossier, the violations currently published as open (their JSON). A dossier is evaluated
with ``Auditor.evaluate`` semantics at the partition's watermark ``W``: only events with
``occurred_at <= W`` count, so the answer never depends on arrival order within the allowed lateness.

A dossier is evaluated (once per batch at most)
  - when it receives events that the watermark has already passed;
  - when the watermark passes the event time of an event it holds but did not see yet ("pending");
  - when the watermark reaches the instant its violation set changes by time alone (a dossier becomes
    late, a promised date passes). That instant is found by a *probe*: the dossier's visible events
    evaluated at a far horizon ``W + PROBE_HORIZON``; every violation present there but not at ``W``
    carries, by the rules' contract, the instant it became true (``occurred_at``), and the earliest of
    those is the dossier's next deadline. Lateness only grows for an open dossier, so nothing changes
    between ``W`` and that instant. The probe is cached until the dossier's visible events change.
    (A timer index keyed by due time, per partition: a heap with lazy deletion.)

Between two evaluations a published JSON may become stale in its evidence (an open dossier's
``end_at`` is the evaluation time); it is refreshed at the next evaluation, and :meth:`finalize`
evaluates every dossier at the replay instant, so the final published set equals the batch audit.
A dossier the rulebook cannot judge gets ``AUDIT_ERROR`` in place of its violations, exactly as in the
batch audit (``inspections.audit_error``), and never stops its partition. This holds for any exception in
its evaluation, the core's own steps included (the diff, the next deadline), since each evaluation
computes everything before it changes anything: the dossier's published set, the ``changes`` and ``dirty``
of the :class:`~streams.detector.outcome.Outcome` and its timer change together or not at all, and a step
never raises half-way through its dossiers (which would lose what the earlier ones had published and the
timers already taken off the heap). ``apply`` is :meth:`~PartitionState.take` then
:meth:`~PartitionState.settle`, so that :mod:`streams.detector.guard` can leave out an event whose taking in
raises and keep everything else exactly as a batch without it.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import datetime, timedelta

import orjson

from inspections.audit_error import failure
from inspections.rulebook import Auditor
from schemas.events import AnyEvent
from streams.detector.dossier import SETTLED, UNSURE, DossierState, VKey, violation_key
from streams.detector.evict import Evicted, EvictedIndex, evict_ended, note_candidates
from streams.detector.outcome import Outcome, diff_published, replace_all
from streams.watermark import Horizon, Watermark, from_us, to_us

__all__ = [
    "PROBE_HORIZON",
    "PartitionState",
]

#: How far ahead the probe looks for time-triggered changes (a dossier is re-probed when reached).
PROBE_HORIZON = timedelta(days=400)
_HORIZON_US = int(PROBE_HORIZON.total_seconds()) * 1_000_000


class PartitionState:
    """One partition: its watermark, its dossiers, and the timer index of their next deadlines."""

    __slots__ = (
        "auditor",
        "candidates",
        "confirmed",
        "dossiers",
        "evicted",
        "evicted_inputs",
        "evicted_newest_us",
        "next_offset",
        "partition",
        "timers",
        "watermark",
    )

    def __init__(
        self, partition: int, auditor: Auditor, lateness_us: int, horizon: Horizon | None = None
    ) -> None:
        self.partition = partition
        self.auditor = auditor
        self.watermark = Watermark(lateness_us, horizon=horizon)
        self.dossiers: dict[str, DossierState] = {}
        self.timers: list[tuple[int, str]] = []
        #: The events-topic offset after the last message this state holds (None: unknown; resume.py).
        self.next_offset: int | None = None
        #: Eviction (evict.py): dossiers that changed, by newest event time (a heap with lazy deletion), the
        #: index of the evicted ones and their newest event time (the horizon); with eviction on, the offset
        #: up to which changelog writes were confirmed delivered (changelog.py).
        self.candidates: list[tuple[int, str]] = []
        self.evicted = EvictedIndex()
        self.evicted_newest_us: int | None = None
        #: The digests of the inputs the evicted dossiers were judged by, as their records name them (records
        #: written before records named them add none): their published verdicts are those inputs'.
        self.evicted_inputs: set[str] = set()
        self.confirmed: int | None = None

    # --- the steps ------------------------------------------------------------------------------

    def apply(self, events: Iterable[tuple[AnyEvent, bytes]], floor_us: int | None = None) -> Outcome:
        """Add a batch of events (any order, duplicates allowed), advance the watermark, and evaluate
        every dossier whose visible events or deadline the batch reached: :meth:`take`, then
        :meth:`settle`."""
        out = Outcome()
        touched: dict[str, int] = {}
        self.take(events, out, touched)
        self.settle(touched, floor_us, out)
        return out

    def take(self, events: Iterable[tuple[AnyEvent, bytes]], out: Outcome, touched: dict[str, int]) -> None:
        """Add events to their dossiers; ``out`` notes what changed and ``touched`` each dossier's earliest
        new event time (for :meth:`settle`). An event whose adding raises leaves nothing of it behind (not
        even a new empty dossier); what was taken before it stays noted in ``out`` and ``touched``."""
        dossiers = self.dossiers
        observe = self.watermark.observe
        for event, raw in events:
            dossier_id = event.dossier_id
            state = dossiers.get(dossier_id)
            if state is None:
                state = DossierState(dossier_id)
                seen = state.add(event, raw)
                dossiers[dossier_id] = state
            else:
                seen = state.add(event, raw)
            if seen == "new":
                us = to_us(event.occurred_at)
                observe(us)
                earliest = touched.get(dossier_id)
                if earliest is None or us < earliest:
                    touched[dossier_id] = us
                out.dirty.add(dossier_id)
            elif seen == "duplicate":
                out.duplicates += 1
            else:
                out.conflicts.append(event)
                out.dirty.add(dossier_id)  # now PINNED (streams.detector.dossier): stored so

    def settle(self, touched: Mapping[str, int], floor_us: int | None, out: Outcome) -> None:
        """Advance the watermark (to at least ``floor_us``) over what :meth:`take` added; evaluate the
        touched dossiers it reaches and those whose deadline it passes, and set a timer on the others."""
        if self.watermark.advance(floor_us):
            out.watermark_moved = True
        w = self.watermark.value
        if w is None:  # only possible with no new event and no floor
            return
        due = {d for d, us in touched.items() if us <= w}
        for d, us in touched.items():
            if us > w:
                self._schedule(self.dossiers[d], us, out)
        due.update(self._pop_due(w))
        self._evaluate_many(due, w, out)
        out.as_of_us = w
        note_candidates(self.candidates, self.dossiers, touched)

    def advance(self, to_us_: int) -> Outcome:
        """Move the watermark to at least ``to_us_`` (wall clock, replays) and fire the deadlines it
        passes."""
        out = Outcome(watermark_moved=self.watermark.advance_to(to_us_))
        w = self.watermark.value
        assert w is not None
        self._evaluate_many(set(self._pop_due(w)), w, out)
        out.as_of_us = w
        return out

    def finalize(self, as_of_us: int) -> Outcome:
        """Evaluate every dossier at ``as_of_us`` exactly (``--as-of`` replays); the watermark becomes
        at least that instant. A :data:`~streams.detector.dossier.SETTLED` dossier whose events are all
        visible at ``as_of_us`` would publish what it has published: it is not evaluated again (about
        half of a replay's dossiers; tests/streams/test_detector_finalize_skip.py)."""
        out = Outcome(watermark_moved=self.watermark.advance_to(as_of_us))
        self.timers.clear()
        due = []
        for dossier_id, state in self.dossiers.items():
            state.due_us = None
            if not (state.flags & SETTLED and state.newest_us() <= as_of_us):
                due.append(dossier_id)
        self._evaluate_many(due, as_of_us, out)
        out.as_of_us = as_of_us
        return out

    def evict(
        self, offset: int, cap_us: int | None = None, return_grace_us: int = 0, keep: Collection[str] = ()
    ) -> list[tuple[DossierState, Evicted]]:
        """Remove the ended dossiers quiet for a lateness past the watermark (capped at ``cap_us``, a
        replay's ``--as-of``; ``return_grace_us`` longer for a processed dossier not returned yet; never one
        in ``keep``, written in this batch) and note them in :attr:`evicted` and the eviction horizon (see
        :mod:`streams.detector.evict`); ``offset``: the events-topic offset this state reaches. The caller
        records them, then tombstones them."""
        w = self.watermark.value
        if w is None:
            return []
        horizon = w - self.watermark.lateness_us
        if cap_us is not None and cap_us < horizon:
            horizon = cap_us
        gone = evict_ended(self.candidates, self.dossiers, horizon, offset, return_grace_us, keep)
        self.evicted.update(entry for _, entry in gone)
        if gone:
            newest = max(dossier._occ[-1] for dossier, _ in gone)
            self.evicted_newest_us = max(newest, self.evicted_newest_us or newest)
        if gone and len(self.timers) > 2 * len(self.dossiers) + 1024:
            # Lazy deletion leaves the evicted dossiers' superseded timers (a re-probe is due up to
            # PROBE_HORIZON later) in the heap: rebuilt from the live ones, the heap stays bounded.
            self.timers = [(d.due_us, i) for i, d in self.dossiers.items() if d.due_us is not None]
            heapq.heapify(self.timers)
        return gone

    def replace_published(self, observed: Mapping[str, Mapping[VKey, bytes]]) -> None:
        """Take what the violations topic actually holds as the published state of our dossiers (after
        a crash the changelog and the topic may disagree on the last few messages): that clears their
        ``UNSURE`` flag, and such a dossier may be evicted again."""
        reconciled = [d for d, state in self.dossiers.items() if state.flags & UNSURE]
        for dossier_id, state in self.dossiers.items():
            published = dict(observed.get(dossier_id, {}))
            if published != state.published:
                state.published = published
                state.flags &= ~SETTLED  # what it published is not what it found: evaluate it again
            state.flags &= ~UNSURE
        note_candidates(self.candidates, self.dossiers, reconciled)

    # --- internals ------------------------------------------------------------------------------

    def _schedule(self, state: DossierState, due_us: int, out: Outcome) -> None:
        if state.due_us is None or due_us < state.due_us:
            state.due_us = due_us
            heapq.heappush(self.timers, (due_us, state.dossier_id))
            out.dirty.add(state.dossier_id)

    def _pop_due(self, w: int) -> Iterator[str]:
        timers = self.timers
        while timers and timers[0][0] <= w:
            due_us, dossier_id = heapq.heappop(timers)
            state = self.dossiers.get(dossier_id)
            if state is not None and state.due_us == due_us:  # else superseded (lazy deletion)
                state.due_us = None
                yield dossier_id

    def _evaluate_many(self, dossier_ids: Iterable[str], at_us: int, out: Outcome) -> None:
        """Evaluate each dossier. Whatever one dossier's evaluation raises concerns that dossier only
        (amendment 12): every other dossier's changes, stored state and timer are those of a step without
        it. Only when not even its ``AUDIT_ERROR`` can be built is it left as it was (``unjudged``)."""
        at = from_us(at_us)
        for dossier_id in sorted(dossier_ids):
            state = self.dossiers[dossier_id]
            try:
                self._evaluate(state, at_us, at, out)
            except MemoryError:
                raise
            except Exception as exc:  # nothing of the dossier changed; keep its next pending event's timer
                out.unjudged.append((dossier_id, _reason(exc)))
                pending = state.first_pending_us(state.visible_count(at_us))
                if pending is not None:
                    self._schedule(state, pending, out)

    def _evaluate(self, state: DossierState, at_us: int, at: datetime, out: Outcome) -> None:
        """Judge one dossier at ``at_us`` and publish the difference. Whatever may raise comes before the
        first change to the dossier or to ``out``, so that a failure leaves both as they were."""
        auditor = self.auditor
        visible = state.visible_count(at_us)
        events = state.events(visible)
        error: str | None = None
        try:
            facts = auditor.facts(state.dossier_id, events, at, presorted=True)
            violations = auditor.evaluate_facts(facts)
            current = {violation_key(v): orjson.dumps(v.to_json_dict()) for v in violations}
            # Next deadline: the first event not visible yet, or the first time-triggered change.
            due = state.first_pending_us(visible)
            if facts.end_event is None and not facts.waiting and events:
                deadline = self._time_deadline(state, visible, events, current, at_us)
                if deadline is not None and (due is None or deadline < due):
                    due = deadline
            changes = diff_published(state.dossier_id, state.published, current)
        except MemoryError:  # the process's trouble, not the dossier's: no verdict on it
            raise
        except Exception as exc:  # amendment 12: AUDIT_ERROR for this dossier, as the batch audit has it
            v = failure(auditor.rulebooks, state.dossier_id, events, at, exc)
            key, doc = violation_key(v), orjson.dumps(v.to_json_dict())
            current = {key: doc}
            changes = replace_all(state.dossier_id, state.published, key, doc)
            due = state.first_pending_us(visible)
            error = _reason(exc)

        out.evaluated += 1
        if error is None and facts.end_event is not None and visible == len(state):
            state.flags |= SETTLED
        else:
            state.flags &= ~SETTLED
        if error is not None:
            out.errors.append((state.dossier_id, error))
        if changes:
            out.changes.extend(changes)
            state.published = current
            out.dirty.add(state.dossier_id)
        previous = state.due_us
        state.due_us = None
        if due is not None:
            self._schedule(state, due, out)
        if state.due_us != previous:
            out.dirty.add(state.dossier_id)

    def _time_deadline(
        self,
        state: DossierState,
        visible: int,
        events: list[AnyEvent],
        current: Mapping[VKey, bytes],
        at_us: int,
    ) -> int | None:
        """When the violation set of an open dossier changes by time alone (see the module doc)."""
        probe = state.probe
        if probe is None or probe[0] != visible:
            horizon = at_us + _HORIZON_US
            try:
                later = self.auditor.evaluate(state.dossier_id, events, from_us(horizon), presorted=True)
            except Exception:  # e.g. the horizon is past the calendar's last year: no deadline
                return None
            probe = (visible, {violation_key(v): to_us(v.occurred_at) for v in later})
            state.probe = probe
        at_horizon = probe[1]
        deadline: int | None = None
        for key, since in at_horizon.items():
            if key not in current:
                t = since if since > at_us else at_us + 1
                if deadline is None or t < deadline:
                    deadline = t
        if deadline is None and any(key not in at_horizon for key in current):
            deadline = at_us + 1  # something disappears with time: look again at the next step
        if deadline is None:
            deadline = at_us + _HORIZON_US  # re-probe when the horizon is reached
        return deadline


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"
