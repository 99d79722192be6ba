"""The week's dashboard: province figures, the indicator 2.1 trend, the worst units, violations by rule
and unit (the reports' own computations: ``reporting.gather``'s forms, ``reporting.api``'s counts), and the
cases by state.

The rates are the forms' own (``ReportingForm.on_time_rate``), so they print as the report prints them:
rebuilt from ``weekly_metrics``' six-decimal rate, 501/1001 showed 50,1 % beside the report's 50,0 %
(review of 2026-12-04). The figures are built once per week and kept for a minute (each is a full
aggregation of the week); the case counts are read at every request.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Generic, TypeVar

from console.service import ConsoleService
from inspections.timeunits import VN_TZ
from inspections.weeks import Week, WeekError, supported_week
from reporting.api import violation_summary
from reporting.gather import handled, lowest_rated, newest_event, week_bounds, week_forms
from reporting.i18n import Texts
from reporting.reach import Maturity, MaturityRule, figures_and_maturity
from reporting.report_json import Names
from warehouse.cases import CaseCounts, case_counts
from warehouse.console_read import reported_weeks

TREND_WEEKS = 6
CACHE_SECONDS = 60.0
#: Weeks kept at most: each distinct ``?week=`` asked would otherwise stay in memory for the console's life.
CACHE_WEEKS = 32


@dataclass(frozen=True, slots=True)
class Dashboard:
    week: Week
    province: dict[str, Any]
    trend: list[tuple[str, float | None]]
    worst: list[dict[str, Any]]
    by_rule: list[dict[str, Any]]
    by_unit: list[dict[str, Any]]
    total: int
    cases: CaseCounts
    #: The newest stored event (``None``: none): a week after it has no activity, only what was left open.
    newest: datetime | None = None

    @property
    def after_the_data(self) -> bool:
        """Whether the week starts after the newest event's day (or nothing is stored): its figures are only
        the dossiers left in progress, not a week of work (review: such weeks read as real)."""
        return self.newest is None or self.newest.astimezone(VN_TZ).date() < self.week.start


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Kept(Generic[K, V]):
    """Values kept ``CACHE_SECONDS`` each, at most ``CACHE_WEEKS`` of them (the one used longest ago goes
    first): each distinct ``?week=`` asked would otherwise stay in memory for the console's life."""

    def __init__(self) -> None:
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K, make: Callable[[], V]) -> V:
        kept = self._items.get(key)
        if kept is not None and time.monotonic() - kept[0] < CACHE_SECONDS:
            value = kept[1]
        else:
            value = make()
            self._items[key] = (time.monotonic(), value)
        self._items.move_to_end(key)
        while len(self._items) > CACHE_WEEKS:
            self._items.popitem(last=False)
        return value

    def __iter__(self) -> Iterator[K]:
        """The keys kept, the one used longest ago first."""
        return iter(self._items)


class Dashboards:
    def __init__(self, service: ConsoleService) -> None:
        self.service = service
        self._cache: _Kept[str, Dashboard] = _Kept()
        self._maturity: _Kept[tuple[str, str, int], Maturity] = _Kept()
        self._hint: _Kept[str, Week] = _Kept()

    def default_week(self) -> Week:
        """The latest week leadership got a report for, or a later one complete in the data (the reports
        lag): it opened on the last week complete at the newest event, W46 beside a report of W47 whose
        Friday held the newest event (review)."""
        reader = self.service.reader
        newest = self.service.run(lambda: newest_event(reader))
        candidates = [Week.last_complete(newest)] if newest is not None else []
        for text in self.service.run(lambda: reported_weeks(reader)):
            try:
                candidates.append(supported_week(text))
            except WeekError:  # a report of a week the console cannot show: not the one to open on
                continue
        if not candidates:
            return Week.containing(self.service.clock())
        return max(candidates, key=lambda week: (week.year, week.number))

    def week_hint(self) -> Week:
        """:meth:`default_week`, kept ``CACHE_SECONDS``: the list's week field suggests it on every page, and
        it reads the newest event of the whole warehouse (a minute late, a suggestion is still right)."""
        return self._hint.get("week", self.default_week)

    def of(self, week: Week) -> Dashboard:
        board = self._cache.get(str(week), lambda: self.service.run(lambda: self._build(week)))
        # The case counts change with every decision: never cached, and live (the cases' state now, not
        # at the week's end as the weekly report counts them).
        from_s, to_s = week_bounds(week)
        now = int(self.service.clock().timestamp()) + 1
        counts = self.service.run(
            lambda: case_counts(self.service.reader, from_s=from_s, to_s=to_s, as_of_s=max(now, to_s))
        )
        return replace(board, cases=counts)

    def maturity(self, week: Week, t: Texts, rule: MaturityRule) -> Maturity:
        """Whether ``week``'s figures are final, as its report and packs judge it (``reach.week_maturity``):
        the dashboard showed a provisional week's figures as if final, beside a report that said they were
        not (review). Kept as long as the week's figures (``CACHE_SECONDS``): it reads every stored event's
        source, and a load that changes it is rare next to the views (diff review)."""
        svc = self.service

        def judged() -> Maturity:
            return svc.run(
                lambda: figures_and_maturity(t, svc.catalogue, svc.reader, week, rule, svc.clock())
            )[1]

        return self._maturity.get((str(week), t.lang, rule.days), judged)

    def _build(self, week: Week) -> Dashboard:
        svc = self.service
        forms = week_forms(svc.catalogue, svc.reader, week)
        trend = [
            (str(earlier), week_forms(svc.catalogue, svc.reader, earlier).province.on_time_rate)
            for earlier in week.history(TREND_WEEKS)[:-1]
        ]
        province = {**forms.province.to_json_dict(), "on_time_rate": forms.province.on_time_rate}
        trend.append((str(week), province["on_time_rate"]))
        counts = violation_summary(svc.catalogue, svc.reader, week)
        names = Names(svc.catalogue)
        worst = [
            {"unit_code": r.code, "name": names.unit(r.code, short=False),
             "on_time_rate": r.form.on_time_rate, "dossiers_counted": handled(r.form)}
            for r in lowest_rated(forms.units, 5)
        ]  # fmt: skip
        return Dashboard(
            week=week,
            province=province,
            trend=trend,
            worst=worst,
            by_rule=[r for r in counts["by_rule"] if r["count"]],
            by_unit=[u for u in counts["by_unit"] if u["count"]],
            total=int(counts["total"]),
            cases=CaseCounts(0, 0, 0, 0, 0, 0),
            newest=newest_event(svc.reader),
        )
