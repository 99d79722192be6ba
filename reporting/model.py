"""The weekly report as data: everything the HTML, PDF and XLSX writers render, gathered once.

The builder takes the catalogue, the header, the warehouse and the week — what the report is made of —
so the writers render a finished ``WeeklyReport`` and nothing reads the warehouse twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from inspections.calendar import WorkingCalendar
from inspections.catalogue import Catalogue
from inspections.classification import local_midnight
from inspections.metrics import ReportingForm
from inspections.rulebook import TIME_TRIGGERED
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from reporting import counting, gather
from reporting.calendar_note import CalendarNote, calendar_note
from reporting.counting import relative_change
from reporting.header import Letterhead, ReportHeader, letterhead
from reporting.i18n import Texts
from reporting.reach import Maturity, MaturityRule, unreached, week_figures, week_maturity
from reporting.report_json import Names
from reporting.rulebook_note import rulebook_lines, week_rulebook_versions
from warehouse.base import Warehouse
from warehouse.cases import CaseCounts
from warehouse.load_runs import LoadRun

__all__ = ["TIME_TRIGGERED", "Alert", "Maturity", "Names", "WeeklyReport", "build_report", "relative_change"]

#: The first-page note when loads did not complete (here, not in ``i18n``, beside the field it words).
_LOAD_WARNING = {
    "vi": "CẢNH BÁO: {n} lần nạp dữ liệu chưa hoàn tất (bị ngắt, hoặc đang chạy khi lập báo cáo), lần gần "
    "nhất bắt đầu lúc {started} (mã {run}). Sự kiện và vi phạm của các hồ sơ có thể bị thiếu trong báo cáo "
    "này: lần nạp còn chạy thì chờ nó kết thúc, bị ngắt thì nạp lại tệp {sources} (dossier-audit warehouse "
    "load TỆP), rồi lập lại báo cáo.",
    "en": "WARNING: {n} data load(s) did not complete (interrupted, or running while this report was built), "
    "the newest started {started} (run {run}). Events, and violations of the dossiers loaded, may be missing "
    "from this report: wait for a load still running to end, or load {sources} again (dossier-audit "
    "warehouse load FILE), then rebuild the report.",
}


class Alert(str):
    """A summary line that is a warning: the HTML and PDF writers lift it into a box at the top of page 1
    (the template tells it from the other lines by its ``alert`` attribute); elsewhere (the XLSX) it reads
    as the summary's first line."""

    __slots__ = ()
    alert = True


#: Three working days, counted as calendar days (no calendar): a report built without a header's.
_DEFAULT_MATURITY = MaturityRule()


