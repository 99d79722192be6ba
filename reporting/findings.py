""" "Nhận định chính" and "Kiến nghị": what a chairman reads first, written from the figures.

Pure functions of a finished ``WeeklyReport`` (no warehouse, no settings), so the sentences are tested on
made-up weeks. The key findings are 4–5 sentences: the worst unit and its change, the most frequent
violation, the week against the average of the weeks before (like with like: a provisional week compares
only the violations fixed when they occur), and what needs attention. The recommendations follow from
them: the units to inspect, the rules to remind, the overdue dossiers, and rebuilding a provisional week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from inspections.metrics import ReportingForm
from inspections.rounding import half_up
from inspections.rules.legal import CIRCULAR_03
from reporting.gather import handled
from reporting.i18n import Texts, percent_digits
from reporting.model import TIME_TRIGGERED, WeeklyReport, relative_change
from reporting.tables import small_base
from reporting.violation_tables import comparable

#: Units named in one sentence at most (the rest are in the annex).
MAX_UNITS = 3
#: Rules named in the reminder at most.
MAX_RULES = 3
#: Rules named in "Chấn chỉnh…" at most: the most frequent, and those tied with the last of them, then "và n
#: quy định khác" (every rule at one violation each listed them all).
MAX_REMINDED = 6


@dataclass(frozen=True, slots=True)
class UnitRate:
    """A unit's on-time rate this week and the week before (``None``: no dossier counted then)."""

    code: str
    rate: float
    previous: float | None
    handled: int = 0  # dossiers indicator 2.1 counted (``gather.handled``)


def worst_units(report: WeeklyReport) -> list[UnitRate]:
    """The ranked units with the lowest on-time rate (all of them when several share it; the ranking's
    last first), each with last week's rate."""
    ranked = [r for r in report.ranking if r.rank is not None and r.form.on_time_rate is not None]
    if not ranked:
        return []
    lowest = ranked[-1].form.on_time_rate
    out = []
    for r in reversed(ranked):
        if r.form.on_time_rate != lowest:
            break
        previous: float | None = None
        if len(report.trend) >= 2:
            form = report.trend[-2].units.get(r.code)
            previous = form.on_time_rate if form is not None else None
        assert r.form.on_time_rate is not None
        out.append(UnitRate(r.code, r.form.on_time_rate, previous, handled(r.form)))
    return out


def worst_unit(report: WeeklyReport) -> UnitRate | None:
    """The ranked unit with the lowest on-time rate (the last of the ranking), with last week's rate."""
    worst = worst_units(report)
    return worst[0] if worst else None


def listed(t: Texts, items: Sequence[str], limit: int = MAX_UNITS, *, units: bool = True) -> str:
    """``A, B và C`` — at most ``limit`` items, then "và n đơn vị khác" for units left out."""
    shown = list(items[:limit])
    rest = len(items) - len(shown)
    if rest:  # said, never dropped: five rules tied named three (review)
        return ", ".join(shown) + t("and_more_units" if units else "and_more_rules", n=t.integer(rest))
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + t("list_and") + shown[-1]


def points_change(t: Texts, now: float, before: float) -> str:
    """The change of a rate in percentage points (``tăng 1,2 điểm phần trăm``), between the two rates as
    printed (``Texts.percent``: one decimal, more near 0 % and 100 %, ``percent_digits``): a reader checks it
    against them, and 86,22 % → 87,16 % read "tăng 0,9" beside the table's 86,2 % and 87,2 % (review of
    2026-12-04). Equal as printed is unchanged; the change has as many decimals as the finer of the two."""
    places = (percent_digits(now), percent_digits(before))
    diff = half_up(now, places[0], shift=2) - half_up(before, places[1], shift=2)
    if not diff:
        return t("pp_same")
    return t("pp_up" if diff > 0 else "pp_down", pp=t.decimal(float(abs(diff)), max(places)))


