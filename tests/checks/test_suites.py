"""Each suite on data that passes it and data that fails it (crafted rows in a chdb warehouse)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from checks import CheckResult, QualityRun, run_checks
from inspections.rulebook import Rulebooks
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from tests.builders import apology, ev
from tests.checks.helpers import NOW, OTHER_UNIT, PROCEDURE, UNIT, clean_events, dossier
from warehouse.store import VIOLATION_COLUMNS, now_version, violation_row

W45 = Week.parse("2025-W45")
#: Monday after 2025-W45, 08:00 local: the clean data's newest event (Friday 16:00) is still fresh.
CLEAN_NOW = datetime(2025, 11, 10, 8, 0, tzinfo=VN_TZ)


def by_key(run: QualityRun) -> dict[str, CheckResult]:
    return {r.expectation: r for r in run.results}


def failed(run: QualityRun) -> set[str]:
    return {r.expectation for r in run.results if not r.success}


def test_clean_data_passes_every_check(platform, wh, loader):
    loader.load(clean_events())
    for week in (None, W45):
        run = run_checks(platform.catalogue, platform.rulebooks, wh, week, now=CLEAN_NOW)
        assert failed(run) == set(), [r.message_en for r in run.results if not r.success]
        assert run.week == (None if week is None else "2025-W45")
        assert {r.suite for r in run.results} == {
            "uniqueness", "vocabulary", "event_time", "due_dates", "catalogue", "consistency", "partitions",
            "lifecycle", "freshness", "load_runs",
        }  # fmt: skip
        assert all(r.week == run.week and r.checked_at == CLEAN_NOW.astimezone(UTC) for r in run.results)
    results = by_key(run)
    assert results["events.event_id is unique"].element_count == 12
    assert results["dossiers.due_at is not before received_at"].element_count == 4
    assert results["dossiers.procedure_code is in the catalogue"].message_vi == (
        "Mã thủ tục đều có trong danh mục (4 hồ sơ)"
    )


def test_empty_week_passes(platform, wh, loader):
    loader.load(clean_events())
    run = run_checks(platform.catalogue, platform.rulebooks, wh, Week.parse("2025-W40"), now=CLEAN_NOW)
    # Freshness alone warns: no event came up to the week's end (the data start in W45), which is what it
    # is for (a later week's events made it pass: ops review); it never blocks.
    assert failed(run) == {"events: the newest occurred_at is recent"}
    fresh = by_key(run)["events: the newest occurred_at is recent"]
    assert not fresh.blocking
    # No event by then is said so, not as an event at the epoch ("1970-01-01 08:00": review).
    assert fresh.message_en == "Data not fresh: no event up to 2025-10-06 00:00 (UTC+7)", fresh.message_en
    assert "1970" not in fresh.message_vi and "không có sự kiện nào đến" in fresh.message_vi
    assert by_key(run)["events.type is a contract event type"].element_count == 0


def test_uniqueness_same_event_id_under_two_dossiers(platform, wh, loader):
    events = clean_events()
    loader.load(events)
    # A source system re-sends event 1 of the first dossier for another dossier, a week later.
    stray = dossier(9, "2025-11-11")[0].model_copy(update={"event_id": events[0].event_id})
    loader.load([stray])
    for week in (None, W45, Week.parse("2025-W46")):
        run = run_checks(platform.catalogue, platform.rulebooks, wh, week, now=NOW)
        result = by_key(run)["events.event_id is unique"]
        assert not result.success and result.blocking and result.unexpected_count == 2, week
        # Under another dossier it is another content too: the raw rows' check, which reads the scope's own
        # rows, sees both copies only in a run of the whole warehouse (a week's is the check above's).
        versions = by_key(run)["events.event_id is stored with one content"]
        expected = [result, versions] if week is None else [result]
        assert run.blocking_failures == expected and versions.unexpected_count == (week is None)
        assert {e["dossier_id"] for e in result.details["examples"]} == {
            events[0].dossier_id,
            stray.dossier_id,
        }
        assert result.message_vi.endswith(": 2 bản ghi sự kiện")
    # Exact re-deliveries collapse under FINAL: not a failure.
    loader.load(events[:3])
    assert "events.event_id is unique" not in failed(
        run_checks(platform.catalogue, platform.rulebooks, wh, Week.parse("2025-W44"), now=NOW)
    )


def test_vocabulary_channels_and_severities(platform, wh, loader):
    loader.load(clean_events())
    # An event whose stored data names a channel the contract does not have (written by another producer).
    bad = dossier(7, "2025-11-05")
    loader.load(bad)
    loader.rows(bad[:1], data='{"procedure_code":"1.004222","channel":"fax","due_at":null,"documents":[]}')
    # A submission by post (the contract allows online submission only).
    post = ev(
        "submitted", "2025-11-05 08:00", {"procedure_code": PROCEDURE, "channel": "online"}, dossier="P"
    )
    loader.rows([post], data='{"procedure_code":"1.004222","channel":"postal"}')
    wh.insert(
        "dossiers",
        ["dossier_id", "unit_code", "channel", "received_at", "version"],
        [["D-fax"], [UNIT], ["fax"], [datetime(2025, 11, 5, 2, tzinfo=UTC)], [now_version()]],
    )
    # A violation stored with a severity its rule does not have.
    v = {
        "dossier_id": "D-x", "rule_id": "LATE_NO_APOLOGY", "event_id": None, "kind": "violation",
        "severity": "low", "unit_code": UNIT, "procedure_code": PROCEDURE, "legal_basis": "x",
        "occurred_at": "2025-11-06T10:00:00+07:00", "rulebook_version": "1", "evidence": [],
    }  # fmt: skip
    wh.insert("violations", VIOLATION_COLUMNS, [[x] for x in violation_row(v, "open", NOW, "test", 1)])
    run = run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW)
    results = by_key(run)
    channel = results["events.data.channel is allowed for the event type"]
    assert not channel.success and channel.blocking and channel.unexpected_count == 2
    assert {u["value"] for u in channel.details["unexpected_values"]} == {"received:fax", "submitted:postal"}
    dossiers = results["dossiers.channel is a reception channel"]
    assert (dossiers.success, dossiers.unexpected_count) == (False, 1)
    assert dossiers.message_en == "Dossier reception channel not valid: 1 dossier"
    assert dossiers.details["examples"] == [{"channel": "fax", "dossier_id": "D-fax"}]
    severity = results["violations.rule_id and severity match the rulebook"]
    assert (severity.success, severity.unexpected_count, severity.blocking) == (False, 1, True)
    # Only the violations in force count: how many a detector opened and retracted depends on the order its
    # events arrived in, and the count a rerun's report printed changed (onboarding review).
    retracted = violation_row({**v, "dossier_id": "D-y"}, "retracted", NOW, "test", 1)
    wh.insert("violations", VIOLATION_COLUMNS, [[x] for x in retracted])
    again = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))
    rerun = again["violations.rule_id and severity match the rulebook"]
    assert rerun.element_count == severity.element_count
    assert results["events.type is a contract event type"].success
    assert results["dossiers.end_type is an end event type"].success


def test_a_verdict_of_another_registered_version_is_the_rulebooks(platform, wh):
    """A weekly report says when its violations come from more than one version (the guide); the check
    that stored rules are the rulebook's took the deployed version's alone, so a deployment set back to v1
    blocked every week holding a v2 finding (newcomer's review)."""
    v = {
        "dossier_id": "D-x", "rule_id": "EVENT_AFTER_END", "event_id": "e-9", "kind": "finding",
        "severity": "low", "unit_code": UNIT, "procedure_code": PROCEDURE, "legal_basis": "x",
        "occurred_at": "2025-11-06T10:00:00+07:00", "rulebook_version": "2", "evidence": [],
    }  # fmt: skip
    wh.insert("violations", VIOLATION_COLUMNS, [[x] for x in violation_row(v, "open", NOW, "test", 1)])
    result = by_key(run_checks(platform.catalogue, Rulebooks.of_version("1"), wh, W45, now=NOW))[
        "violations.rule_id and severity match the rulebook"
    ]
    assert result.success and result.element_count == 1
    # The same finding said to be of v1, which has no such rule: not the rulebook's.
    wrong = violation_row({**v, "dossier_id": "D-y", "rulebook_version": "1"}, "open", NOW, "test", 1)
    wh.insert("violations", VIOLATION_COLUMNS, [[x] for x in wrong])
    result = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))[
        "violations.rule_id and severity match the rulebook"
    ]
    assert (result.success, result.unexpected_count) == (False, 1)


