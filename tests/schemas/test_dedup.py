"""Duplicates (same id, same content) are counted; conflicts (same id, other content) are rejected."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.dedup import Deduplicator, conflict_rejection, fingerprint
from schemas.events import AnyEvent
from schemas.validation import Rejection, parse_event
from tests.depth import examples

BASE: dict[str, Any] = {
    "schema_version": 1,
    "event_id": "ev-1",
    "dossier_id": "000.10.01.H99-251103-0001",
    "type": "received",
    "occurred_at": "2025-11-03T09:15:00+07:00",
    "unit_code": "000.10.01.H99",
    "data": {"procedure_code": "1.004222", "channel": "direct", "due_at": None, "documents": ["CT01"]},
}


def event(raw: bytes | dict[str, Any]) -> AnyEvent:
    result = parse_event(raw if isinstance(raw, bytes) else orjson.dumps(raw))
    assert not isinstance(result, Rejection), result
    return result


def variant(**changes: Any) -> AnyEvent:
    return event({**BASE, **changes})


def test_fingerprint_is_16_bytes_and_stable() -> None:
    assert len(fingerprint(variant())) == 16
    assert fingerprint(variant()) == fingerprint(variant())


def test_key_order_and_whitespace_do_not_matter() -> None:
    reordered = dict(reversed(list(BASE.items())))
    reordered["data"] = dict(reversed(list(BASE["data"].items())))
    spaced = orjson.dumps(reordered, option=orjson.OPT_INDENT_2)
    assert fingerprint(event(spaced)) == fingerprint(variant())


def test_same_instant_in_another_offset_is_the_same_content() -> None:
    assert fingerprint(variant(occurred_at="2025-11-03T02:15:00Z")) == fingerprint(variant())
    assert fingerprint(variant(occurred_at="2025-11-03T02:15:01Z")) != fingerprint(variant())


def test_null_equals_absent_for_optional_fields() -> None:
    assert fingerprint(variant(actor=None)) == fingerprint(variant())


def test_any_content_difference_changes_the_fingerprint() -> None:
    assert fingerprint(variant(actor="cb-1")) != fingerprint(variant())
    assert fingerprint(variant(extra_field=1)) != fingerprint(variant())
    assert fingerprint(variant(data={**BASE["data"], "documents": []})) != fingerprint(variant())


def test_observe_new_duplicate_conflict_and_counters() -> None:
    dedup = Deduplicator()
    assert dedup.observe(variant()) == "new"
    assert dedup.observe(variant(occurred_at="2025-11-03T02:15:00Z")) == "duplicate"
    assert dedup.observe(variant(unit_code="other")) == "conflict"
    assert dedup.observe(variant(event_id="ev-2")) == "new"
    assert (dedup.duplicates, dedup.conflicts, len(dedup)) == (1, 1, 2)
    assert "ev-1" in dedup
    assert "ev-3" not in dedup


def test_first_seen_version_wins() -> None:
    dedup = Deduplicator()
    first, second = variant(), variant(unit_code="other")
    assert dedup.observe(first) == "new"
    assert dedup.observe(second) == "conflict"
    assert dedup.observe(second) == "conflict"  # the conflicting version never replaces the first
    assert dedup.observe(first) == "duplicate"
    assert (dedup.duplicates, dedup.conflicts) == (1, 2)


def test_precomputed_digest_is_used() -> None:
    dedup = Deduplicator()
    assert dedup.observe(variant(), digest=b"x" * 16) == "new"
    assert dedup.observe(variant()) == "conflict"


def test_conflict_rejection() -> None:
    rejection = conflict_rejection(variant(), raw=b"{}", line_no=3)
    assert (rejection.code, rejection.line_no, rejection.raw) == ("event_id.conflict", 3, b"{}")
    assert "'ev-1'" in rejection.message


@settings(max_examples=examples(25), deadline=None)
@given(seed=st.randoms(use_true_random=False))
def test_shuffled_keys_are_duplicates(seed: Any) -> None:
    items = list({**BASE, "x": {"b": 1, "a": [1, {"d": 2, "c": 3}]}}.items())
    seed.shuffle(items)
    assert fingerprint(event(dict(items))) == fingerprint(variant(x={"a": [1, {"c": 3, "d": 2}], "b": 1}))


def test_versions_whose_unknown_members_differ_in_type_are_a_conflict_on_every_path() -> None:
    """``1``, ``true`` and ``1.0`` are one Python value (``1 == True == 1.0``): comparing events with ``==``
    called two versions one content in a file (batch engine, detector, a dossier's event set) while the
    warehouse, comparing fingerprints, rejected the second as a conflict (review of 2026-12-04)."""
    from inspections.dossier_events import DossierEvents
    from schemas.dedup import same_content

    one, true, real = variant(x=1), variant(x=True), variant(x=1.0)
    assert one == true == real  # pydantic's view
    assert not same_content(one, true) and not same_content(one, real) and not same_content(true, real)
    assert same_content(variant(x=1), one) and same_content(variant(x=None), variant())  # null = absent
    events = DossierEvents(BASE["dossier_id"])
    assert [events.add(e) for e in (one, variant(x=1), true)] == ["new", "duplicate", "conflict"]


def test_the_batch_engine_and_the_detector_reject_such_a_version(tmp_path: Any) -> None:
    from dossier_audit.jobs.batch_engine import BatchEngine
    from dossier_audit.jobs.batch_options import BatchOptions
    from streams.detector.dossier import DossierState

    lines = [orjson.dumps({**BASE, "x": value}) for value in (1, 1, True, 0, False)]
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    engine = BatchEngine(lambda dossier_id, events: [], options=BatchOptions(workers=1))
    list(engine.run(path))
    assert (engine.stats.valid, engine.stats.duplicates, dict(engine.stats.rejected)) == (
        1, 1, {"event_id.conflict": 3}
    )  # fmt: skip
    state = DossierState(BASE["dossier_id"])
    seen = [state.add(parse_event(line), line) for line in lines]  # type: ignore[arg-type]
    assert seen == ["new", "duplicate", "conflict", "conflict", "conflict"]