def average_rate(forms: Sequence[ReportingForm]) -> float | None:
    """The mean of the weeks' on-time rates (those with dossiers to handle): "bình quân 4 tuần trước" is the
    average of weekly rates, as a reader checks it against the trend table. That table prints the 7 most
    recent of the ``PRIOR_WEEKS`` (8) weeks averaged, so a reader can check the mean exactly only while the
    history is shorter; the sentence says how many weeks it averaged. Pooling the weeks' counts
    instead (as this did) is no period's index either: a dossier still in progress is in every week's form
    it stays open in, so it counted once per week (review of 2026-12-04: 91,5 % printed beside weekly rates
    of mean 91,9 %)."""
    rates = [rate for f in forms if (rate := f.on_time_rate) is not None]
    return sum(rates) / len(rates) if rates else None


def units_below(report: WeeklyReport) -> list[str]:
    """Ranked units below the province's rate, worst first."""
    province = report.province.on_time_rate
    if province is None:
        return []
    below = [r for r in report.ranking if r.rank is not None and (r.form.on_time_rate or 0.0) < province]
    return [r.code for r in reversed(below)]


def unit_comparison(report: WeeklyReport, code: str) -> tuple[int, float]:
    """A unit's violations and the average it is compared with: all of them against the average of the
    weeks before, or, for a provisional week, those of the rules fixed when they occur against their own
    average (its time-triggered counts are not final)."""
    uc = report.unit_violations(code)
    if report.maturity.provisional:
        return uc.instant, uc.instant_avg
    return uc.count, uc.previous_8_avg


def _valid_to(report: WeeklyReport, code: str) -> date | None:
    """The day a unit stops being in force (its catalogue ``valid_to``; ``None``: it does not)."""
    unit = report.names.catalogue.unit(code)
    return unit.valid_to if unit is not None else None


def ended_on(report: WeeklyReport, code: str) -> date | None:
    """The day a unit stopped being in force (its ``valid_to``), if it did by the report's date: the 2025
    reform ended the district level on 1/7/2025, and the W27 report sent the chairman to inspect two of
    them on site (review)."""
    end = _valid_to(report, code)
    return end if end is not None and end <= report.header.issued_on else None


def unit_named(report: WeeklyReport, code: str, note: str = "") -> str:
    """A unit's name in the findings, with the day it stopped being in force when it has, and ``note`` in
    the same parentheses (one pair after a name, not two)."""
    t, name, end = report.texts, report.names.unit(code), ended_on(report, code)
    if end is None:
        return f"{name} ({note})" if note else name
    return t("unit_ended", name=name, day=t.day(end), note=f"; {note}" if note else "")


def ending_on(report: WeeklyReport, code: str) -> date | None:
    """The day a unit stops being in force, if a reform abolishes it after the report's date: a report of
    the week before the 1/7/2025 reform sent the chairman to inspect district committees that were gone
    days later (review). The recommendation says when, and where to go after (its ``successor``)."""
    end = _valid_to(report, code)
    return end if end is not None and end > report.header.issued_on else None


def _ending(report: WeeklyReport, code: str) -> str:
    """What a recommendation adds to a unit to inspect that :func:`ending_on` finds ending: ``""`` else."""
    end = ending_on(report, code)
    if end is None:
        return ""
    t = report.texts
    unit = report.names.catalogue.unit(code)
    successor = unit.successor if unit is not None else None
    if successor is None:
        return t("r_unit_ending_alone", day=t.day(end))
    return t("r_unit_ending", day=t.day(end), successor=report.names.unit(successor))


def units_to_inspect(report: WeeklyReport) -> list[str]:
    """Units below the province's rate, then units whose violations exceed their average of the weeks
    before by the most (like with like: ``unit_comparison``; none without weeks of data before); at most
    ``MAX_UNITS``, each once; never a unit no longer in force (no desk to visit: :func:`ended_on`)."""
    chosen = [code for code in units_below(report) if ended_on(report, code) is None][:MAX_UNITS]
    compared = [(u.code, *unit_comparison(report, u.code)) for u in report.violations.units
                if ended_on(report, u.code) is None]  # fmt: skip
    rising = sorted(
        (c for c in compared if report.prior_weeks and c[1] > c[2] and c[1] > 0),
        key=lambda c: (-(c[1] - c[2]), c[0]),
    )
    for code, _count, _avg in rising:
        if len(chosen) >= MAX_UNITS:
            break
        if code not in chosen:
            chosen.append(code)
    return chosen