def test_event_time_bounds_and_future(platform, wh, loader):
    loader.load(clean_events())
    assert failed(run_checks(platform.catalogue, platform.rulebooks, wh, None, now=CLEAN_NOW)) == set()
    old = dossier(1, "2014-12-30")
    future = dossier(2, "2025-11-21")  # the day after NOW
    loader.load(old + future)
    run = run_checks(platform.catalogue, platform.rulebooks, wh, None, now=NOW)
    results = by_key(run)
    before = results["events.occurred_at is not before 2015-01-01"]
    # Valid by the contract (2000–2050): it warns without blocking the reports.
    assert (before.success, before.blocking, before.unexpected_count, before.element_count) == (
        False,
        False,
        3,
        18,
    )
    assert (
        before.message_vi == "Thời điểm sự kiện trước 01/01/2015 (sai đồng hồ hoặc sai định dạng): 3 sự kiện"
    )
    ahead = results["events.occurred_at is not in the future"]
    assert (ahead.success, ahead.unexpected_count) == (False, 3)
    assert "12:05 20/11/2025" in ahead.message_vi
    # A day later the same events are no longer in the future; the injected clock decides.
    later = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, None, now=NOW + timedelta(days=2)))
    assert later["events.occurred_at is not in the future"].success
    with pytest.raises(ValueError, match="no time zone"):
        run_checks(platform.catalogue, platform.rulebooks, wh, None, now=datetime(2025, 11, 20))