@dataclass(frozen=True)
class WeeklyReport:
    """The gathered content of one weekly report."""

    lang: str
    week: Week
    header: Letterhead
    forms: gather.WeekForms
    ranking: list[gather.RankedUnit]
    trend: list[gather.TrendPoint]
    violations: counting.ViolationCounts
    quality: gather.Quality
    names: Names
    sample_catalogue: bool
    #: Loads that did not complete and no later load finished (newest first): see ``load_warning``.
    unfinished_loads: tuple[LoadRun, ...] = ()
    #: How far the data reach (``None``: no data), for ``maturity``: the lowest of the feeds' newest event
    #: times at or before the as-of instant, of the feeds the week waits for (``reporting.reach``).
    data_through: datetime | None = None
    #: The feed that lags most, in words ("" when the data reach the day the week is final): named in the
    #: provisional box, for the operator to chase.
    lagging_feed: str = ""
    #: The newest of the feeds' newest events: whether another feed went where the lagging one has not.
    data_ahead: datetime | None = None
    #: The province's forms of the ``counting.PRIOR_WEEKS`` weeks before, oldest first: the weeks every
    #: average divides by are those with dossiers to handle (empty: the trend's weeks before, see
    #: :attr:`earlier_forms`).
    prior_forms: tuple[ReportingForm, ...] = ()
    #: When the week's figures are final (the header's: ``report_maturity_days`` working days after it).
    maturity_rule: MaturityRule = _DEFAULT_MATURITY
    #: The inspectors' handling of the week's violations in the console (``None``: no case yet).
    cases: CaseCounts | None = None
    #: The oldest stored event (``None``: none): an empty week before it was never loaded, which
    #: :attr:`empty_note` tells from a week without dossiers.
    data_from: datetime | None = None
    #: The years the week's due dates reach on the statutory pattern, and its unconfirmed days off.
    calendar: CalendarNote = field(default_factory=CalendarNote)
    #: (rulebook version, open violations) of the week's verdicts (``rulebook_note``).
    rulebook_versions: tuple[tuple[str, int], ...] = ()
    #: Its edition code, on every page of every file (``reporting.editions``; ``None`` until known).
    edition: str | None = None

    @property
    def texts(self) -> Texts:
        return Texts(self.lang)

    @property
    def team_name(self) -> str:
        """The issuing team as a sentence names it: the default team in its proper case, a configured one
        exactly as configured (its case is the issuer's to choose: proper nouns stay as they are)."""
        t = self.texts
        return t("default_team_name") if self.header.team == t("default_team") else self.header.team

    @property
    def province(self) -> ReportingForm:
        return self.forms.province

    @property
    def empty(self) -> bool:
        """No dossier was received, carried over or handled in the week, or no data reach into it
        (:attr:`unreached`): either way it has no figures to show."""
        return self.province.received_total == 0 or self.unreached

    @property
    def unreached(self) -> bool:
        """No feed's data reach into the week: the newest stored event is before its first instant. Its
        form would count the dossiers still open when the feeds stopped as overdue, and its findings send
        inspectors to units on no evidence (review of the documents, 2026-12-07: a week after a feed
        outage read "1,1 % on time, 174 overdue" and proposed three communes for inspection)."""
        return unreached(self.week, self._newest)

    @property
    def _newest(self) -> datetime | None:
        """The newest stored event of any feed (``data_ahead``), else how far all reach (``data_through``)."""
        return self.data_ahead or self.data_through

    @property
    def data_cutoff(self) -> str | None:
        """The cut-off sentence ("Số liệu tính đến 00 giờ 00 ngày 24/07/2025."), under the introduction of
        the PDF and the HTML alike (the HTML had none: review of 2026-12-04); ``None`` without figures."""
        if self.data_through is None or self.never_loaded:  # no figures to date
            return None
        t, local = self.texts, self.data_through.astimezone(VN_TZ)
        said = t("data_cutoff", time=t.clock(local), day=t.day(local.date()))
        ahead = self.data_ahead
        if self.lagging_feed and ahead is not None and ahead > self.data_through:
            # A feed lags while another went further: the annex's freshness check names that newest event,
            # a later time the reader set against this one without a word why (review of 2026-12-04). Only
            # then: a final week's cut-off is the day it became final, whatever the feeds sent after it.
            newest = ahead.astimezone(VN_TZ)
            said += " " + t("data_cutoff_ahead", time=t.clock(newest), day=t.day(newest.date()))
        if self.data_through < local_midnight(self.week.end):  # the week's own data stop short of its end:
            return said  # what they lack is the provisional box's to say, not "as they stood at its end"
        return said + " " + t("data_cutoff_judged", last=t.day(self.week.sunday))

    @property
    def empty_note(self) -> str:
        """What an empty week's report says instead of its figures: no dossier in the week, or, when the
        warehouse holds nothing before the week's end, that the week was never loaded (review of
        2026-12-04: "no dossiers this week", final, for a week months before the first loaded event)."""
        t = self.texts
        if self.data_from is None:
            return t("empty_no_data")
        newest = self._newest
        if self.unreached and newest is not None:
            local = newest.astimezone(VN_TZ)
            return t("empty_not_reached", time=t.clock(local), day=t.day(local.date()))
        if self.never_loaded:
            return t("empty_not_loaded", day=t.day(self.data_from.astimezone(VN_TZ).date()))
        return t("empty_week")

    @property
    def never_loaded(self) -> bool:
        """An empty week before the oldest stored event (or of an empty warehouse), or after the newest
        (:attr:`unreached`): nothing was loaded for it, so it has no figures, not zeros."""
        before = self.data_from is None or self.data_from >= local_midnight(self.week.end)
        return self.empty and (before or self.unreached)

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
    def subject(self) -> str:
        """The title without its document type: the subject line under "BÁO CÁO"."""
        return self.title.removeprefix(self.texts("doc_type")).strip()

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

    @property
    def maturity(self) -> Maturity:
        """Whether the week's figures are final (``week_maturity``)."""
        return week_maturity(
            self.texts, self.week, self.data_through, self.maturity_rule, bool(self.unfinished_loads),
            self.lagging_feed, self.data_ahead,
        )  # fmt: skip

    @property
    def provisional_note(self) -> Alert | None:
        """The first-page box of a provisional week (``None`` for final figures)."""
        m = self.maturity
        if not m.provisional:
            return None
        final_day = self.texts.day(m.final_on)
        return Alert(self.texts("provisional_box", reasons=m.reasons_text, final_day=final_day))

    @property
    def earlier_forms(self) -> list[ReportingForm]:
        """The province's forms of the weeks before that had dossiers to handle: the weeks the on-time rate
        is averaged over (``findings.average_rate``), the same as the violations' averages
        (:attr:`prior_weeks` of them)."""
        forms = self.prior_forms or tuple(p.province for p in self.trend[:-1])
        return [f for f in forms if gather.handled(f)]

    @property
    def prior_weeks(self) -> int:
        """The weeks with data among the 8 before: the divisor of every violation average (0: none)."""
        return self.violations.prior_weeks

    def instant_counts(self) -> tuple[int, int, float]:
        """The violations of the rules fixed when they occur (not ``TIME_TRIGGERED``) this week, the week
        before and on average over the weeks before with data: the part of a provisional week that compares
        like with like (the sentences and the tables' "of which" rows)."""
        rules = [
            r for r in self.violations.rules if r.kind == "violation" and r.rule_id not in TIME_TRIGGERED
        ]
        average = counting.average_of(rules, self.prior_weeks)
        return sum(r.count for r in rules), sum(r.previous for r in rules), average

    def unit_violations(self, code: str) -> counting.UnitCount:
        for uc in self.violations.units:
            if uc.code == code:
                return uc
        return counting.UnitCount(code)

    def summary_lines(self) -> list[str]:
        """The summary paragraph, sentence by sentence; first the ``load_warning`` (an ``Alert``) if any."""
        lines: list[str] = [self.load_warning] if self.load_warning else []
        return lines + self.handling_lines() + self.violation_lines()

    def handling_lines(self) -> list[str]:
        """Dossiers received and handled, and indicator 2.1 defined with its own figures; then what the
        calendar their due dates were counted with leaves open (``calendar_note``), if anything."""
        t, p = self.texts, self.province
        if self.empty:
            return [self.empty_note]
        return [
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
            t(
                "rate_definition",
                early=t.integer(p.resolved_early),
                on_time=t.integer(p.resolved_on_time),
                within=t.integer(p.in_progress_within_time),
                resolved=t.integer(p.resolved_total),
                in_progress=t.integer(p.in_progress_total),
                rate=t.percent(p.on_time_rate),
                points=t.decimal(p.progress_points_766),
            ),
            *self.calendar.lines(self.lang),
        ]

    def violation_lines(self) -> list[str]:
        """The week's violations (compared like with like), findings and rules not checkable; then the
        rulebook versions that judged them, when more than one (``rulebook_note``)."""
        t, v = self.texts, self.violations
        lines: list[str] = []
        # Nothing to look at, rather than nothing found (nor fewer); in a week no data reach, what a clock
        # found is judged on data that stopped before it (last read of 2026-12-07).
        if self.unreached or (self.never_loaded and not v.total):
            lines.append(t("no_data_violations"))
        elif v.total or v.previous_total or v.previous_8_avg:
            lines.append(self._violations_line())
        else:  # an empty week too: its section II says so rather than nothing (review of 2026-12-04)
            lines.append(t("no_violations"))
        if v.findings:
            lines.append(t("sum_findings", n=t.integer(v.findings)))
        if v.not_checkable:
            lines.append(t("sum_not_checkable", n=t.integer(v.not_checkable)))
        return lines + rulebook_lines(self.rulebook_versions, self.lang)

    def _violations_line(self) -> str:
        """The week's violations against the average of the weeks before with data; a provisional week
        compares only the rules fixed when they occur (its time-triggered counts are not final); with no
        week of data before, no comparison."""
        t, v = self.texts, self.violations
        if not self.prior_weeks:
            key = (
                "sum_violations_no_history_provisional"
                if self.maturity.provisional
                else ("sum_violations_no_history")
            )
            return t(key, total=t.integer(v.total), dossiers=t.integer(v.dossiers))
        if self.maturity.provisional:
            instant, _previous, avg = self.instant_counts()
            return t(
                "sum_violations_provisional",
                total=t.integer(v.total),
                dossiers=t.integer(v.dossiers),
                instant=t.integer(instant),
                avg=t.decimal(avg, 1),
                change=relative_change(t, instant, avg, before_average=True),
                n=self.prior_weeks,
            )
        return t(
            "sum_violations_final",
            total=t.integer(v.total),
            dossiers=t.integer(v.dossiers),
            n=self.prior_weeks,
            avg=t.decimal(v.previous_8_avg, 1),
            change=relative_change(t, v.total, v.previous_8_avg),
            previous=t.integer(v.previous_total),
        )

    @property
    def unit_violations_note(self) -> str | None:
        """Under the violations by unit of a provisional week compared with weeks before: why its comparisons
        are "—" (three empty columns, where Kiến nghị 1 quoted each unit's comparable figures: review of
        2026-12-04); ``None`` otherwise."""
        if not (self.maturity.provisional and self.prior_weeks):
            return None
        return self.texts("unit_violations_provisional")

    @property
    def quality_scopes(self) -> str | None:
        """Under the checks' table: what each one counts, whose totals differ (10.079 events here, 14.482
        there, 464 violation rows beside the report's 462 violations: review of 2026-12-04); ``None`` when
        no check ran."""
        return self.texts("quality_scopes") if self.quality.checked and self.quality.results else None

    def quality_line(self) -> str:
        t, q = self.texts, self.quality
        if not q.checked:
            return t("quality_not_checked")
        stale = t("quality_stale", at=t.instant(q.loaded_since)) + " " if q.loaded_since else ""
        if not q.failed:
            return stale + t("quality_ok", n=len(q.results))
        failed, blocking = len(q.failed), len(q.blocking_failures)
        return stale + t("quality_some_failed", failed=failed, n=len(q.results), blocking=blocking)


