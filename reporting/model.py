"""The weekly report as data: everything the HTML, PDF and XLSX writers render, gathered once.

The builder takes the catalogue, the header, the warehouse and the week — what the report is made of —
so the writers render a finished ``WeeklyReport`` and nothing reads the warehouse twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inspections.catalogue import Catalogue
from inspections.metrics import ReportingForm
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from reporting import gather
from reporting.header import Letterhead, ReportHeader, letterhead
from reporting.i18n import Texts, short_unit_name
from warehouse.base import Warehouse
from warehouse.load_runs import LoadRun

#: The first-page note when loads did not complete (here, not in ``i18n``, beside the field it words).
_LOAD_WARNING = {
    "vi": "CẢNH BÁO: {n} lần nạp dữ liệu chưa hoàn tất (bị ngắt hoặc đang chạy), lần gần nhất bắt đầu lúc "
    "{started} (mã {run}). Sự kiện và vi phạm của các hồ sơ có thể bị thiếu trong báo cáo này: nạp lại tệp "
    "{sources} (dossier-audit warehouse load TỆP) rồi lập lại báo cáo.",
    "en": "WARNING: {n} data load(s) did not complete (interrupted, or still running), the newest started "
    "{started} (run {run}). Events, and violations of the dossiers loaded, may be missing from this report: "
    "load {sources} again (dossier-audit warehouse load FILE), then rebuild the report.",
}


class Alert(str):
    """A summary line that is a warning: the HTML and PDF writers lift it into a box at the top of page 1
    (the template tells it from the other lines by its ``alert`` attribute); elsewhere (the XLSX) it reads
    as the summary's first line."""

    __slots__ = ()
    alert = True