def test_a_weeks_dossier_with_an_event_dated_years_off_fails_the_weeks_check(platform, wh, loader):
    """The week's check read the events that occurred in the week, which never hold a stray date: a
    dossier of 2025-W45 with a ``processed`` dated 2030 (its verdict follows it) passed the week's check.
    It reads every event of the week's dossiers now, and of the dossiers open during it (one received the
    week before and still open is in the week's report)."""
    events = clean_events()
    stray = ev(
        "processed", "2030-01-02 10:00", {}, event_id="stray-1", dossier=events[0].dossier_id, unit=UNIT
    )
    open_before = dossier(8, "2025-10-28")[:1]  # received in 2025-W44, never ended
    late_clock = ev("processed", "2031-05-05 10:00", {}, event_id="stray-2",
                    dossier=open_before[0].dossier_id, unit=UNIT)  # fmt: skip
    elsewhere = dossier(9, "2025-09-02")  # received, ended and returned in 2025-W36: not W45's
    loader.load([*events, stray, *open_before, late_clock, *elsewhere])
    week = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=CLEAN_NOW))
    ahead = week["events.occurred_at is not in the future"]
    assert (ahead.success, ahead.blocking, ahead.unexpected_count) == (False, True, 2)
    assert ahead.element_count == len(events) + 1 + 2  # the week's dossiers' events, not W36's dossier
    assert week["events.event_id is unique"].element_count == len(events)  # other suites: the week's events


def test_due_date_before_reception(platform, wh, loader):
    events = clean_events()
    events[0] = events[0].model_copy(
        update={
            "data": events[0].data.model_copy(update={"due_at": events[0].occurred_at - timedelta(days=1)})
        }
    )
    loader.load(events)
    result = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))[
        "dossiers.due_at is not before received_at"
    ]
    assert (result.success, result.blocking, result.unexpected_count, result.element_count) == (
        False,
        True,
        1,
        4,
    )
    assert result.message_vi == "Ngày hẹn trả trước ngày tiếp nhận: 1 hồ sơ"
    assert result.details["examples"][0]["dossier_id"] == events[0].dossier_id


