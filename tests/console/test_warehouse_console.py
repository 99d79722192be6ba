"""The console's warehouse side on both backends (chdb and Debian's clickhouse-server 18.16): the migration,
the violations list with every filter and sort, one dossier, case events appended and folded, accounts as
versioned rows, the trail of reads, and the weekly report's case counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from dossier_audit.cli import app
from inspections.cases import CaseAction, CaseEvent, CaseStatus, Role
from inspections.weeks import Week
from pipelines.report_runs import record_run
from reporting.gather import week_bounds, week_cases
from warehouse.base import Warehouse
from warehouse.cases import CaseKey, all_cases, append_case_event, case_counts, case_states_of, key_text
from warehouse.console_read import (
    ViolationFilter,
    reported_weeks,
    stored_dossier,
    unit_has_violations,
    violations_page,
)
from warehouse.console_users import ConsoleUser, log_read, reads_of, save_user, user, users

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples.jsonl"
NOW = datetime(2025, 11, 20, 3, tzinfo=UTC)


def load_examples(url: str) -> None:
    runner = CliRunner()
    for args in (["warehouse", "init"], ["warehouse", "load", str(EXAMPLES), "--as-of", "2025-11-20"]):
        result = runner.invoke(app, [*args[:2], *args[2:], "--warehouse", url])
        assert result.exit_code == 0, result.stderr


def event(action: CaseAction, role: Role = Role.INSPECTOR, minute: int = 0, **kw: str) -> CaseEvent:
    return CaseEvent(action, role, f"{role.value}1", NOW.replace(minute=minute), **kw)


def test_violations_list_dossier_and_cases(warehouse_url: str, warehouse: Warehouse) -> None:
    load_examples(warehouse_url)
    total, rows = violations_page(warehouse, ViolationFilter(), offset=0, limit=100)
    assert total == len(rows) == 9
    assert [r.occurred_at for r in rows] == sorted((r.occurred_at for r in rows), reverse=True)
    unit1 = frozenset({"000.10.01.H99"})
    total, rows = violations_page(warehouse, ViolationFilter(units=unit1), offset=0, limit=100)
    assert total == 3 and {r.unit_code for r in rows} == set(unit1)
    total, rows = violations_page(warehouse, ViolationFilter(rule="LATE_NO_APOLOGY"), offset=0, limit=1)
    assert total == 2 and len(rows) == 1
    total, _ = violations_page(warehouse, ViolationFilter(severity="medium"), offset=0, limit=100)
    assert total == 3
    w45 = week_bounds(Week.parse("2025-W45"))
    total, rows = violations_page(warehouse, ViolationFilter(week_s=w45), offset=0, limit=100)
    assert total == 6
    total, rows = violations_page(
        warehouse, ViolationFilter(dossier="000.10.02.H99-251104"), offset=0, limit=9
    )
    assert total == 5 and {r.dossier_id for r in rows} == {"000.10.02.H99-251104-0001"}
    # Any part of the id, in any case: the number an inspector reads off the paper receipt (review of
    # 2026-12-04: only the id's beginning, in its own case, found anything).
    for part in ("251104-0001", "h99-251104"):  # the count and the page alike
        found, listed = violations_page(warehouse, ViolationFilter(dossier=part), offset=0, limit=9)
        assert found == 5 and {r.dossier_id for r in listed} == {"000.10.02.H99-251104-0001"}, part
    assert violations_page(warehouse, ViolationFilter(dossier="251104-0009"), offset=0, limit=9)[0] == 0
    # The weeks leadership got a report for (the dashboard's default week), succeeded runs only.
    assert reported_weeks(warehouse) == []
    with record_run(warehouse, "r1/leadership_report", "leadership_report", {"week": "2025-W46"}):
        pass
    try:
        with record_run(warehouse, "r2/leadership_report", "leadership_report", {"week": "2025-W47"}):
            raise RuntimeError("the report failed")
    except RuntimeError:
        pass
    assert reported_weeks(warehouse) == ["2025-W46"]
    assert unit_has_violations(warehouse, "000.10.01.H99") and not unit_has_violations(
        warehouse, "000.99.99.H99"
    )
    _, by_severity = violations_page(warehouse, ViolationFilter(sort="severity"), offset=0, limit=100)
    assert [r.severity for r in by_severity][:6] == ["high"] * 6
    _, by_rule = violations_page(warehouse, ViolationFilter(sort="rule"), offset=0, limit=100)
    assert [r.rule_id for r in by_rule] == sorted(r.rule_id for r in by_rule)
    hostile = ViolationFilter(rule="x' OR 1=1 --", dossier="%' OR ''='", sort="1; DROP TABLE events")
    assert violations_page(warehouse, hostile, offset=0, limit=10) == (0, [])

    first, second = rows[0].key, rows[1].key
    append_case_event(warehouse, first, event(CaseAction.REQUEST_EXPLANATION),
                      rulebook_version="2", unit_code="000.10.02.H99")  # fmt: skip
    append_case_event(warehouse, first, event(CaseAction.EXPLAIN, Role.UNIT, 5, note="đã <b>xử lý</b>",
                                              notice_number="12/TB"),
                      rulebook_version="2", unit_code="000.10.02.H99")  # fmt: skip
    append_case_event(warehouse, second, event(CaseAction.DISMISS, reason_code="data_error"),
                      rulebook_version="2", unit_code="000.10.02.H99")  # fmt: skip
    states = case_states_of(warehouse, [first.dossier_id])
    assert states[first].status is CaseStatus.EXPLAINED
    assert (states[first].explanation, states[first].notice_number) == ("đã <b>xử lý</b>", "12/TB")
    assert states[second].status is CaseStatus.DISMISSED
    assert set(all_cases(warehouse)) == {first, second}

    kept = ViolationFilter(keys=frozenset({first}))
    assert violations_page(warehouse, kept, offset=0, limit=10)[0] == 1
    left_out = ViolationFilter(keys=frozenset({first, second}), keys_excluded=True)
    assert violations_page(warehouse, left_out, offset=0, limit=10)[0] == 7
    # The keys are bound as one string of texts the SQL writes the same (a tuple literal of 16,000 keys
    # took two seconds a page: review), whatever the ids hold.
    _, every = violations_page(warehouse, ViolationFilter(), offset=0, limit=100)
    written = warehouse.query(
        "SELECT concat(toString(length(dossier_id)), ':', dossier_id, rule_id, '|', event_id) "
        "FROM violations FINAL WHERE toString(kind) != 'not_checkable'"
    )
    assert sorted(t for (t,) in written) == sorted(key_text(r.key) for r in every)
    odd = CaseKey("Đ|x\n'", "LATE_NO_APOLOGY", "|e\\")
    ((text,),) = warehouse.query(
        "SELECT concat(toString(length(%(d)s)), ':', %(d)s, %(r)s, '|', %(e)s)",
        {"d": odd.dossier_id, "r": odd.rule_id, "e": odd.event_id},
    )
    assert text == key_text(odd)

    w46 = week_bounds(Week.parse("2025-W46"))
    w47 = week_bounds(Week.parse("2025-W47"))  # the case events are on 20/11 (W47)
    counts = case_counts(warehouse, from_s=w45[0], to_s=w47[1])
    assert (counts.dismissed, counts.explained, counts.awaiting_explanation, counts.confirmed) == (1, 1, 0, 0)
    assert case_counts(warehouse, from_s=w45[0], to_s=w47[1], units={"000.10.01.H99"}).dismissed == 0
    assert case_counts(warehouse, from_s=w45[0], to_s=w45[1]).dismissed == 0  # the violation is not in W45
    # A report of W45–46 made again after the cases were worked says what it said then: nothing worked.
    assert case_counts(warehouse, from_s=w45[0], to_s=w46[1]) == case_counts(warehouse, from_s=0, to_s=0)
    assert case_counts(warehouse, from_s=w45[0], to_s=w46[1]).dismissed == 0
    # The weekly report: the violations found up to its week's end, their cases then, and those acted on in
    # it. W46's report shows none (worked the week after); W47's shows both, acted on in W47, as the team
    # usually works a week's violations in the weeks after (its own violations only, it showed nothing).
    assert week_cases(warehouse, Week.parse("2025-W46")) is None
    w47_report = week_cases(warehouse, Week.parse("2025-W47"))
    assert w47_report is not None and (w47_report.dismissed, w47_report.explained, w47_report.acted) == (
        1,
        1,
        2,
    )
    w48_report = week_cases(warehouse, Week.parse("2025-W48"))
    assert w48_report is not None and (w48_report.dismissed, w48_report.acted) == (1, 0)
    # A second dismissal in W48 (a double submit) is ignored by the case's rules: no work done that week.
    again = CaseEvent(CaseAction.DISMISS, Role.INSPECTOR, "inspector1", NOW + timedelta(days=7), "data_error")
    append_case_event(warehouse, second, again, rulebook_version="2", unit_code="000.10.02.H99")
    assert case_states_of(warehouse, [second.dossier_id])[second].ignored == 1
    w48_report = week_cases(warehouse, Week.parse("2025-W48"))
    assert w48_report is not None and (w48_report.dismissed, w48_report.acted) == (1, 0)
    # The console's live dashboard: the same violations, their cases as they stand now.
    assert case_counts(warehouse, from_s=w45[0], to_s=w46[1], as_of_s=w47[1]).dismissed == 1
    between = int(NOW.replace(minute=3).timestamp())  # after the request, before the answer
    counts = case_counts(warehouse, from_s=w45[0], to_s=between)
    assert (counts.awaiting_explanation, counts.explained, counts.dismissed) == (1, 0, 1)
    warehouse.execute(  # the detector retracts the explained case's violation
        "INSERT INTO violations SELECT dossier_id, rule_id, event_id, 'retracted', kind, severity, "
        "unit_code, procedure_code, occurred_at, legal_basis, rulebook_version, evidence, detail, as_of, "
        "producer, version + 1 FROM violations FINAL "
        "WHERE dossier_id = %(d)s AND rule_id = %(r)s AND event_id = %(e)s",
        {"d": first.dossier_id, "r": first.rule_id, "e": first.event_id},
    )
    # Counted from the case's own events: unchanged until the system's close event is written.
    assert case_counts(warehouse, from_s=w45[0], to_s=w47[1]).explained == 1
    append_case_event(warehouse, first, event(CaseAction.CLOSE_RETRACTED, Role.SYSTEM, 30),
                      rulebook_version="2", unit_code="000.10.02.H99")  # fmt: skip
    counts = case_counts(warehouse, from_s=w45[0], to_s=w47[1])
    assert (counts.closed, counts.explained, counts.dismissed) == (1, 0, 1)

    dossier = stored_dossier(warehouse, "000.10.02.H99-251104-0001")
    assert dossier is not None and dossier.home_unit == "000.10.02.H99"
    assert len(dossier.violations) == 5 and dossier.facts is not None
    assert [e.occurred_at for e in dossier.events] == sorted(e.occurred_at for e in dossier.events)
    assert stored_dossier(warehouse, "no-such-dossier") is None


def test_accounts_are_versioned_and_reads_are_logged(warehouse_url: str, warehouse: Warehouse) -> None:
    load_examples(warehouse_url)
    account = ConsoleUser("an", "unit", "000.10.01.H99", "$argon2id$x", False, NOW, NOW)
    save_user(warehouse, account)
    save_user(warehouse, ConsoleUser("an", "unit", "000.10.01.H99", "$argon2id$x", True, NOW, NOW))
    found = user(warehouse, "an")
    assert found is not None and found.disabled and found.role == "unit"
    assert [u.login for u in users(warehouse)] == ["an"]
    assert user(warehouse, "nobody") is None
    log_read(warehouse, login="an", role="unit", dossier_id="d-1", via="page")
    assert [r[:3] for r in reads_of(warehouse, "d-1")] == [("an", "unit", "page")]


@given(
    st.tuples(st.text(min_size=1), st.sampled_from(["LATE_NO_APOLOGY", "REFUSAL_UNWRITTEN"]), st.text()),
    st.tuples(st.text(min_size=1), st.sampled_from(["LATE_NO_APOLOGY", "REFUSAL_UNWRITTEN"]), st.text()),
)
def test_two_case_keys_never_share_a_text(a: tuple[str, str, str], b: tuple[str, str, str]) -> None:
    """The case-state filter binds keys as texts (``key_text``): two keys of one text would list a case
    under another's state. The dossier id goes by its length, the rule id holds no ``|``."""
    assert (key_text(CaseKey(*a)) == key_text(CaseKey(*b))) == (a == b)