def frequent_rules(report: WeeklyReport) -> list[str]:
    """The week's most frequent violations (rule ids, most first; ties by the rulebook's order)."""
    rules = [r for r in report.violations.rules if r.kind == "violation" and r.count > 0]
    rules.sort(key=lambda r: -r.count)  # stable: the rulebook's order among equals
    return [r.rule_id for r in rules]


def _names(report: WeeklyReport, codes: Sequence[str]) -> str:
    return listed(report.texts, [unit_named(report, code) for code in codes])


def rate_mark(report: WeeklyReport, *, inside: bool = False) -> str:
    """`` (tạm tính)`` after a rate of a week whose own data may be incomplete (``Maturity.incomplete``);
    ``, tạm tính`` ``inside`` parentheses."""
    if not report.maturity.incomplete:
        return ""
    mark = report.texts("provisional_mark")
    return f", {mark}" if inside else f" ({mark})"


def _worst_sentence(report: WeeklyReport) -> str | None:
    t = report.texts
    worst = worst_units(report)
    if not worst:
        return None
    mark = rate_mark(report, inside=True)
    if len(worst) > 1:
        mark = rate_mark(report)
        named = [unit_named(report, w.code, _few(t, w, "f_few_dossiers")) for w in worst]
        return t("f_worst_tied", units=listed(t, named), rate=t.percent(worst[0].rate), mark=mark)
    (one,) = worst
    name, rate = unit_named(report, one.code), t.percent(one.rate) + _few(t, one, "f_of_few_dossiers")
    if one.previous is None:
        return t("f_worst_new", unit=name, rate=rate, mark=mark)
    return t("f_worst", unit=name, rate=rate, mark=mark, change=points_change(t, one.rate, one.previous))


def _few(t: Texts, unit: UnitRate, key: str) -> str:
    """How many dossiers a rate of fewer than ``SMALL_BASE`` is of, said beside it (the annexes mark such
    a rate): the headline named two abolished districts at 0,0 % of 1 and 3 dossiers as the province's
    lowest, read as firm as a rate of hundreds (review)."""
    return t(key, n=t.integer(unit.handled)) if small_base(unit.handled) else ""


def _top_rule_sentence(report: WeeklyReport) -> str:
    t = report.texts
    top = frequent_rules(report)
    if not top:
        return t("f_no_violations")
    counts = {r.rule_id: r for r in report.violations.rules if r.kind == "violation"}
    most = counts[top[0]].count
    tied = [rule_id for rule_id in top if counts[rule_id].count == most]
    marked = report.maturity.provisional and any(rule_id in TIME_TRIGGERED for rule_id in tied)
    mark = f" ({t('provisional_mark')})" if marked else ""
    if len(tied) > 1:
        rules = listed(t, [f"“{t.rule_title(r)}”" for r in tied], MAX_RULES, units=False)
        return t("f_top_rules_tied", rules=rules, count=t.integer(most), mark=mark)
    rule = counts[tied[0]]
    n = report.prior_weeks
    title, count = t.rule_title(rule.rule_id), t.integer(most)
    if n and not comparable(
        report, rule
    ):  # a provisional week's time-limit rule: not compared, as the tables
        return t("f_top_rule_uncompared", rule=title, count=count, mark=mark)
    avg = t("avg_n", n=n, avg=t.decimal(rule.previous_8_avg, 1)) if n else t("no_history")
    return t("f_top_rule", rule=title, count=count, avg=avg, mark=mark)


def key_findings(report: WeeklyReport) -> list[str]:
    """The 4–5 sentences of "Nhận định chính" and what the report proposes (one sentence for a week without
    dossiers)."""
    t = report.texts
    if report.empty:
        return [report.empty_note]
    out: list[str] = []
    worst = _worst_sentence(report)
    if worst is not None:
        out.append(worst)
    out.append(_top_rule_sentence(report))
    earlier = report.earlier_forms
    province_rate, avg_rate = report.province.on_time_rate, average_rate(earlier)
    if province_rate is not None and avg_rate is not None:
        out.append(
            t(
                "f_rate_trend",
                rate=t.percent(province_rate),
                mark=rate_mark(report),
                change=points_change(t, province_rate, avg_rate),
                n=len(earlier),
                avg=t.percent(avg_rate),
            )
        )
    if report.maturity.provisional:
        count, _previous, avg = report.instant_counts()
        scope = t("scope_instant")
    else:
        count, avg = report.violations.total, report.violations.previous_8_avg
        scope = t("scope_all")
    if not report.prior_weeks:
        out.append(t("f_violation_no_history", scope=scope, count=t.integer(count)))
    elif count or avg:
        out.append(
            t(
                "f_violation_trend",
                scope=scope,
                count=t.integer(count),
                change=relative_change(t, count, avg, before_average=True),
                n=report.prior_weeks,
                avg=t.decimal(avg, 1),
            )
        )
    out.append(_attention(report))
    proposed = _proposal(report)
    return out[:5] + ([proposed] if proposed else [])


