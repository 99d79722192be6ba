"""Defects a week's checks let through because they read only the week's frames (review of the data-quality
checks), on both backends: the suites' SQL runs on ClickHouse 18.16 and chdb."""

from __future__ import annotations

from datetime import datetime

import pytest

from checks import CheckResult, QualityRun, run_checks
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from tests.checks.helpers import OTHER_UNIT, Loader, clean_events, dossier, prepare
from warehouse.base import Warehouse
from warehouse.store import epoch_us

W45, W46 = Week.parse("2025-W45"), Week.parse("2025-W46")
#: Monday after 2025-W45, 08:00 local: the clean data are fresh.
CLEAN_NOW = datetime(2025, 11, 10, 8, 0, tzinfo=VN_TZ)
FUTURE = "events.occurred_at is not in the future"
ELSEWHERE = "events.occurred_at is not in the future, in any other dossier"


def by_key(run: QualityRun) -> dict[str, CheckResult]:
    return {r.expectation: r for r in run.results}


@pytest.fixture
def loaded(platform, warehouse: Warehouse) -> Loader:
    loader = Loader(platform, prepare(platform, warehouse))
    loader.load(clean_events())
    return loader


def test_a_dossier_dated_wholly_in_the_future_is_named_by_every_weeks_check(platform, loaded):
    """A week's dossier whose dates were moved a month ahead (and given a new id) is in no week's frames
    until its dates pass, and then no longer in the future: every weekly run passed it, only a run of the
    whole warehouse failed. Every week's run names it now, as a warning (it changes no figure of the week
    checked: blocking there marked every weekly report "built on failed data" for as long as it stayed,
    last read of the session); the whole warehouse's run blocks on it."""
    ahead = dossier(30, "2025-12-09")
    loaded.load(ahead)
    for week in (W45, W46):
        run = run_checks(platform.catalogue, platform.rulebooks, loaded.wh, week, now=CLEAN_NOW)
        result = by_key(run)[ELSEWHERE]
        assert (result.success, result.blocking, result.unexpected_count) == (False, False, 3), week
        assert {e["dossier_id"] for e in result.details["examples"]} == {ahead[0].dossier_id}
        assert result.details["params"]["future_in_warehouse"] == 3
        assert by_key(run)[FUTURE].success and not run.blocking_failures, week
    whole = run_checks(platform.catalogue, platform.rulebooks, loaded.wh, None, now=CLEAN_NOW)
    result = by_key(whole)[FUTURE]
    assert (result.success, result.blocking, result.unexpected_count) == (False, True, 3)
    assert result in whole.blocking_failures and by_key(whole)[ELSEWHERE].success  # named once
    # Once its dates have passed it is an ordinary dossier.
    later = run_checks(
        platform.catalogue, platform.rulebooks, loaded.wh, W45, now=datetime(2026, 1, 5, tzinfo=VN_TZ)
    )
    assert by_key(later)[ELSEWHERE].success and by_key(later)[ELSEWHERE].details["params"] == {
        "now": datetime(2026, 1, 5, tzinfo=VN_TZ).isoformat(), "future_in_warehouse": 0
    }  # fmt: skip


def test_an_event_stored_twice_under_one_key_with_other_content_fails_uniqueness(platform, loaded):
    """FINAL merges the rows of one sorting key (dossier, time, event_id) whatever their content: a copy of a
    stored event under the same key with another type, unit and fingerprint passed the uniqueness check,
    and the week's figures took whichever copy the merges kept."""
    first = clean_events()[1]
    loaded.load(clean_events()[:3])  # an exact re-delivery: one content
    assert by_key(run_checks(platform.catalogue, platform.rulebooks, loaded.wh, W45, now=CLEAN_NOW))[
        ONE_CONTENT
    ].success
    columns = "event_id, dossier_id, type, schema_version, occurred_at, occurred_at_us, unit_code, actor, "
    columns += "procedure_code, data, raw, fingerprint, source, source_offset, ingested_at"
    loaded.wh.execute(
        f"INSERT INTO events ({columns}) SELECT event_id, dossier_id, 'refused', schema_version, "
        "occurred_at, "
        "occurred_at_us, %(unit)s, actor, procedure_code, data, raw, 'another', source, source_offset, "
        "ingested_at FROM events WHERE event_id = %(id)s",
        {"unit": OTHER_UNIT, "id": first.event_id},
    )
    for week in (W45, None):
        run = run_checks(platform.catalogue, platform.rulebooks, loaded.wh, week, now=CLEAN_NOW)
        result = by_key(run)[ONE_CONTENT]
        assert (result.success, result.blocking, result.unexpected_count) == (False, True, 1), week
        assert result.details["examples"][0]["event_id"] == first.event_id
        assert result.details["examples"][0]["versions"] == 2
        assert result.message_en == "event_id stored with different contents: 1 event id"
        assert result in run.blocking_failures
    # Another week's ids are not read.
    quiet = run_checks(platform.catalogue, platform.rulebooks, loaded.wh, W46, now=CLEAN_NOW)
    assert by_key(quiet)[ONE_CONTENT].success