@pytest.mark.parametrize(
    ("due", "passes"),
    [
        (lambda received: received.replace(hour=0, minute=0, second=0), True),  # the day, as a date
        (lambda received: received.replace(hour=0, minute=0, second=0) - timedelta(seconds=1), False),
    ],
)
def test_an_appointment_on_the_day_of_reception_is_not_before_it(platform, wh, loader, due, passes):
    """The Dagster seat of 2026-12-07: the check compared instants, so a same-day procedure's appointment
    sent as its date (00:00 of the day of receipt, in Vietnam's time) for a dossier received at 08:00
    failed the week's data, blocking its reports; the rulebook compares dates (RULES.md, "comparing
    calendar dates in Asia/Ho_Chi_Minh"). A second before that day is still the day before."""
    events = clean_events()
    received = events[0].occurred_at.astimezone(VN_TZ)
    assert received.hour >= 1  # received after midnight: its day's 00:00 is an earlier instant
    events[0] = events[0].model_copy(
        update={"data": events[0].data.model_copy(update={"due_at": due(received)})}
    )
    loader.load(events)
    result = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))[
        "dossiers.due_at is not before received_at"
    ]
    assert (result.success, result.unexpected_count) == (passes, 0 if passes else 1)


def test_a_weeks_dossier_checks_cover_every_dossier_its_form_counts(platform, wh, loader):
    """A dossier received the week before with a due date before its receipt, resolved in this week,
    changes this week's figures; this week's blocking check passed, judging only the dossiers received in
    it (review). It judges those its form counts: carried over, received, resolved or in progress in it;
    not one ended before the week."""
    events = clean_events()
    bad = dossier(8, "2025-10-29")  # W44, due before its receipt, processed and returned in W45
    bad[0] = bad[0].model_copy(update={"data": bad[0].data.model_copy(
        update={"due_at": bad[0].occurred_at - timedelta(days=1)})})  # fmt: skip
    bad[1:] = [e.model_copy(update={"occurred_at": e.occurred_at + timedelta(days=7)}) for e in bad[1:]]
    ended = dossier(9, "2025-10-28")  # W44, ended in W44 with the same defect: not W45's
    ended[0] = ended[0].model_copy(update={"data": ended[0].data.model_copy(
        update={"due_at": ended[0].occurred_at - timedelta(days=1)})})  # fmt: skip
    loader.load([*events, *bad, *ended])
    result = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))[
        "dossiers.due_at is not before received_at"
    ]
    assert (result.success, result.unexpected_count, result.element_count) == (False, 1, 5)
    assert result.details["examples"][0]["dossier_id"] == bad[0].dossier_id


def test_catalogue_codes(platform, wh, loader):
    loader.load(clean_events())
    loader.load(
        dossier(5, "2025-11-05", procedure="9.999999") + dossier(6, "2025-11-05", unit="999.99.99.X99")
    )
    loader.load([ev("transferred", "2025-11-05 10:00", {"to_unit_code": "888.88.88.X88"},
                    dossier=dossier(1)[0].dossier_id, unit=UNIT)])  # fmt: skip
    results = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))
    unit = results["events.unit_code is in the catalogue"]
    assert (unit.success, unit.blocking, unit.unexpected_count) == (False, True, 3)
    assert unit.details["unexpected_values"] == [{"value": "999.99.99.X99", "count": 3}]
    target = results["events.data.to_unit_code is in the catalogue"]
    assert (target.success, target.blocking, target.unexpected_count, target.element_count) == (
        False,
        False,
        1,
        1,
    )
    procedure = results["dossiers.procedure_code is in the catalogue"]
    assert (procedure.success, procedure.blocking) == (False, False)
    assert procedure.message_vi == "Mã thủ tục không có trong danh mục: 1 hồ sơ"
    assert procedure.message_en == "Procedure code not in the catalogue: 1 dossier"
    assert procedure.details["params"]["catalogue"].startswith("warehouse snapshot ")


def test_a_dossier_carried_over_under_an_unknown_unit_fails_the_weeks_check(platform, wh, loader):
    """Review of the checks: a dossier received the week before under an unknown unit, still open, has no
    event in this week; this week's unit check passed on the week's events, while the week's report counted
    the dossier under that unit (a unit page of its own). Its dossier's unit is checked too, blocking."""
    loader.load(clean_events())
    loader.load(dossier(7, "2025-10-29", unit="999.99.99.X99")[:1])  # W44, received only: open in W45
    results = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))
    assert results["events.unit_code is in the catalogue"].success  # no event of it in W45
    unit = results["dossiers.unit_code is in the catalogue"]
    assert (unit.success, unit.blocking, unit.unexpected_count, unit.element_count) == (False, True, 1, 5)
    assert unit.message_en == "Dossier's unit code not in the catalogue: 1 dossier"
    assert unit.details["unexpected_values"] == [{"value": "999.99.99.X99", "count": 1}]


