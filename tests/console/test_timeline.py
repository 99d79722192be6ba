"""The dossier page's timeline shows the auditor's own facts and classification (review of issue 16):
on generated dossiers (supplement and financial pauses, the v2 supplement restart) the standing, the due
date in force and its basis after the last event are the auditor's classification of the dossier at
that instant; the working-day clock never runs through a pause."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.timeline import timeline
from inspections.classification import classify
from schemas.events import AnyEvent, to_json_dict
from tests.depth import examples
from tests.inspections.test_rulebook_v2_properties import PARAMS, Drawn, _events, dossiers
from tests.rulebook_v2_cases import auditor, build_event
from tests.rulebook_v2_world import done, proc, rcv, sup
from warehouse.console_read import StoredDossier, StoredEvent


def stored(events: list[AnyEvent]) -> StoredDossier:
    """The dossier as the warehouse gives it to the console: in event-time order, ties by id."""
    ordered = sorted(events, key=lambda e: (e.occurred_at, e.event_id))
    rows = []
    for e in ordered:
        raw = to_json_dict(e)
        rows.append(StoredEvent(e.event_id, str(raw["type"]), e.occurred_at.astimezone(UTC), 0, e.unit_code,
                                None, None, orjson.dumps(raw.get("data") or {}).decode(),
                                orjson.dumps(raw).decode()))  # fmt: skip
    return StoredDossier(ordered[0].dossier_id, rows, None, [])


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dossiers(), st.randoms(use_true_random=False), st.sampled_from(PARAMS))
def test_the_timeline_ends_on_the_auditors_classification(drawn: Drawn, rnd: random.Random, params) -> None:
    events = _events(drawn.specs, rnd)
    judge = auditor("2", params)
    rows = timeline(stored(events), judge)
    assert len(rows) == len(events)
    last = rows[-1]
    facts = judge.facts("G", events, max(e.occurred_at for e in events))
    expected = classify(facts, judge.catalogue, judge.calendar)
    assert expected is not None
    assert (last.standing, last.basis, last.due_day, last.due_instant) == (
        expected.status, expected.basis, expected.due_date, expected.due_instant,
    )  # fmt: skip
    assert last.paused_for == facts.pause
    received = facts.received_at
    for row in rows:  # the effective clock never counts more than the wall clock since receipt
        if row.working_day is not None and received is not None and facts.restart_at is None:
            assert row.working_day <= judge.calendar.working_days_between(received, row.at)


def test_a_supplement_pause_stops_the_working_day_clock() -> None:
    # Received Monday 3/11, supplement asked Tuesday, completed Thursday, processed Friday 7/11.
    specs = [rcv("2025-11-03 08:00", "2025-11-05 17:00"), sup("2025-11-04 08:00"), done("2025-11-06 08:00"),
             proc("2025-11-07 08:00")]  # fmt: skip
    events = [build_event("P", f"P/{k}", spec) for k, spec in enumerate(specs, 1)]
    judge = auditor("2")
    rows = timeline(stored(events), judge)
    paused, after = rows[1], rows[3]
    assert paused.paused and after.paused_for.days == 2  # two days waiting for the applicant
    assert after.working_day == 2  # 4 working days on the wall clock, 2 of them paused
    expected = classify(judge.facts("P", events, events[-1].occurred_at), judge.catalogue, judge.calendar)
    assert expected is not None and after.standing == expected.status == "on_time"
    assert after.due_day == expected.due_date == datetime(2025, 11, 5).date()


def test_documents_and_the_unit_a_dossier_went_to_are_named_as_in_the_packs() -> None:
    """The dossier page showed component codes and a transfer's unit code ("000.00.01.H99") where an
    inspector looks for the paper and the office by name (the packs name them: one vocabulary for both)."""
    from pathlib import Path

    from inspections.files.catalogue import load_catalogue

    catalogue = load_catalogue(Path(__file__).parents[2] / "inspections" / "data" / "sample_province.yaml")
    at = datetime(2025, 11, 4, 3, 0, tzinfo=UTC)

    def row(n: int, kind: str, data: dict[str, object], procedure: str | None = None) -> StoredEvent:
        return StoredEvent(f"e{n}", kind, at.replace(minute=n), 0, "000.00.02.H99", None, procedure,
                           orjson.dumps(data).decode())  # fmt: skip

    events = [
        row(1, "submitted", {"procedure_code": "1.004222"}, "1.004222"),
        row(2, "transferred", {"to_unit_code": "000.00.01.H99", "step": "Thẩm định"}),
        row(3, "transferred", {"to_unit_code": "000.99.99.H00"}),  # not in the catalogue
        row(4, "supplement_completed", {"documents": ["CT01", "GT-CHO-O", "XYZ"]}),
    ]
    dossier = StoredDossier("D", events, None, [])
    rows = timeline(dossier, auditor("2"), "vi", catalogue)
    assert rows[1].details == [("chuyển đến đơn vị", "Sở Tài chính tỉnh Mẫu (000.00.01.H99)"),
                               ("bước", "Thẩm định")]  # fmt: skip
    assert rows[2].details == [("chuyển đến đơn vị", "000.99.99.H00")]
    papers = "Tờ khai thay đổi thông tin cư trú (mẫu CT01), Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp"
    assert rows[3].details == [("thành phần hồ sơ", f"{papers} (GT-CHO-O), XYZ")]
    bare = timeline(dossier, auditor("2"), "vi")  # no catalogue: codes, as before
    assert bare[1].details[0] == ("chuyển đến đơn vị", "000.00.01.H99")


def test_the_due_dates_an_event_gives_and_a_blank_reason_are_shown() -> None:
    """The page left out the apology's new due date and a change's old and new ones, which the rescheduling
    rules judge, and a blank reason, which is evidence ("(để trống)", as in the packs): review of
    2026-12-04."""
    at = datetime(2025, 10, 20, 3, 0, tzinfo=UTC)

    def row(n: int, kind: str, data: dict[str, object]) -> StoredEvent:
        return StoredEvent(f"e{n}", kind, at.replace(minute=n), 0, "000.00.02.H99", None, None,
                           orjson.dumps(data).decode())  # fmt: skip

    events = [
        row(1, "apology_issued", {"notice_id": "PXL-1", "reason": "Cần xác minh thêm",
                                  "new_due_at": "2025-10-22T17:00:00+07:00"}),
        row(2, "due_date_changed", {"old_due_at": "2025-10-27T17:00:00+07:00",
                                    "new_due_at": "2025-10-29T17:00:00+07:00", "reason": ""}),
    ]  # fmt: skip
    rows = timeline(StoredDossier("D", events, None, []), auditor("2"), "vi")
    assert dict(rows[0].details)["ngày hẹn mới"].startswith("22/10")
    changed = dict(rows[1].details)
    assert changed["ngày hẹn cũ"].startswith("27/10") and changed["ngày hẹn mới"].startswith("29/10")
    assert changed["lý do"] == "(để trống)"