class Names:
    """Display names of units, fields and procedures from the catalogue (the code when unknown)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def unit(self, code: str, *, short: bool = True) -> str:
        unit = self.catalogue.unit(code)
        if unit is None:
            return code
        return short_unit_name(unit.name) if short else unit.name

    def field(self, code: str) -> str:
        found = self.catalogue.fields.get(code)
        return found.name if found is not None else code

    def procedure(self, code: str) -> str:
        found = self.catalogue.procedure(code)
        return found.name if found is not None else code


@dataclass(frozen=True)
class WeeklyReport:
    """The gathered content of one weekly report."""

    lang: str
    week: Week
    header: Letterhead
    forms: gather.WeekForms
    ranking: list[gather.RankedUnit]
    trend: list[gather.TrendPoint]
    violations: gather.ViolationCounts
    quality: gather.Quality
    names: Names
    sample_catalogue: bool
    #: Loads that did not complete and no later load finished (newest first): see ``load_warning``.
    unfinished_loads: tuple[LoadRun, ...] = ()

    @property
    def texts(self) -> Texts:
        return Texts(self.lang)

    @property
    def province(self) -> ReportingForm:
        return self.forms.province

    @property
    def empty(self) -> bool:
        """No dossier was received, carried over or handled in the week."""
        return self.province.received_total == 0

    @property
    def title(self) -> str:
        t = self.texts
        return t(
            "title",
            number=f"{self.week.number:02d}",
            year=self.week.year,
            start=t.day(self.week.start),
            sunday=t.day(self.week.sunday),
        )

    @property
    def load_warning(self) -> Alert | None:
        """The first-page note when loads did not complete (``None`` when every load did)."""
        if not self.unfinished_loads:
            return None
        newest = self.unfinished_loads[0]
        sources = list(dict.fromkeys(run.source for run in self.unfinished_loads))  # newest first, once each
        return Alert(
            _LOAD_WARNING[self.lang].format(
                n=len(self.unfinished_loads),
                started=newest.started_at.astimezone(VN_TZ).strftime(
                    "%H:%M ngày %d/%m/%Y" if self.lang == "vi" else "%Y-%m-%d %H:%M (UTC+07:00)"
                ),
                run=newest.run_id,
                sources=", ".join(sources[:5]) + (", …" if len(sources) > 5 else ""),
            )
        )

    def unit_violations(self, code: str) -> gather.UnitCount:
        for uc in self.violations.units:
            if uc.code == code:
                return uc
        return gather.UnitCount(code)

    def summary_lines(self) -> list[str]:
        """The summary paragraph, sentence by sentence; first the ``load_warning`` (an ``Alert``) if any."""
        t, p, v = self.texts, self.province, self.violations
        lines: list[str] = [self.load_warning] if self.load_warning else []
        if self.empty:
            lines.append(t("empty_week"))
        else:
            lines += [
                t(
                    "sum_received",
                    total=t.integer(p.received_total),
                    carried=t.integer(p.carried_over),
                    new=t.integer(p.new_online + p.new_direct_postal),
                    online=t.integer(p.new_online),
                ),
                t(
                    "sum_resolved",
                    resolved=t.integer(p.resolved_total),
                    early=t.integer(p.resolved_early),
                    on_time=t.integer(p.resolved_on_time),
                    late=t.integer(p.resolved_late),
                    in_progress=t.integer(p.in_progress_total),
                    overdue=t.integer(p.in_progress_overdue),
                ),
                t("sum_rate", rate=t.percent(p.on_time_rate), points=t.decimal(p.progress_points_766)),
            ]
        if v.total or v.previous_total:
            lines.append(
                t(
                    "sum_violations",
                    total=t.integer(v.total),
                    dossiers=t.integer(v.dossiers),
                    previous=t.integer(v.previous_total),
                    change=t.change(v.total, v.previous_total),
                )
            )
        elif not self.empty:
            lines.append(t("no_violations"))
        if v.findings:
            lines.append(t("sum_findings", n=t.integer(v.findings)))
        if v.not_checkable:
            lines.append(t("sum_not_checkable", n=t.integer(v.not_checkable)))
        return lines

    def quality_line(self) -> str:
        t, q = self.texts, self.quality
        if not q.checked:
            return t("quality_not_checked")
        if not q.failed:
            return t("quality_ok", n=len(q.results))
        return t(
            "quality_some_failed", failed=len(q.failed), n=len(q.results), blocking=len(q.blocking_failures)
        )


def build_report(catalogue: Catalogue, header: ReportHeader, wh: Warehouse, week: Week) -> WeeklyReport:
    """Gather everything the weekly report shows, in ``header.lang``."""
    forms = gather.week_forms(catalogue, wh, week)
    points = gather.trend(catalogue, wh, week.previous(), gather.TREND_WEEKS - 1, units_of=week)
    points.append(gather.TrendPoint(week, forms.province, forms.units))
    return WeeklyReport(
        lang=header.lang,
        week=week,
        header=letterhead(header, week),
        forms=forms,
        ranking=gather.rank_units(forms.units),
        trend=points,
        violations=gather.violation_counts(catalogue, wh, week),
        quality=gather.quality(wh, week),
        names=Names(catalogue),
        sample_catalogue=catalogue.meta.sample,
        unfinished_loads=tuple(gather.unfinished_loads(wh)),
    )


# -- JSON -------------------------------------------------------------------------------------------------
def metrics_json(week: Week, forms: gather.WeekForms, names: Names) -> dict[str, Any]:
    """``weekly_metrics``: the forms per unit, field and procedure, indicator 2.1 and the ranking."""
    ranking = gather.rank_units(forms.units)
    return {
        "week": str(week),
        "period": {"from": week.start.isoformat(), "to": week.end.isoformat()},
        "empty": forms.province.received_total == 0,
        "province": forms.province.to_json_dict(),
        "units": {code: f.to_json_dict() for code, f in forms.units.items()},
        "fields": {code: f.to_json_dict() for code, f in forms.fields.items()},
        "procedures": {code: f.to_json_dict() for code, f in sorted(forms.procedures.items())},
        "progress_points_766": {
            "province": forms.province.to_json_dict()["progress_points_766"],
            "units": {code: f.to_json_dict()["progress_points_766"] for code, f in forms.units.items()},
        },
        "ranking": [
            {
                "rank": r.rank,
                "unit_code": r.code,
                "name": names.unit(r.code, short=False),
                "dossiers_counted": gather.handled(r.form),
                "on_time_rate": r.form.to_json_dict()["on_time_rate"],
                "progress_points_766": r.form.to_json_dict()["progress_points_766"],
            }
            for r in ranking
        ],
        "ranking_method": "on-time rate (indicator 2.1) descending; ties: more dossiers counted first; "
        "units with no dossier counted are unranked",
        "names": {
            "units": {code: names.unit(code, short=False) for code in forms.units},
            "fields": {code: names.field(code) for code in forms.fields},
            "procedures": {code: names.procedure(code) for code in sorted(forms.procedures)},
        },
    }


def violations_json(counts: gather.ViolationCounts, names: Names) -> dict[str, Any]:
    """``violation_summary``: the week's open violations by rule and unit with week-on-week change."""
    vi, en = Texts("vi"), Texts("en")
    week = counts.week
    return {
        "week": str(week),
        "period": {"from": week.start.isoformat(), "to": week.end.isoformat()},
        "total": counts.total,
        "previous_total": counts.previous_total,
        "change": counts.total - counts.previous_total,
        "previous_8_weeks_avg": counts.previous_8_avg,
        "dossiers": counts.dossiers,
        "findings": counts.findings,
        "not_checkable": counts.not_checkable,
        "by_rule": [
            {
                "rule_id": r.rule_id,
                "title_vi": vi.rule_title(r.rule_id),
                "title_en": en.rule_title(r.rule_id),
                "kind": r.kind,
                "severity": r.severity,
                "count": r.count,
                "previous": r.previous,
                "change": r.count - r.previous,
                "previous_8_weeks_avg": r.previous_8_avg,
            }
            for r in counts.rules
        ],
        "by_unit": [
            {
                "unit_code": u.code,
                "name": names.unit(u.code, short=False),
                "count": u.count,
                "previous": u.previous,
                "change": u.count - u.previous,
                "previous_8_weeks_avg": u.previous_8_avg,
                "dossiers": u.dossiers,
                "findings": u.findings,
                "not_checkable": u.not_checkable,
            }
            for u in counts.units
        ],
        "by_rule_unit": [
            {"rule_id": rule_id, "unit_code": unit, "count": n}
            for (rule_id, unit), n in sorted(counts.by_rule_unit.items())
        ],
        "counting": "open violations (violations FINAL, state 'open': the newest record of each dossier, "
        "rule and trigger event, whichever producer wrote it), in the week their occurred_at falls in "
        "(Asia/Ho_Chi_Minh); units merged by a reform count for their successor; findings apart; rules not "
        "checkable (kind not_checkable: a source system cannot provide a field the rule needs) apart, and "
        "by_rule lists a rule once per kind",
    }