def test_catalogue_uses_the_newest_snapshot(platform, wh, loader):
    loader.load(clean_events())
    assert by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))[
        "dossiers.procedure_code is in the catalogue"
    ].success
    # A newer snapshot without the procedure: the dossiers' code is now unknown.
    newer = 2**62
    wh.insert("procedures", ["snapshot", "code", "name", "field_code", "max_amount", "max_unit"],
              [[newer], ["9.000001"], ["x"], ["1"], [1.0], ["working_days"]])  # fmt: skip
    wh.insert(
        "catalogue_snapshots", ["snapshot", "name", "loaded_at"], [[newer], ["newer"], [datetime.now(UTC)]]
    )
    result = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))[
        "dossiers.procedure_code is in the catalogue"
    ]
    assert (result.success, result.unexpected_count) == (False, 4)
    assert result.details["params"]["catalogue"] == f"warehouse snapshot {newer}"


def test_lifecycle_events_after_end(platform, wh, loader):
    events = clean_events()
    first = events[0].dossier_id
    ok_after = [apology("2025-11-04 17:00", "2025-11-10 17:00", dossier=first, unit=UNIT)]
    loader.load(events + ok_after)
    result = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))[
        "events.occurred_at is not after the dossier's end"
    ]
    assert result.success, result.message_en  # returned and corrections may follow the end
    loader.load([ev("supplement_requested", "2025-11-05 09:00", {"notice_id": "BS-9", "reason": "",
                     "requested_documents": []}, dossier=first, unit=UNIT, event_id="late-1")])  # fmt: skip
    result = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))[
        "events.occurred_at is not after the dossier's end"
    ]
    assert (result.success, result.blocking, result.unexpected_count) == (False, False, 1)
    assert result.details["examples"][0]["event_id"] == "late-1"
    assert result.message_vi.startswith("Sự kiện phát sinh sau khi hồ sơ đã kết thúc")


def test_freshness(platform, wh, loader):
    empty = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, None, now=NOW))[
        "events: the newest occurred_at is recent"
    ]
    assert not empty.success and not empty.blocking and "không có" in empty.message_vi
    loader.load(clean_events())  # newest event: Friday 2025-11-07 16:00 local
    newest = datetime(2025, 11, 7, 16, 0, tzinfo=UTC) - timedelta(hours=7)
    fresh = by_key(
        run_checks(platform.catalogue, platform.rulebooks, wh, None, now=newest + timedelta(days=2))
    )
    assert fresh["events: the newest occurred_at is recent"].success
    stale = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, None, now=NOW))[
        "events: the newest occurred_at is recent"
    ]
    assert (stale.success, stale.blocking, stale.unexpected_count) == (False, False, 1)
    assert stale.message_en.startswith("Data not fresh: newest event at 2025-11-07 16:00 (UTC+7)")
    # For a past week the reference is the week's end (Monday 10 Nov 00:00 local), not the clock.
    week = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))[
        "events: the newest occurred_at is recent"
    ]
    assert week.success
    assert not by_key(
        run_checks(platform.catalogue, platform.rulebooks, wh, Week.parse("2025-W46"), now=NOW)
    )["events: the newest occurred_at is recent"].success
    # An event dated years ahead (a typo) kept every later check "fresh" for as long as it stood.
    loader.load([ev("submitted", "2045-11-07 09:00", {"procedure_code": "1.004222", "channel": "online"},
                    dossier="typo-2045", unit=UNIT, event_id="typo-2045")])  # fmt: skip
    typo = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, None, now=NOW))
    assert not typo["events: the newest occurred_at is recent"].success
    assert typo["events: the newest occurred_at is recent"].message_en.startswith(
        "Data not fresh: newest event at 2025-11-07 16:00 (UTC+7)"
    )
    # A week whose events never came, checked once a later week's came (a backfill over a gap in the feed),
    # was "fresh" by that later event (ops review): its reference is its end, and so is what it reads.
    loader.load([ev("submitted", "2025-11-18 09:00", {"procedure_code": "1.004222", "channel": "online"},
                    dossier="later-week", unit=UNIT, event_id="later-week"),
                 # At the week's end exactly (a date-only source's next Monday 00:00): the next week's.
                 ev("submitted", "2025-11-17 00:00", {"procedure_code": "1.004222", "channel": "online"},
                    dossier="next-monday", unit=UNIT, event_id="next-monday")])  # fmt: skip
    gap = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, Week.parse("2025-W46"), now=NOW))
    assert not gap["events: the newest occurred_at is recent"].success
    assert gap["events: the newest occurred_at is recent"].message_en.startswith(
        "Data not fresh: newest event at 2025-11-07 16:00 (UTC+7)"
    )
    assert by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))[
        "events: the newest occurred_at is recent"
    ].success