def test_one_instants_events_are_shown_in_the_platforms_order(
    warehouse_url: str, warehouse: Warehouse, tmp_path: Path
) -> None:
    """An apology issued at the instant of the result comes before it (lifecycle rank), as in the packs'
    timeline and the audit's reading: ordered by ``event_id`` alone the console showed it after (the last
    read of 2026-12-07)."""
    dossier = "000.10.01.H99-251103-0009"
    common = {"schema_version": 1, "dossier_id": dossier, "unit_code": "000.10.01.H99"}
    lines = [
        {**common, "event_id": "t-1", "type": "received", "occurred_at": "2025-11-03T09:00:00+07:00",
         "data": {"procedure_code": "1.004222", "channel": "online", "due_at": "2025-11-05T17:00:00+07:00",
                  "documents": ["CT01"]}},
        {**common, "event_id": "t-2", "type": "processed", "occurred_at": "2025-11-07T15:30:00+07:00",
         "data": {"outcome": "granted"}},
        {**common, "event_id": "t-3", "type": "apology_issued", "occurred_at": "2025-11-07T15:30:00+07:00",
         "data": {"notice_id": "XL-1", "reason": "Chờ xác minh", "new_due_at": "2025-11-10T17:00:00+07:00"}},
        {**common, "event_id": "t-4", "type": "returned", "occurred_at": "2025-11-07T15:30:00+07:00",
         "data": {"channel": "online"}},
    ]  # fmt: skip
    path = tmp_path / "ties.jsonl"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    runner = CliRunner()
    for args in (["warehouse", "init"], ["warehouse", "load", str(path), "--as-of", "2025-11-20"]):
        result = runner.invoke(app, [*args, "--warehouse", warehouse_url])
        assert result.exit_code == 0, result.stderr
    found = stored_dossier(warehouse, dossier)
    assert found is not None
    assert [e.event_id for e in found.events] == ["t-1", "t-3", "t-2", "t-4"]
