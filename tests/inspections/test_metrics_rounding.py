"""The reporting form's JSON figures are rounded half up, as the report prints them (review of 2026-12-04:
``round`` took 20 × 1/32 = 0.625 to 0.62 in metrics.json beside "0,63" in the report)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from inspections.metrics import PROGRESS_POINTS_766, ReportingForm
from inspections.rounding import half_up, rounded


def _form(good: int, late: int) -> ReportingForm:
    return ReportingForm(date(2025, 11, 3), date(2025, 11, 10), resolved_on_time=good, resolved_late=late)


def test_a_half_rounds_up_in_the_json() -> None:
    figures = _form(1, 31).to_json_dict()  # 1/32 on time: 20 × 0.03125 = 0.625 points
    assert figures["progress_points_766"] == 0.63 and figures["on_time_rate"] == 0.03125
    # 9 of 800: 0,225 points, which 20 times the float rate put below the half (0.22499999999999998).
    assert _form(9, 791).to_json_dict()["progress_points_766"] == 0.23
    assert _form(47, 753).to_json_dict()["progress_points_766"] == 1.18
    assert (
        rounded(0.125, 2) == 0.13 and rounded(-0.125, 2) == -0.13 and rounded(float("inf"), 2) == float("inf")
    )
    assert half_up(0.0725, 1, shift=2) == Decimal("7.3")  # 0.0725 * 100 is 7.249999999999999


def test_the_shares_and_the_average_round_a_half_up_too() -> None:
    """1 online of 128 new is 0.0078125 (exact in binary, so ``round`` took it to even, 0.007812); 1 working
    day over 8 resolved dossiers is 0.125 days (``round``: 0.12)."""
    form = ReportingForm(date(2025, 11, 3), date(2025, 11, 10), new_online=1, new_direct_postal=127)
    assert form.to_json_dict()["share_online"] == 0.007813
    late = ReportingForm(date(2025, 11, 3), date(2025, 11, 10), resolved_late=8)
    late._working_days_sum = 1
    assert late.to_json_dict()["avg_processing_working_days"] == 0.13


@given(st.integers(0, 5000), st.integers(0, 5000))
def test_the_points_are_the_exact_points_rounded_half_up(good: int, late: int) -> None:
    figures = _form(good, late).to_json_dict()
    if good + late == 0:
        assert figures["progress_points_766"] is None
        return
    exact = (Decimal(PROGRESS_POINTS_766) * good / (good + late)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    # The float's shortest decimal is what is rounded: one division of integers gives the float nearest the
    # exact points, whose shortest decimal is the exact one whenever that is a half (x,xx5).
    assert Decimal(repr(figures["progress_points_766"])) == exact