ONE_CONTENT = "events.event_id is stored with one content"


def test_a_dossier_with_a_gap_in_its_outcome_history_at_the_weeks_end_fails_consistency(platform, loaded):
    """The form takes each dossier by its outcome row in force at the week's last instant, and the checks
    looked only for overlaps: a row shortened by hand to end before the week's end dropped its dossier from
    the week's figures while every check passed."""
    first = clean_events()[0].dossier_id
    ok = by_key(run_checks(platform.catalogue, platform.rulebooks, loaded.wh, W45, now=CLEAN_NOW))[IN_FORCE]
    assert ok.success and ok.element_count == 4
    saturday = epoch_us(datetime(2025, 11, 8, tzinfo=VN_TZ))
    columns = "dossier_id, generation, valid_from, valid_from_key, valid_to_key, unit_code, procedure_code, "
    columns += "field_code, received_on, channel, ended_on, status, working_days, returned_channel"
    rest = columns.split(", ", 5)[5]
    loaded.wh.execute(
        f"INSERT INTO dossier_outcomes ({columns}) SELECT dossier_id, generation + 1, valid_from, "
        f"valid_from_key, toUInt64(%(to)s), {rest} FROM dossier_outcomes FINAL "
        "WHERE dossier_id = %(d)s AND valid_to_key > %(to)s",
        {"d": first, "to": saturday},
    )
    for week, total in ((W45, 4), (None, 4)):
        run = run_checks(platform.catalogue, platform.rulebooks, loaded.wh, week, now=CLEAN_NOW)
        result = by_key(run)[IN_FORCE]
        assert (result.success, result.blocking, result.unexpected_count) == (False, True, 1), week
        assert result.element_count == total
        assert result.details["examples"][0]["dossier_id"] == first
        assert result in run.blocking_failures
        assert by_key(run)["a dossier's outcome intervals do not overlap"].success
    week = by_key(run_checks(platform.catalogue, platform.rulebooks, loaded.wh, W45, now=CLEAN_NOW))[IN_FORCE]
    assert week.message_en == (
        "Dossiers of the period with no outcome row in force at 2025-11-09 23:59 (UTC+7), left out of the "
        "form: 1 dossier"
    ), week.message_en
    # A week it does not count is not concerned.
    assert by_key(run_checks(platform.catalogue, platform.rulebooks, loaded.wh, W46, now=CLEAN_NOW))[
        IN_FORCE
    ].success


IN_FORCE = "each dossier the form counts has an outcome row in force at its end"


@pytest.mark.parametrize(
    ("week", "named"),
    [("2025-W45", True), ("2025-W46", True), ("2025-W48", True), ("2025-W52", True), ("2026-W01", False)],
)
def test_a_unit_that_stopped_sending_is_named_every_week_until_it_sends_again(platform, loaded, week, named):
    """The freshness check took the four weeks before the last seven days: from a unit's second silent week
    on its silence was among them, and it passed. A unit with events in each of four weeks in a row and
    none since is named every week, for up to 8 silent weeks; one that was never regular is not."""
    silent = "units with events in each of the 4 weeks before have events in the last 7 days"
    loader = loaded
    regular = ["2025-10-07", "2025-10-14", "2025-10-21", "2025-10-29"]  # W41 to W44, then nothing
    loader.load([e for n, day in enumerate(regular) for e in dossier(10 + n, day, unit=STOPPED)])
    sparse = ["2025-10-07", "2025-10-21"]  # two of four weeks, then nothing
    loader.load([e for n, day in enumerate(sparse) for e in dossier(20 + n, day, unit=SPARSE)])
    now = datetime(2026, 2, 2, tzinfo=VN_TZ)
    result = by_key(run_checks(platform.catalogue, platform.rulebooks, loader.wh, Week.parse(week), now=now))
    check = result[silent]
    assert not check.blocking and check.success is not named, check.details
    examples = [e["unit_code"] for e in check.details.get("examples", [])]
    assert examples == ([STOPPED] if named else []), examples
    # It sends again: no longer named.
    loader.load(dossier(40, "2025-12-23", unit=STOPPED))
    again = by_key(run_checks(platform.catalogue, platform.rulebooks, loader.wh, W52, now=now))[silent]
    assert again.success, again.details


W52 = Week.parse("2025-W52")
STOPPED, SPARSE = "000.10.03.H99", "000.10.04.H99"  # the clean events' units send on
