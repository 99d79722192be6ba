"""Rulebook v2 properties over random dossiers: pauses outside the processing change nothing (amendments 1
and 8), and neither arrival order, duplicates nor the callers' tie order change a verdict (amendment 9)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspections.audit import audit_events
from inspections.rules import RuleParams
from inspections.timeunits import VN_TZ
from schemas.events import AnyEvent
from tests.depth import examples
from tests.rulebook_v2_cases import PROCEDURES, Spec, auditor, build_event

BASE = datetime(2025, 11, 3, 8, 0, tzinfo=VN_TZ)  # Monday 08:00
STEP = timedelta(hours=5)  # a coarse grid, so that instants often repeat (ties)
AS_OF = datetime(2025, 12, 1, tzinfo=VN_TZ)
PARAMS = (
    RuleParams(),
    RuleParams(pause_on_financial_obligation=True),
    RuleParams(supplement_clock="restart", pause_on_financial_obligation=True),
)
NOTICES = ("N-1", None, " ", "\u00a0")


def _t(slot: int) -> str:
    return (BASE + slot * STEP).strftime("%Y-%m-%d %H:%M")


def _spec(draw: Any, kind: str, slot: int) -> Spec:
    when, pick = _t(slot), draw(st.integers(0, 3))
    if kind == "supplement_requested":
        data: dict[str, Any] = {"notice_id": NOTICES[pick], "reason": "Thiếu", "requested_documents": ["B"]}
    elif kind == "supplement_completed":
        data = {"documents": ["B"]}
    elif kind == "financial_obligation_requested":
        data = {"notice_id": "TB-1"}
    elif kind in ("refused", "suspended"):
        data = {"notice_id": NOTICES[pick], "reason": ("Lý do", "", " ", "Khác")[pick]}
        if kind == "refused":
            data["stage"] = "processing"
    elif kind == "apology_issued":
        new_due = draw(st.none() | st.integers(0, 60).map(lambda s: BASE + s * STEP))
        data = {
            "notice_id": NOTICES[pick],
            "reason": "Chờ",
            "new_due_at": new_due.isoformat() if new_due else None,
        }
    elif kind == "due_date_changed":
        old, new = (BASE + draw(st.integers(0, 60)) * STEP for _ in range(2))
        data = {"old_due_at": old.isoformat(), "new_due_at": new.isoformat(), "reason": ""}
    elif kind == "transferred":
        data = {"to_unit_code": "U1"}
    elif kind == "returned":
        data = {"channel": "direct"}
    else:  # processed, withdrawn, financial_obligation_fulfilled
        data = {}
    return (kind, when, data)


_IN_PROCESSING = (
    "supplement_requested", "supplement_completed", "financial_obligation_requested",
    "financial_obligation_fulfilled", "apology_issued", "due_date_changed", "transferred",
)  # fmt: skip
_ENDS = ("processed", "returned", "refused", "suspended", "withdrawn")


@dataclass
class Drawn:
    specs: list[Spec]
    received_slot: int


@st.composite
def dossiers(draw: Any) -> Drawn:
    """A received dossier: a few events from receipt on, any of them possibly at the same instant."""
    r = draw(st.integers(4, 12))
    code = draw(st.sampled_from(sorted(PROCEDURES)))
    due = draw(st.none() | st.integers(r, r + 20))
    received = ("received", _t(r), {"procedure_code": code, "channel": "direct",
                                    "due_at": (BASE + due * STEP).isoformat() if due is not None else None,
                                    "documents": ["A"]})  # fmt: skip
    specs = [received]
    for _ in range(draw(st.integers(0, 7))):
        specs.append(_spec(draw, draw(st.sampled_from(_IN_PROCESSING)), draw(st.integers(r, r + 30))))
    for _ in range(draw(st.integers(0, 2))):
        specs.append(_spec(draw, draw(st.sampled_from(_ENDS)), draw(st.integers(r, r + 40))))
    return Drawn(specs, r)


def _events(specs: list[Spec], rnd: random.Random, prefix: str = "") -> list[AnyEvent]:
    """Events with ids in a random order relative to the specs (so ties by id fall either way)."""
    ranks = list(range(len(specs)))
    rnd.shuffle(ranks)
    return [build_event("G", f"G/{prefix}{rank:02d}", spec) for rank, spec in zip(ranks, specs, strict=True)]


def _json(events: list[AnyEvent], version: str, params: RuleParams, **kw: Any) -> list[dict[str, Any]]:
    return [v.to_json_dict() for v in audit_events(events, auditor(version, params), kw.get("as_of", AS_OF))]


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dossiers(), st.randoms(use_true_random=False), st.sampled_from(PARAMS), st.data())
def test_arrival_order_duplicates_and_tie_order_change_no_verdict(drawn, rnd, params, data):
    events = _events(drawn.specs, rnd)
    for version in ("1", "2"):
        if version == "1" and params.supplement_clock != "pause":
            continue
        expected = _json(events, version, params)
        shuffled = [*events, *data.draw(st.lists(st.sampled_from(events), max_size=4))]
        rnd.shuffle(shuffled)
        assert _json(shuffled, version, params) == expected
        # The detector and the warehouse hand events over presorted by (occurred_at, event_id).
        a = auditor(version, params)
        by_id = sorted(events, key=lambda e: (e.occurred_at, e.event_id))
        presorted = [v.to_json_dict() for v in a.evaluate("G", by_id, AS_OF, presorted=True)]
        assert sorted(presorted, key=_key) == sorted(expected, key=_key)


def _key(v: dict[str, Any]) -> tuple[str, str]:
    return (v["rule_id"], v["event_id"] or "")


def _open_at_end(events: list[AnyEvent], request: str, completion: str) -> bool:
    """Whether a request is still open after the last event (a later completion would close it)."""
    open_ = False
    for e in sorted(events, key=lambda e: (e.occurred_at, e.event_id)):
        if e.type == request:
            open_ = True
        elif e.type == completion:
            open_ = False
    return open_


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dossiers(), st.randoms(use_true_random=False), st.sampled_from(PARAMS), st.data())
def test_a_pause_outside_the_processing_changes_no_verdict(drawn, rnd, params, data):
    """Amendments 1 and 8 under v2: a request/completion pair before receipt or after the end pauses
    nothing. A financial pair changes no verdict; a supplement pair's request still counts (amendment 1
    clips pauses, not requests: REPEATED_SUPPLEMENT, "more than one request → late", and the only request
    a dossier waits on), so of a dossier not waiting, the pause and the ends stay. "After the end" is
    after the end event (a dossier ended while waiting ends at its request, and a completion between the
    two is the applicant's answer, not a pause outside); and a supplement request still open at the end
    would be closed by the added completion, a pair straddling the end — clipped, not outside — so then
    the pair goes before receipt."""
    events = _events(drawn.specs, rnd)
    a = auditor("2", params)
    facts = a.facts("G", events, AS_OF)
    assert facts.received_at is not None
    financial = data.draw(st.booleans())
    request, completion = (
        ("financial_obligation_requested", "financial_obligation_fulfilled")
        if financial
        else ("supplement_requested", "supplement_completed")
    )
    after_end = (
        facts.end_event is not None
        and data.draw(st.booleans())
        and (financial or not _open_at_end(events, request, completion))
    )
    if after_end:
        last = max(e.occurred_at for e in facts.end_events)
        start = max(last, facts.end_at) + timedelta(minutes=data.draw(st.integers(1, 5000)))
    else:
        start = facts.received_at - timedelta(minutes=data.draw(st.integers(2, 5000)))
    length = timedelta(minutes=data.draw(st.integers(1, 3000)))
    if not after_end:
        length = min(length, facts.received_at - start - timedelta(minutes=1))
    pair_specs = [_spec(data.draw, request, 0), _spec(data.draw, completion, 0)]
    pair_specs = [(k, start.strftime("%Y-%m-%d %H:%M"), d) for k, _, d in pair_specs[:1]] + [
        (k, (start + length).strftime("%Y-%m-%d %H:%M"), d) for k, _, d in pair_specs[1:]
    ]
    if request == "supplement_requested":  # a written request: its own verdicts are not the point here
        pair_specs[0][2]["notice_id"] = "BS-OUT"
    pair = _events(pair_specs, rnd, prefix="x")
    if any(e.occurred_at > AS_OF for e in pair):
        return
    with_pair = a.facts("G", [*events, *pair], AS_OF)
    if not financial:
        assert len(with_pair.supplement_requests) == len(facts.supplement_requests) + 1
        if facts.waiting:
            return  # the added request makes it two: no longer the only one it waits on
        assert (with_pair.effective_end, with_pair.end_at) == (facts.effective_end, facts.end_at)
        return
    added = {e.event_id for e in pair}
    before = _json(events, "2", params)
    after = [v for v in _json([*events, *pair], "2", params) if v["event_id"] not in added]
    assert sorted(after, key=_key) == sorted(before, key=_key)
    assert (with_pair.effective_end, with_pair.end_at, with_pair.waiting) == (
        facts.effective_end,
        facts.end_at,
        facts.waiting,
    )