def test_a_unit_that_fell_silent_for_the_week_is_a_warning(platform, wh, loader):
    """Review of the checks: the guide said the data-quality run flags a week's gaps, but freshness took
    the newest event of all units: a unit whose source stopped sending while the others went on passed,
    and the week's report counted it with what little it held. A unit with events in each of the four
    weeks before the week's last seven days and none in them is named, as a warning; one with a quieter
    past (a week without events among the four) is not."""
    silent = "units with events in each of the 4 weeks before have events in the last 7 days"
    others = [e for e in clean_events() if e.unit_code == OTHER_UNIT]  # W45, the other unit only
    weekly = ["2025-10-07", "2025-10-14", "2025-10-21", "2025-10-29"]  # UNIT: W41 to W44, then nothing
    loader.load([*others, *(e for n, day in enumerate(weekly) for e in dossier(10 + n, day, unit=UNIT))])
    results = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))
    assert results["events: the newest occurred_at is recent"].success  # the other unit is fresh
    result = results[silent]
    assert (result.success, result.blocking, result.unexpected_count, result.element_count) == (
        False, False, 1, 1,
    )  # fmt: skip
    assert result.details["examples"] == [{"recent": 0, "unit_code": UNIT, "silent_weeks": 1}]
    assert result.message_en == (
        "Units with no event in the 7 days up to 2025-11-10 00:00 (UTC+7), though with events in each of "
        "4 weeks in a row before they stopped (named for up to 8 silent weeks): 1 unit"
    ), result.message_en
    assert result.message_vi.startswith("Đơn vị không có sự kiện nào trong 7 ngày đến 00:00 10/11/2025, dù")
    # A week later it is still silent, and still named (the other unit, new, is not).
    later = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, Week.parse("2025-W46"), now=NOW))
    assert later[silent].details["examples"] == [{"recent": 0, "unit_code": UNIT, "silent_weeks": 2}]
    # Its events come in: W45 passes.
    loader.load(dossier(6, "2025-11-05", unit=UNIT))
    assert by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))[silent].success


def test_a_unit_a_reform_ended_is_not_said_to_have_fallen_silent(platform, wh, loader):
    """Review of the diff: the communes merged on 1/7/2025 (the catalogue's ``valid_to``) were flagged as
    silent for weeks on the bundled sample; their events stop because they no longer exist."""
    silent = "units with events in each of the 4 weeks before have events in the last 7 days"
    ended = "000.01.01.H99"  # valid until 2025-07-01
    assert platform.catalogue.units[ended].valid_to is not None
    weekly = ["2025-06-03", "2025-06-10", "2025-06-17", "2025-06-24"]
    loader.load([e for n, day in enumerate(weekly) for e in dossier(10 + n, day, unit=ended)])
    loader.load(dossier(20, "2025-07-02", unit=UNIT))
    run = run_checks(platform.catalogue, platform.rulebooks, wh, Week.parse("2025-W27"), now=NOW)
    result = by_key(run)[silent]
    assert result.success and result.element_count == 0, result.details