def build_report(
    catalogue: Catalogue,
    header: ReportHeader,
    wh: Warehouse,
    week: Week,
    *,
    as_of: datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> WeeklyReport:
    """Gather everything the weekly report shows, in ``header.lang``; the data's reach is judged at
    ``as_of`` (default: now), events after it left out. ``calendar``: the one the process judges with, for
    the calendar note (default: the warehouse's newest snapshot)."""
    began, loading = datetime.now(UTC), gather.unfinished_loads(wh)  # see ``gather.loads_around``
    forms = gather.week_forms(catalogue, wh, week)
    # Every average of the report is over the same weeks: those of the ``PRIOR_WEEKS`` before with dossiers
    # to handle; the trend shows all of them, and this week, so that "the average of the 8 weeks before"
    # can be checked in it (it showed 7: the 8th week's rate was in the average and nowhere else: review).
    before = gather.trend(catalogue, wh, week.previous(), counting.PRIOR_WEEKS, units_of=week)
    prior = [p.province for p in before]
    points = [*before, gather.TrendPoint(week, forms.province, forms.units)]
    # How far the figures reach, up to the instant the week's figures are final: the report of a final week
    # is the same whatever day it is made again (a retry, a backfill months later: same date, same bytes).
    figures = week_figures(catalogue, wh, week, header.maturity, as_of or datetime.now(UTC))
    return WeeklyReport(
        lang=header.lang,
        week=week,
        header=letterhead(header, week, figures.through),
        forms=forms,
        ranking=gather.rank_units(forms.units),
        trend=points,
        violations=counting.violation_counts(
            catalogue, wh, week, prior_weeks=sum(gather.handled(f) > 0 for f in prior)
        ),
        prior_forms=tuple(prior),
        quality=gather.quality(wh, week),
        names=Names(catalogue),
        sample_catalogue=catalogue.meta.sample,
        unfinished_loads=gather.loads_around(wh, loading, began),
        data_through=figures.through,
        lagging_feed=figures.lagging,
        data_ahead=figures.ahead,
        maturity_rule=header.maturity,
        cases=gather.week_cases(wh, week),
        data_from=gather.oldest_event(wh),
        calendar=calendar_note(wh, week, calendar, catalogue=catalogue),
        rulebook_versions=week_rulebook_versions(wh, week),
    )
