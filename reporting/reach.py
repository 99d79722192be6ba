"""How far a week's data reach: the newest event of the feed that lags most (``warehouse.feeds``), among
the feeds the week still waits for; and so whether the week's figures are final (:func:`week_maturity`).

A feed is an event's source system, or its unit when the event names none. A unit abolished (merged into
another, its ``valid_to``) by the day the week's figures become final sends nothing after that day: its
successor does. Its newest event says nothing about how far the week's data reach, and counting it pinned
every later week's reach to the last event before the merger, provisional for ever (review of
2026-12-04). Such a feed is left out; any other counts, so one up-to-date feed still does not hide one that
lags, and the report names the feed that lags most, for the operator to chase.

A week is final a number of *working* days after its end (:class:`MaturityRule`): the events of a week come
in on the days the offices work, and a week before Tết, whose next days are all off, counted three calendar
days, reached its "final" day with no office open since and was never built again (review of the New Year
2027 seat).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from inspections.calendar import CalendarRangeError
from inspections.catalogue import Catalogue
from inspections.classification import local_midnight
from inspections.ports import CalendarPort
from inspections.weeks import Week
from reporting.i18n import Texts
from warehouse.base import Warehouse
from warehouse.feeds import feed_newest
from warehouse.load_runs import unfinished_runs

_UNIT = "unit:"
_SYSTEM = "system:"


_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class MaturityRule:
    """When a week's figures are final: ``days`` working days after its end (``report_maturity_days``), in
    ``calendar`` (without one, or past its last day, calendar days: a test's report, a year not in it).

    With the default 3, an ordinary week is final on Thursday 00:00 and rebuilt Friday 07:00, as before; a
    week followed by days off is final that many working days later (week 2027-W05, before Tết: Wednesday
    17 February rather than Thursday 11 February, a day every office was closed)."""

    days: int = 3
    calendar: CalendarPort | None = None

    def final_on(self, week: Week) -> date:
        """The day from whose 00:00 the week's figures are final: the day after the ``days``-th working day
        from the week's end (its next Monday) on; that Monday for no days."""
        if self.days == 0:
            return week.end
        if self.calendar is not None:
            try:
                return self.calendar.working_day_offset(week.end - _DAY, self.days) + _DAY
            except CalendarRangeError:
                pass
        return week.end + timedelta(days=self.days)

    def final_run_on(self, week: Week) -> date:
        """The day (07:00) the week's final report is built: the day after the first working day from
        :meth:`final_on` on, whose events the offices have sent by then (most feeds reach the final instant
        only with an event of that day: review of 2026-12-04). Friday, for an ordinary week."""
        final = self.final_on(week)
        if self.calendar is not None:
            try:
                if not self.calendar.is_working_day(final):
                    final = self.calendar.working_day_offset(final, 1)
            except CalendarRangeError:
                pass
        return final + _DAY


@dataclass(frozen=True, slots=True)
class Reach:
    """The lowest newest event of the feeds counted (``None``: no event), that feed (``unit:CODE`` or
    ``system:NAME``; ``""`` without one), and the highest (``ahead``): a feed is named as lagging only when
    another has gone where it has not (when every feed stops at the week's end, none lags behind another)."""

    through: datetime | None
    lagging: str = ""
    ahead: datetime | None = None


def week_reach(catalogue: Catalogue, wh: Warehouse, week: Week, rule: MaturityRule, as_of: datetime) -> Reach:
    """How far the data reach for ``week``, events after ``as_of`` left out (``warehouse.feeds``): the feeds
    of units abolished by the day the week becomes final (``rule``) are not waited for; when nothing else is
    left, the newest of them."""
    newest = feed_newest(wh, as_of)
    if not newest:
        return Reach(None)
    final_on = rule.final_on(week)
    waited = {feed: at for feed, at in newest.items() if not _abolished(catalogue, feed, final_on)}
    if not waited:  # every feed is an abolished unit's: the data reach as far as the last of them
        feed = max(newest, key=lambda f: (newest[f], f))
        return Reach(newest[feed], feed, newest[feed])
    feed = min(waited, key=lambda f: (waited[f], f))
    return Reach(waited[feed], feed, max(waited.values()))


@dataclass(frozen=True, slots=True)
class WeekFigures:
    """How far a week's figures reach (:func:`figures_through`), the feed that holds them back by name
    (``""``: none) and the newest feed's newest event: what the weekly report and its packs are dated by
    and judged provisional on (:func:`week_maturity`)."""

    through: datetime | None
    lagging: str
    ahead: datetime | None


def unreached(week: Week, newest: datetime | None) -> bool:
    """Whether no feed's data reach into ``week``: the newest stored event (``newest``: of any feed, else
    how far all reach) is before its first instant. Such a week has no figures, and no packs."""
    return newest is not None and newest < local_midnight(week.start)


def week_figures(
    catalogue: Catalogue, wh: Warehouse, week: Week, rule: MaturityRule, as_of: datetime
) -> WeekFigures:
    """:func:`week_reach` and :func:`figures_through` of ``week``, the lagging feed named
    (:func:`feed_name`)."""
    reach = week_reach(catalogue, wh, week, rule, as_of)
    through, feed = figures_through(reach, week, rule)
    return WeekFigures(through, feed_name(catalogue, feed) if feed else "", reach.ahead)


def figures_and_maturity(
    t: Texts, catalogue: Catalogue, wh: Warehouse, week: Week, rule: MaturityRule, as_of: datetime
) -> tuple[WeekFigures, Maturity]:
    """:func:`week_figures` of ``week`` and whether they are final (:func:`week_maturity`, a load left
    unfinished counted): what the packs and the main job's summary say of a week, as its report does."""
    figures = week_figures(catalogue, wh, week, rule, as_of)
    unfinished = bool(unfinished_runs(wh))
    maturity = week_maturity(t, week, figures.through, rule, unfinished, figures.lagging, figures.ahead)
    return figures, maturity


def figures_through(reach: Reach, week: Week, rule: MaturityRule) -> tuple[datetime | None, str]:
    """How far ``week``'s figures reach (``reach``: :func:`week_reach`), at most to the instant they are
    final (``rule``: a report made again later says the same), and the feed that lags,
    if one holds them back (``""`` when none). The date the week's documents bear follows it
    (``header.letterhead``): the report's and its audit packs' (the packs were dated Monday beside a report
    of Thursday: review)."""
    through, final = reach.through, local_midnight(rule.final_on(week))
    lagging = reach.lagging if through is not None and through < final else ""
    return (min(through, final) if through is not None else None), lagging


def _abolished(catalogue: Catalogue, feed: str, on: date) -> bool:
    if not feed.startswith(_UNIT):
        return False
    unit = catalogue.unit(feed[len(_UNIT) :])
    return unit is not None and unit.valid_to is not None and unit.valid_to <= on


def feed_name(catalogue: Catalogue, feed: str) -> str:
    """A feed as a reader knows it: a unit by its name in the catalogue (its code when unknown), a source
    system by its name."""
    if feed.startswith(_UNIT):
        code = feed[len(_UNIT) :]
        unit = catalogue.unit(code)
        return unit.name if unit is not None else code
    return feed.removeprefix(_SYSTEM)


@dataclass(frozen=True, slots=True)
class Maturity:
    """Whether a week's figures are final: ``provisional`` when a load did not complete or the data do not
    yet reach ``final_on`` (:meth:`MaturityRule.final_on`), with the reasons in words."""

    provisional: bool
    reasons: tuple[str, ...]
    final_on: date
    #: The week's own data may be incomplete (a load did not complete, or no data after the week's end):
    #: even its rates are provisional, not only its time-triggered violations.
    incomplete: bool = False

    @property
    def reasons_text(self) -> str:
        """The reasons as sentences (each capitalised), for the provisional boxes of a report and a pack."""
        return " ".join(reason[:1].upper() + reason[1:] for reason in self.reasons)


def week_maturity(
    t: Texts,
    week: Week,
    data_through: datetime | None,
    rule: MaturityRule,
    unfinished_loads: bool,
    lagging: str = "",
    ahead: datetime | None = None,
) -> Maturity:
    """Provisional when a load did not complete, or the data end before the day ``rule`` makes the week final
    (time-triggered violations of its last days may still appear or change kind).

    "The data end" is ``data_through``: per feed (an event's ``source.system``, or its unit when it
    names no source) the newest event at or before the report's as-of instant, and of those the lowest
    (:func:`week_reach`: a unit abolished by then is not waited for). So one feed that is up to date does
    not hide one that lags, and a future-dated event (after the as-of instant) does not make the week look
    complete. ``lagging``: that feed in words, named in the reason when another feed (``ahead``: the newest
    of them) has reached the instant the reason is about (the week's end, or the day it is final)."""
    final_on = rule.final_on(week)
    reasons: list[str] = []
    if unfinished_loads:
        reasons.append(t("provisional_load"))
    end, final = local_midnight(week.end), local_midnight(final_on)
    if data_through is not None and data_through < end and lagging and ahead is not None and ahead >= end:
        reasons.append(t("provisional_behind", through=t.instant(data_through), feed=lagging))
    elif data_through is None or data_through < local_midnight(week.end):
        reasons.append(t("provisional_no_data"))
    elif data_through < local_midnight(final_on):
        through = t.instant(data_through)
        if lagging and ahead is not None and ahead >= final:
            reasons.append(t("provisional_lagging", through=through, feed=lagging, days=rule.days))
        else:
            reasons.append(t("provisional_immature", through=through, days=rule.days))
    incomplete = unfinished_loads or data_through is None or data_through < local_midnight(week.end)
    return Maturity(bool(reasons), tuple(reasons), final_on, incomplete)