@pytest.mark.parametrize(("valid_to", "flagged"), [("2025-06-30", True), ("2025-06-27", False)])
def test_a_unit_ended_the_monday_after_the_week_existed_all_week(platform, wh, loader, valid_to, flagged):
    """A week's reference is its end, the Monday after it: a unit a reform ended that Monday (``valid_to``
    is the first day it no longer exists) was taken as ended for the week it existed through, and its
    silence that week went unsaid (review of the time zones). One ended during the week is not flagged."""
    silent = "units with events in each of the 4 weeks before have events in the last 7 days"
    weekly = ["2025-05-27", "2025-06-03", "2025-06-10", "2025-06-17"]  # 2025-W22 to W25, then nothing
    loader.load([e for n, day in enumerate(weekly) for e in dossier(10 + n, day, unit=UNIT)])
    loader.load(dossier(20, "2025-06-25", unit=OTHER_UNIT))
    wh.execute(
        "INSERT INTO units SELECT snapshot, code, name, parent, level, valid_from, toDate(%(to)s), successor "
        "FROM units WHERE code = %(code)s",
        {"to": valid_to, "code": UNIT},
    )
    result = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, Week.parse("2025-W26"), now=NOW))
    assert (not result[silent].success) is flagged, result[silent].details


def test_violations_and_outcome_rows_left_behind_or_overlapping_block_the_week(platform, wh, loader):
    """Review of the checks: an open violation or an outcome row whose dossier's events were deleted by
    hand (the guide's procedure for wrong stored events deletes rows from these tables), or an outcome row
    overlapping another of its dossier's, passed every check while the week's report counted it."""
    loader.load(clean_events())
    ok = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))
    assert ok["open violations belong to dossiers with stored events"].success
    spans = ok["outcome rows belong to dossiers with stored events"]
    assert spans.success and spans.element_count == 4
    assert ok["a dossier's outcome intervals do not overlap"].success
    ghost = {
        "dossier_id": "D-ghost", "rule_id": "LATE_NO_APOLOGY", "event_id": None, "kind": "violation",
        "severity": "high", "unit_code": UNIT, "procedure_code": PROCEDURE, "legal_basis": "x",
        "occurred_at": "2025-11-06T10:00:00+07:00", "rulebook_version": "1", "evidence": [],
    }  # fmt: skip
    wh.insert("violations", VIOLATION_COLUMNS, [[x] for x in violation_row(ghost, "open", NOW, "test", 1)])
    first = dossier(1)[0].dossier_id
    copy = "dossier_id, generation, valid_from, valid_from_key, valid_to_key, unit_code, procedure_code, "
    copy += "field_code, received_on, channel, ended_on, status, working_days, returned_channel"
    wh.execute(f"INSERT INTO dossier_outcomes ({copy}) SELECT 'D-ghost', {copy.split(', ', 1)[1]} "
               "FROM dossier_outcomes FINAL WHERE dossier_id = %(d)s", {"d": first})  # fmt: skip
    # A second row of the first dossier, one microsecond later, in force beside the first.
    wh.execute(f"INSERT INTO dossier_outcomes ({copy}) SELECT dossier_id, generation, valid_from, "
               f"valid_from_key + 1, {copy.split(', ', 4)[4]} FROM dossier_outcomes FINAL "
               "WHERE dossier_id = %(d)s", {"d": first})  # fmt: skip
    results = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))
    orphan = results["open violations belong to dossiers with stored events"]
    assert (orphan.success, orphan.blocking, orphan.unexpected_count) == (False, True, 1)
    assert orphan.details["examples"][0]["dossier_id"] == "D-ghost"
    assert orphan.message_en == "Open violations of dossiers with no stored event: 1 violation"
    rows = results["outcome rows belong to dossiers with stored events"]
    assert (rows.success, rows.unexpected_count, rows.element_count) == (False, 1, 5)
    assert rows.details["examples"][0]["dossier_id"] == "D-ghost"
    overlap = results["a dossier's outcome intervals do not overlap"]
    assert (overlap.success, overlap.blocking, overlap.unexpected_count) == (False, True, 1)
    assert overlap.details["examples"][0]["dossier_id"] == first
    assert overlap.message_vi == "Hồ sơ có hai kết quả giải quyết cùng hiệu lực tại một thời điểm: 1 hồ sơ"


def test_the_freshness_advice_speaks_of_a_silent_unit_too() -> None:
    """A unit that stopped sending failed the suite, and its next step spoke only of the newest event being
    more than 3 days old, which had passed (on-call review)."""
    from checks.suites import freshness

    for text in (freshness.NEXT_STEP.vi, freshness.NEXT_STEP.en):
        assert "3" in text and "7" in text and ("đơn vị" in text or "unit" in text), text


