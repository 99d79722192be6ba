"""The weekly report's JSON outputs (``weekly_metrics``, ``violation_summary``) and the display names of
units, fields and procedures every output uses."""

from __future__ import annotations

from typing import Any

from inspections.catalogue import Catalogue
from inspections.weeks import Week
from reporting import gather
from reporting.counting import ViolationCounts
from reporting.i18n import Texts, short_unit_name


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


def violations_json(counts: ViolationCounts, names: Names) -> dict[str, Any]:
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
        "prior_weeks_with_data": counts.prior_weeks,
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
        "(Asia/Ho_Chi_Minh); the averages of the weeks before divide by the weeks with dossiers to handle "
        "among the 8 before (prior_weeks_with_data; 0: no average), the weeks the on-time rate's average "
        "pools; units merged by a reform count for their successor; "
        "findings apart; rules not checkable (kind not_checkable: a source system cannot provide a field "
        "the rule needs) apart, and by_rule lists a rule once per kind",
    }
