"""Issue 14: records of kind ``not_checkable`` (a rule a source did not let the audit check) are never
counted as violations nor as findings in the weekly report, its JSON and its tables, and are labelled as
what they are.

The warehouse is a stand-in answering the two counting queries with fixed rows: the stored ``violations``
table cannot hold the kind until its migration (see the issue-14 report), and the counting is what is tested.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from inspections.classification import local_midnight
from inspections.metrics import ReportingForm
from inspections.weeks import Week
from reporting import counting, gather
from reporting.i18n import Texts
from reporting.model import Names, WeeklyReport
from reporting.report_json import violations_json
from reporting.tables import rules_table
from tests.rulebook_v2_world import CATALOGUE, UNIT
from warehouse.queries import load_sql

WEEK = Week.parse("2025-W45")  # 2025-11-03 .. 2025-11-09; W44 is the week before

COUNTS = [
    # rule, kind, severity, unit, local day, count
    ("SUPPLEMENT_UNWRITTEN", "violation", "medium", UNIT, date(2025, 11, 4), 2),
    ("SUPPLEMENT_UNWRITTEN", "not_checkable", "medium", UNIT, date(2025, 11, 5), 3),
    ("UNKNOWN_PROCEDURE", "finding", "low", UNIT, date(2025, 11, 5), 1),
    ("SUPPLEMENT_UNWRITTEN", "violation", "medium", UNIT, date(2025, 10, 29), 1),
    ("REFUSAL_UNWRITTEN", "not_checkable", "high", UNIT, date(2025, 10, 28), 4),
]
DOSSIERS = [(UNIT, "finding", 1), (UNIT, "not_checkable", 3), (UNIT, "violation", 2)]


class Rows:
    """The two queries ``violation_counts`` makes, answered with the rows given (by default ``COUNTS`` and
    ``DOSSIERS``), the counts of local days in the query's ``[from_s, to_s)`` as the SQL filters them."""

    def __init__(
        self, counts: list[tuple[Any, ...]] = COUNTS, dossiers: list[tuple[Any, ...]] = DOSSIERS
    ) -> None:
        self.counts, self.dossiers = counts, dossiers

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        if sql == load_sql("report_violation_counts"):
            assert params is not None
            start, end = params["from_s"], params["to_s"]
            return [r for r in self.counts if start <= local_midnight(r[4]).timestamp() < end]
        assert sql == load_sql("report_violation_dossiers"), sql
        return list(self.dossiers)


def counts() -> counting.ViolationCounts:
    return counting.violation_counts(CATALOGUE, Rows(), WEEK, prior_weeks=8)  # type: ignore[arg-type]


def test_not_checkable_is_counted_apart_from_violations_and_findings() -> None:
    c = counts()
    assert (c.total, c.previous_total, c.findings, c.not_checkable, c.dossiers) == (2, 1, 1, 3, 2)
    (unit,) = c.units
    assert (unit.count, unit.previous, unit.findings, unit.not_checkable, unit.dossiers) == (2, 1, 1, 3, 2)
    assert c.by_rule_unit == {("SUPPLEMENT_UNWRITTEN", UNIT): 2}
    # One count per (rule, kind), violations first, then findings, then the rules not checkable.
    assert [(r.rule_id, r.kind, r.count, r.previous) for r in c.rules] == [
        ("SUPPLEMENT_UNWRITTEN", "violation", 2, 1),
        ("UNKNOWN_PROCEDURE", "finding", 1, 0),
        ("SUPPLEMENT_UNWRITTEN", "not_checkable", 3, 0),
        ("REFUSAL_UNWRITTEN", "not_checkable", 0, 4),
    ]
    assert c.previous_8_avg == 0.13  # the previous weeks' violations only: 1/8, half up


def test_the_violation_summary_json_says_how_many_were_not_checkable() -> None:
    doc = violations_json(counts(), Names(CATALOGUE))
    assert (doc["total"], doc["findings"], doc["not_checkable"]) == (2, 1, 3)
    assert doc["by_unit"][0]["not_checkable"] == 3 and doc["by_unit"][0]["count"] == 2
    kinds = [(r["rule_id"], r["kind"], r["count"]) for r in doc["by_rule"]]
    assert ("SUPPLEMENT_UNWRITTEN", "not_checkable", 3) in kinds
    assert "not_checkable" in doc["counting"]


def test_kind_labels() -> None:
    vi, en = Texts("vi"), Texts("en")
    assert (vi.kind("violation"), vi.kind("finding"), vi.kind("not_checkable")) == (
        "Vi phạm",
        "Phát hiện dữ liệu",
        "Không kiểm tra được",
    )
    assert en.kind("not_checkable") == "Not checkable"
    assert en.kind("something_new") == "something_new"  # never passed off as a violation


def _report(lang: str) -> WeeklyReport:
    empty = SimpleNamespace(province=ReportingForm(WEEK.start, WEEK.end))
    return WeeklyReport(
        lang=lang, week=WEEK, header=None, forms=empty, ranking=[], trend=[], violations=counts(),  # type: ignore[arg-type]
        quality=gather.Quality(False), names=Names(CATALOGUE), sample_catalogue=True,
    )  # fmt: skip


