"""The dashboard's percentages are the report's: from the form's counts, rounded once (review of
2026-12-04: the console rounded ``weekly_metrics``' six-decimal rate again, 501/1001 showing 50,1 % beside
the report's 50,0 %)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console import dashboard
from console.dashboard import Dashboards, on_time_rate
from inspections.metrics import ReportingForm
from inspections.weeks import Week
from reporting.i18n import Texts

counts = st.integers(0, 3000)


def _form(early: int, on_time: int, late: int, within: int, overdue: int) -> ReportingForm:
    return ReportingForm(
        date(2025, 11, 3), date(2025, 11, 10), resolved_early=early, resolved_on_time=on_time,
        resolved_late=late, in_progress_within_time=within, in_progress_overdue=overdue,
    )  # fmt: skip


def test_a_half_the_six_decimals_made_is_not_rounded_up() -> None:
    form = _form(0, 501, 500, 0, 0)
    assert (
        Texts("vi").percent(on_time_rate(form.to_json_dict()))
        == "50,0 %"
        == Texts("vi").percent(form.on_time_rate)
    )
    assert Texts("vi").percent(form.to_json_dict()["on_time_rate"]) == "50,1 %"  # what it showed
    assert on_time_rate(_form(0, 0, 0, 0, 0).to_json_dict()) is None


@given(counts, counts, counts, counts, counts, st.sampled_from(["vi", "en"]))
def test_the_dashboard_rate_prints_as_the_report_prints_it(
    early: int, on_time: int, late: int, within: int, overdue: int, lang: str
) -> None:
    form = _form(early, on_time, late, within, overdue)
    texts = Texts(lang)
    assert texts.percent(on_time_rate(form.to_json_dict())) == texts.percent(form.on_time_rate)


def test_the_dashboard_shows_the_report_s_percentages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the dashboard's own assembly: the province tile, the trend and the worst units."""
    form = _form(0, 501, 500, 0, 0).to_json_dict()
    metrics = {
        "province": form,
        "units": {"U1": form},
        "ranking": [{"unit_code": "U1", "on_time_rate": form["on_time_rate"], "dossiers_counted": 1001}],
    }
    monkeypatch.setattr(dashboard, "weekly_metrics", lambda catalogue, reader, week: metrics)
    monkeypatch.setattr(
        dashboard,
        "violation_summary",
        lambda catalogue, reader, week: {"by_rule": [], "by_unit": [], "total": 0},
    )

    class Service:
        catalogue = reader = None

        def run(self, work: object) -> object:
            return work()  # type: ignore[operator]

    board = Dashboards(Service())._build(Week(2025, 45))  # type: ignore[arg-type]
    vi = Texts("vi")
    shown = [vi.percent(board.province["on_time_rate"]), vi.percent(board.worst[0]["on_time_rate"])]
    assert shown + [vi.percent(rate) for _, rate in board.trend] == ["50,0 %"] * (2 + len(board.trend))