def _proposal(report: WeeklyReport) -> str | None:
    """What the report proposes, in one sentence: the on-site inspections and the overdue dossiers of its
    recommendations (section III); ``None`` when it proposes neither."""
    t = report.texts
    parts = []
    inspect = units_to_inspect(report)
    if inspect:
        parts.append(t("f_propose_inspect", units=_names(report, inspect)))
    if report.province.in_progress_overdue:
        parts.append(t("f_propose_overdue", n=t.integer(report.province.in_progress_overdue)))
    return t("f_propose", what="; ".join(parts)) if parts else None


def _attention(report: WeeklyReport) -> str:
    t = report.texts
    below = units_below(report)
    overdue = report.province.in_progress_overdue
    if below:
        tail = t("f_overdue_tail", n=t.integer(overdue)) if overdue else ""
        return t("f_attention_units", units=_names(report, below), overdue=tail)
    if overdue:
        return t("f_attention_overdue", n=t.integer(overdue))
    return t("f_attention_none")


def recommendations(report: WeeklyReport) -> list[str]:
    """The numbered "Kiến nghị", derived from the findings (at least one)."""
    t = report.texts
    out: list[str] = []
    if report.quality.blocking_failures:
        out.append(t("r_quality"))
    if report.unreached:  # no data in the week: nothing to inspect on, the feeds to check
        return [*out, t("r_no_data")]
    inspect = units_to_inspect(report)
    if inspect:
        named = []
        for code in inspect:
            rate = report.forms.units[code].on_time_rate if code in report.forms.units else None
            count, avg = unit_comparison(report, code)
            key = "r_why_provisional" if report.maturity.provisional else "r_why"
            if not report.prior_weeks:
                key, count = "r_why_no_history", report.unit_violations(code).count
            why = t(
                key, rate=t.percent(rate), count=t.integer(count), avg=t.decimal(avg, 1), n=report.prior_weeks
            )
            if report.maturity.provisional:  # said once, not in parentheses within the parentheses
                why = t("r_why_marked", why=why)
            named.append(f"{report.names.unit(code)} ({why}{_ending(report, code)})")
        out.append(t("r_inspect", units="; ".join(named)))
    ranked = frequent_rules(report)
    rules = ranked[:MAX_RULES]
    if rules:  # and those as frequent as the last named: three rules at 39 were cut at two (review)
        counts = {r.rule_id: r.count for r in report.violations.rules if r.kind == "violation"}
        rules += [r for r in ranked[MAX_RULES:] if counts[r] == counts[rules[-1]]]
        reminded = "; ".join(f"“{t.rule_title(r)}”" for r in rules[:MAX_REMINDED])
        more = len(rules) - MAX_REMINDED
        if more > 0:  # many rules tied (one violation each): the first, and how many more
            reminded += t("and_more_rules", n=t.integer(more))
        out.append(t("r_remind", rules=reminded))
    if report.province.in_progress_overdue:
        key = "r_overdue" if report.header.issued_on >= CIRCULAR_03 else "r_overdue_01/2018"
        out.append(t(key, n=t.integer(report.province.in_progress_overdue)))
    if report.maturity.provisional:
        out.append(t("r_provisional", final_day=t.day(report.maturity.final_on)))
    return out or [t("r_keep")]


def chart_note(report: WeeklyReport, chart: str) -> str:
    """The note under a chart (``trend`` or ``ranking``): what its colours and lines mean."""
    t = report.texts
    if chart == "trend":
        ranked = sum(1 for r in report.ranking if r.rank is not None)
        hollow = t("c_trend_provisional") if report.maturity.provisional else ""
        return t("c_trend_note", n=min(ranked, 4)) + hollow
    return t("c_ranking_note")
