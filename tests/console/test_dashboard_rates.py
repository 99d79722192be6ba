"""The dashboard's percentages are the report's: the forms' own rates, rounded once (review of 2026-12-04:
the console rounded ``weekly_metrics``' six-decimal rate again, 501/1001 showing 50,1 % beside the report's
50,0 %)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console import dashboard
from console.dashboard import Dashboards
from inspections.files.catalogue import load_catalogue
from inspections.metrics import ReportingForm
from inspections.weeks import Week
from reporting.gather import WeekForms
from reporting.i18n import Texts

CATALOGUE = load_catalogue(Path(__file__).parents[2] / "inspections" / "data" / "sample_province.yaml")


def _form(early: int, on_time: int, late: int, within: int = 0, overdue: int = 0) -> ReportingForm:
    return ReportingForm(
        date(2025, 11, 3), date(2025, 11, 10), resolved_early=early, resolved_on_time=on_time,
        resolved_late=late, in_progress_within_time=within, in_progress_overdue=overdue,
    )  # fmt: skip


class _Service:
    catalogue = CATALOGUE
    reader = None

    def run(self, work: object) -> object:
        return work()  # type: ignore[operator]


def _board(monkeypatch: pytest.MonkeyPatch, units: dict[str, ReportingForm]) -> dashboard.Dashboard:
    """The dashboard of a week whose every week has ``units``' forms (the province their sum)."""

    def forms(catalogue: object, reader: object, week: Week) -> WeekForms:
        province = ReportingForm(week.start, week.end)
        for form in units.values():
            province.merge(form)
        return WeekForms(week, province, units, {}, {})

    monkeypatch.setattr(dashboard, "week_forms", forms)
    monkeypatch.setattr(dashboard, "newest_event", lambda reader: None)
    monkeypatch.setattr(
        dashboard,
        "violation_summary",
        lambda catalogue, reader, week: {"by_rule": [], "by_unit": [], "total": 0},
    )
    return Dashboards(_Service())._build(Week(2025, 45))  # type: ignore[arg-type]


def test_the_dashboard_shows_the_report_s_percentages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the dashboard's own assembly: the province tile, the trend and the worst units."""
    form = _form(0, 501, 500)
    assert Texts("vi").percent(form.to_json_dict()["on_time_rate"]) == "50,1 %"  # what it showed
    board = _board(monkeypatch, {"000.10.01.H99": form})
    vi = Texts("vi")
    shown = [vi.percent(board.province["on_time_rate"]), vi.percent(board.worst[0]["on_time_rate"])]
    assert shown + [vi.percent(rate) for _, rate in board.trend] == ["50,0 %"] * (2 + len(board.trend))
    assert len(board.trend) == dashboard.TREND_WEEKS and board.trend[-1][0] == "2025-W45"


def test_the_worst_units_are_the_ranking_s_last(monkeypatch: pytest.MonkeyPatch) -> None:
    """At most five, the last of the ranking first: of two equal rates, the one with fewer dossiers counted
    (the ranking puts it below: review, the list named the busier one the worst); a unit with no dossier
    counted is not rated, so not among them; names from the catalogue (the code when unknown)."""
    units = {
        "000.10.01.H99": _form(0, 1, 1),  # 50 %, 2 counted: ranked below the next one
        "000.10.02.H99": _form(0, 2, 2),  # 50 %, 4 counted
        "000.10.03.H99": _form(0, 0, 3),  # 0 %
        "U4": _form(3, 0, 1),  # 75 %
        "U5": _form(0, 9, 1),  # 90 %
        "U6": _form(0, 0, 0, within=1),  # 100 %: the sixth, left out
        "U7": _form(0, 0, 0),  # nothing counted: unrated
    }
    board = _board(monkeypatch, units)
    assert [(w["unit_code"], w["dossiers_counted"]) for w in board.worst] == [
        ("000.10.03.H99", 3), ("000.10.01.H99", 2), ("000.10.02.H99", 4), ("U4", 4), ("U5", 10),
    ]  # fmt: skip
    assert board.worst[0]["name"] == CATALOGUE.unit("000.10.03.H99").name and board.worst[3]["name"] == "U4"  # type: ignore[union-attr]


def test_the_lowest_rated_units_are_one_list_for_the_dashboard_and_the_run_summary() -> None:
    """The main job's summary broke ties by code alone, the dashboard by dossiers counted first; both are
    the ranking read from its bottom now, as the weekly report names its worst units."""
    from reporting.gather import lowest_rated, rank_units

    units = {"B": _form(0, 1, 1), "A": _form(0, 1, 1), "C": _form(0, 2, 2), "D": _form(0, 0, 0)}
    assert [(r.code, r.rank) for r in rank_units(units) if r.rank] == [("C", 1), ("A", 2), ("B", 2)]
    assert [r.code for r in lowest_rated(units, 5)] == ["B", "A", "C"]
    assert [r.code for r in lowest_rated(units, 1)] == ["B"]


@given(
    st.dictionaries(st.sampled_from("ABCDEFGH"), st.tuples(*[st.integers(0, 4)] * 4), max_size=8),
    st.integers(1, 8),
)
def test_the_worst_units_are_always_the_ranking_s_last(forms: dict[str, tuple[int, ...]], n: int) -> None:
    from reporting.gather import lowest_rated, rank_units

    units = {code: _form(a, b, c, within=d) for code, (a, b, c, d) in forms.items()}
    ranked = {r.code: r.rank for r in rank_units(units) if r.rank is not None}
    worst = [r.code for r in lowest_rated(units, n)]
    assert len(worst) == min(n, len(ranked))
    assert [ranked[code] for code in worst] == sorted((ranked[code] for code in worst), reverse=True)
    if worst:  # none left out ranks below one listed
        assert all(rank <= ranked[worst[-1]] for code, rank in ranked.items() if code not in worst)