def test_a_dossier_reopened_after_waiting_is_checked_in_the_weeks_it_counts(platform, wh, loader):
    """A dossier that waited on its only supplement request ended at it (the form), and a completion in a
    later week reopened it: its rows' largest end lies before that week, and the overlap check chose the
    week's dossiers by it, leaving this one out while the week's form counted it (review). Chosen by the row
    that holds the week's last instant, as the form does, an overlap of its rows is found."""
    from tests.builders import completed, received, supplement

    ids = {"dossier": f"{UNIT}-251027-0099", "unit": UNIT}
    loader.load([
        received("2025-10-27 09:00", "2025-12-22 17:00", procedure=PROCEDURE, event_id="w-1", **ids),
        supplement("2025-10-28 09:00", event_id="w-2", **ids),
        completed("2025-11-04 09:00", event_id="w-3", **ids),
    ])  # fmt: skip
    rows = wh.query("SELECT ended_on FROM dossier_outcomes FINAL WHERE dossier_id = %(d)s "
                    "ORDER BY valid_from_key", {"d": ids["dossier"]})  # fmt: skip
    # Open, ended at the request, reopened by the completion (and late once its time, paused, ran out).
    assert [row[0] is None for row in rows][:3] == [True, False, True]
    assert by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))[OVERLAP].success
    copy = "dossier_id, generation, valid_from, valid_from_key, valid_to_key, unit_code, procedure_code, "
    copy += "field_code, received_on, channel, ended_on, status, working_days, returned_channel"
    wh.execute(f"INSERT INTO dossier_outcomes ({copy}) SELECT dossier_id, generation, valid_from, "
               f"valid_from_key + 1, {copy.split(', ', 4)[4]} FROM dossier_outcomes FINAL "
               "WHERE dossier_id = %(d)s ORDER BY valid_from_key DESC LIMIT 1",
               {"d": ids["dossier"]})  # fmt: skip
    overlap = by_key(run_checks(platform.catalogue, platform.rulebooks, wh, W45, now=NOW))[OVERLAP]
    assert (overlap.success, overlap.unexpected_count) == (False, 1), overlap.details
    assert overlap.details["examples"][0]["dossier_id"] == ids["dossier"]


OVERLAP = "a dossier's outcome intervals do not overlap"


def test_a_dossier_streamed_through_two_partitions_blocks_the_week(platform, wh, loader):
    """Kafka spreads messages without a key over the partitions, and the sink and the detector accept them:
    a dossier whose receipt came through one partition and its processing through another was judged in two
    halves, and found late without an apology that the batch audit does not find (review of the streaming
    seat). A load's events (a file's source) are judged whole and not counted."""
    loader.load(clean_events())  # a load's ("test")
    split, keyed = dossier(7, "2025-11-05"), dossier(8, "2025-11-05")
    loader.rows(split[:1], source="kafka:dossier-events/0")
    loader.rows(split[1:], source="kafka:dossier-events/3")
    loader.rows(keyed, source="kafka:dossier-events/2")
    # A topic renamed in the settings is a topic of its own, not a second partition (diff review).
    renamed = dossier(9, "2025-11-05")
    loader.rows(renamed[:1], source="kafka:dossier-events/1")
    loader.rows(renamed[1:], source="kafka:hcm-dossier-events/1")
    expectation = "a dossier's streamed events came through one partition"
    for week in (None, W45):
        run = run_checks(platform.catalogue, platform.rulebooks, wh, week, now=CLEAN_NOW)
        result = by_key(run)[expectation]
        assert not result.success and result.blocking and result.suite == "partitions"
        assert (result.unexpected_count, result.element_count) == (1, 3), week
        sources = "kafka:dossier-events/0 kafka:dossier-events/3"
        assert result.details["examples"] == [
            {"partitions": 2, "dossier_id": split[0].dossier_id, "sources": sources}
        ]
        assert result.message_vi.endswith("nhiều phân vùng của chủ đề sự kiện: 1 hồ sơ")
        assert run.blocking_failures == [result]
    quiet = run_checks(platform.catalogue, platform.rulebooks, wh, Week.parse("2025-W47"), now=CLEAN_NOW)
    assert by_key(quiet)[expectation].success and by_key(quiet)[expectation].element_count == 0