def test_the_rules_table_shows_each_kind_on_its_own_row_and_totals_violations_only() -> None:
    table = rules_table(_report("vi"))
    rows = {row.key: [cell.text for cell in row.cells] for row in table.rows if row.key}
    # The rule's name first, its code in the last column (issue 15: codes only in the annex, after names).
    assert rows["SUPPLEMENT_UNWRITTEN"][1:4] == ["Vi phạm", "Trung bình", "2"]
    assert rows["SUPPLEMENT_UNWRITTEN"][-1] == "SUPPLEMENT_UNWRITTEN"
    assert rows["SUPPLEMENT_UNWRITTEN:not_checkable"][1:4] == ["Không kiểm tra được", "Trung bình", "3"]
    total = table.rows[-1]
    assert [cell.text for cell in total.cells][3] == "2"


def test_the_summary_says_what_could_not_be_checked() -> None:
    vi = _report("vi").summary_lines()
    assert any("3 trường hợp không kiểm tra được" in line for line in vi)
    assert any("2 vi phạm" in line for line in vi)
    en = _report("en").summary_lines()
    assert any(line.startswith("3 rule checks could not be made") for line in en)


# -- the mutation audit of reporting/counting.py (2026-12-04): what a surviving mutant showed untested -------
def test_a_unit_s_instant_count_and_average_leave_out_the_time_triggered_rules() -> None:
    rows = [
        # this week (W45): 2 instant, 3 + 5 + 7 time-triggered, 11 not checkable
        ("SUPPLEMENT_UNWRITTEN", "violation", "medium", UNIT, date(2025, 11, 4), 2),
        ("LATE_NO_APOLOGY", "violation", "high", UNIT, date(2025, 11, 4), 3),
        ("APOLOGY_TOO_LATE", "violation", "high", UNIT, date(2025, 11, 5), 5),
        ("MISSED_NEW_DUE_DATE", "violation", "high", UNIT, date(2025, 11, 6), 7),
        ("SUPPLEMENT_UNWRITTEN", "not_checkable", "medium", UNIT, date(2025, 11, 6), 11),
        # the weeks before: 1 instant (W44), 4 + 16 time-triggered (W43), 6 not checkable (W43)
        ("SUPPLEMENT_UNWRITTEN", "violation", "medium", UNIT, date(2025, 10, 29), 1),
        ("MISSED_NEW_DUE_DATE", "violation", "high", UNIT, date(2025, 10, 22), 4),
        ("LATE_NO_APOLOGY", "violation", "high", UNIT, date(2025, 10, 22), 16),
        ("SUPPLEMENT_UNWRITTEN", "not_checkable", "medium", UNIT, date(2025, 10, 22), 6),
    ]
    c = counting.violation_counts(CATALOGUE, Rows(rows, []), WEEK, prior_weeks=4)  # type: ignore[arg-type]
    (unit,) = c.units
    assert (unit.count, unit.instant) == (17, 2)
    assert (unit.previous_8_avg, unit.instant_avg) == (5.25, 0.25)  # 21/4 and 1/4


def test_a_merged_unit_s_violations_and_dossiers_count_for_its_successor() -> None:
    merged, successor = "000.01.01.H99", "000.10.01.H99"  # abolished on 2025-07-01
    rows = [
        ("SUPPLEMENT_UNWRITTEN", "violation", "medium", merged, date(2025, 11, 4), 2),
        ("SUPPLEMENT_UNWRITTEN", "violation", "medium", successor, date(2025, 11, 5), 1),
    ]
    dossiers = [(merged, "violation", 2), (successor, "violation", 1)]
    catalogue = Platform(load_settings()).catalogue
    c = counting.violation_counts(catalogue, Rows(rows, dossiers), WEEK, prior_weeks=4)  # type: ignore[arg-type]
    assert [(u.code, u.count, u.dossiers) for u in c.units] == [(successor, 3, 3)]
    assert c.by_rule_unit == {("SUPPLEMENT_UNWRITTEN", successor): 3}


def test_the_average_reaches_the_eighth_week_before_and_units_come_most_violations_first() -> None:
    rows = [
        ("SUPPLEMENT_UNWRITTEN", "violation", "medium", "U1", date(2025, 11, 4), 2),
        ("SUPPLEMENT_UNWRITTEN", "violation", "medium", "U2", date(2025, 11, 5), 5),
        ("SUPPLEMENT_UNWRITTEN", "violation", "medium", "U1", date(2025, 9, 8), 8),  # W37: 8 weeks before
        ("SUPPLEMENT_UNWRITTEN", "violation", "medium", "U1", date(2025, 9, 7), 100),  # W36: too early
    ]
    c = counting.violation_counts(CATALOGUE, Rows(rows, []), WEEK, prior_weeks=8)  # type: ignore[arg-type]
    assert [(u.code, u.count) for u in c.units] == [("U2", 5), ("U1", 2)]
    assert c.previous_8_avg == 1.0 and c.units[1].previous_8_avg == 1.0  # 8 / 8
