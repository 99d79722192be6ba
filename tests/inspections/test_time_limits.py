"""A procedure's time limit changes over time (the catalogue's ``time_limits``): a dossier is judged by the
limit in force on the day it was received, never by one that took effect later (review of rules over time:
a catalogue with one limit per procedure judged dossiers received before a change by the new limit)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier_audit.simulator import SimulationConfig, generate
from inspections.audit import audit_events
from inspections.catalogue import Catalogue, Procedure, TimeLimit
from inspections.files.calendar import load_calendar
from inspections.files.catalogue import CatalogueError, loads_catalogue, sample_catalogue
from inspections.rulebook import Auditor
from inspections.time_limits import MAX_AMOUNT, in_force
from inspections.timeunits import NO_LIMIT, VN_TZ, ProcessingTime, TimeUnit
from schemas.events import EVENT_ADAPTER, AnyEvent
from tests.depth import examples

_LIMITS = st.one_of(
    st.just(NO_LIMIT),
    st.builds(ProcessingTime, st.integers(0, 30).map(float), st.sampled_from(list(TimeUnit)[:3])),
)


def _procedure(base: ProcessingTime, changes: list[tuple[date, ProcessingTime]]) -> Procedure:
    limits = tuple(TimeLimit(valid_from=on, max_time=limit) for on, limit in sorted(changes))
    return Procedure(code="P", name="P", field="F", max_time=base, time_limits=limits)


@given(
    base=_LIMITS,
    changes=st.lists(
        st.tuples(st.dates(date(2024, 1, 1), date(2027, 1, 1)), _LIMITS), unique_by=lambda c: c[0]
    ),
    day=st.dates(date(2023, 6, 1), date(2027, 6, 1)),
)
def test_the_limit_of_a_day_is_the_last_change_on_or_before_it(base, changes, day) -> None:
    catalogue = Catalogue([_procedure(base, changes)], [], [], sample_catalogue().meta)
    started = [limit for on, limit in sorted(changes) if on <= day]
    want = started[-1] if started else base
    found = catalogue.procedure("P", day)
    assert found is not None and found.max_time == want == in_force(base, found.time_limits, day)
    # Without a day, and for an instant, the day is Vietnam's: 17:00 UTC is the next day there.
    assert catalogue.procedure("P") is catalogue.procedures["P"]
    evening = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=UTC) + timedelta(hours=17)
    assert evening.astimezone(VN_TZ).date() == day
    assert catalogue.procedure("P", evening).max_time == want  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def month() -> tuple[list[AnyEvent], datetime]:
    config = SimulationConfig(start=date(2025, 9, 1), end=date(2025, 10, 6), dossiers=400, seed=5)
    events = [EVENT_ADAPTER.validate_json(orjson.dumps(e)) for e in generate(config)]
    return events, datetime(2025, 10, 10, tzinfo=UTC)


def _replaced(catalogue: Catalogue, limits: dict[str, tuple[TimeLimit, ...]], *, dated: bool) -> Catalogue:
    """``catalogue`` with each procedure of ``limits`` given them (``dated``) or its last one's limit."""
    procedures = [
        p
        if p.code not in limits
        else p.model_copy(update={"time_limits": limits[p.code]})
        if dated
        else p.model_copy(update={"max_time": limits[p.code][-1].max_time})
        for p in catalogue.procedures.values()
    ]
    return Catalogue(procedures, catalogue.units.values(), catalogue.fields.values(), catalogue.meta)


@settings(max_examples=examples(10), deadline=None)
@given(change=st.dates(date(2025, 9, 1), date(2025, 10, 6)), shift=st.sampled_from([-3, -1, 1, 4]))
def test_a_dossier_is_judged_by_the_limit_in_force_when_it_was_received(month, change, shift) -> None:
    events, as_of = month
    base, calendar = sample_catalogue(), load_calendar()
    limits: dict[str, tuple[TimeLimit, ...]] = {
        p.code: (
            TimeLimit(
                valid_from=change, max_time=ProcessingTime(max(0, p.max_time.amount + shift), p.max_time.unit)
            ),
        )
        for p in base.procedures.values()
        if p.max_time.is_limited
    }
    received = {e.dossier_id: e.occurred_at.astimezone(VN_TZ).date() for e in events if e.type == "received"}
    later = {d for d, day in received.items() if day >= change}

    got = audit_events(events, Auditor(_replaced(base, limits, dated=True), calendar), as_of)

    # What each part would be judged by alone: the old limits before the change, the new ones after.
    before = audit_events([e for e in events if e.dossier_id not in later], Auditor(base, calendar), as_of)
    after_catalogue = _replaced(base, limits, dated=False)
    after = audit_events(
        [e for e in events if e.dossier_id in later], Auditor(after_catalogue, calendar), as_of
    )
    want = sorted(before + after, key=lambda v: (v.dossier_id, v.rule_id, v.event_id or ""))
    assert [v.to_json_dict() for v in got] == [v.to_json_dict() for v in want]


def test_the_changes_are_checked_where_they_are_written() -> None:
    text = """
catalogue: {name: T}
fields: [{code: F, name: F}]
procedures:
- code: P
  name: P
  field: F
  max_time: 7 working_days
  time_limits:
  - {valid_from: 2025-07-01, max_time: 5 working_days}
  - {valid_from: 2025-07-01, max_time: 4 working_days}
  - {valid_from: 2025-09-01, max_time: 3 weeks}
"""
    with pytest.raises(CatalogueError) as caught:
        loads_catalogue(text, "t.yaml")
    assert str(caught.value).splitlines()[1:] == [
        "t.yaml:12:40: procedures[0].time_limits[2].max_time.unit: 'weeks' is not one of 'working_days', "
        "'calendar_days', 'working_hours' or 'none'"
    ]
    # Once each change is valid, two on one day are an error at the list.
    with pytest.raises(
        CatalogueError,
        match=r"t.yaml:10:3: procedures\[0\]\.time_limits: time limit 1 takes effect on 2025-07-01",
    ):
        loads_catalogue(text.replace("3 weeks", "3 working_days"), "t.yaml")
    fixed = text.replace("3 weeks", "3 working_days").replace(
        "2025-07-01, max_time: 4", "2025-08-01, max_time: 4"
    )
    august = loads_catalogue(fixed).procedure("P", date(2025, 8, 31))
    assert august is not None and august.max_time == ProcessingTime(4, TimeUnit.WORKING_DAYS)
    backwards = fixed.replace("2025-08-01", "2025-06-01")
    with pytest.raises(
        CatalogueError, match=r"procedures\[0\]\.time_limits: time limit 1 takes effect on 2025-06-01"
    ):
        loads_catalogue(backwards, "t.yaml")


_ABSURD = [
    ("nan working_days", "amount nan is not a finite number for unit 'working_days'"),
    ("inf calendar_days", "amount inf is not a finite number for unit 'calendar_days'"),
    ("'-inf working_hours'", "amount -inf is not a finite number for unit 'working_hours'"),
    ("{amount: .nan, unit: working_days}", "amount nan is not a finite number"),
    ("{amount: true, unit: working_days}", "amount True is a boolean, not a number"),
    ("1e9 working_days", "amount 1e+09 is above the largest allowed for unit 'working_days' (366"),
    ("99999 working_days", "amount 99999 is above the largest allowed for unit 'working_days' (366"),
    ("367 calendar_days", "amount 367 is above the largest allowed for unit 'calendar_days' (366"),
    ("2929 working_hours", "amount 2929 is above the largest allowed for unit 'working_hours' (2928"),
]


_HEAD = "catalogue: {name: T}\nfields: [{code: F, name: F}]\nprocedures:\n"


@pytest.mark.parametrize(("written", "message"), _ABSURD)
@pytest.mark.parametrize("where", ["max_time", "time_limits"])
def test_a_limit_not_finite_or_beyond_a_year_is_refused_at_its_line(written, message, where) -> None:
    """Review: ``nan working_days`` passed ``catalogue check`` (``nan < 0`` is false) and made most dossiers
    an AUDIT_ERROR; ``inf`` overflowed, ``99999 working_days`` ran past the calendar, ``true`` read as 1."""
    procedure = "- code: P\n  name: P\n  field: F\n"
    if where == "max_time":
        text, location = f"{_HEAD}{procedure}  max_time: {written}\n", "procedures[0].max_time:"
    else:
        change = f"  time_limits:\n  - {{valid_from: 2025-07-01, max_time: {written}}}\n"
        text = f"{_HEAD}{procedure}  max_time: 7 working_days\n{change}"
        location = "procedures[0].time_limits[0].max_time:"
    with pytest.raises(CatalogueError) as caught:
        loads_catalogue(text, "t.yaml")
    lines = str(caught.value).splitlines()[1:]
    assert len(lines) == 1 and lines[0].startswith("t.yaml:") and location in lines[0] and message in lines[0]


@pytest.mark.parametrize("unit", [TimeUnit.WORKING_DAYS, TimeUnit.CALENDAR_DAYS, TimeUnit.WORKING_HOURS])
def test_the_largest_limit_allowed_keeps_the_due_date_inside_the_calendar(unit) -> None:
    """The bound documented in docs/catalogue-format.md: a dossier received up to mid-2049 has its due date
    inside the calendar (2000-2050) under the largest limit a catalogue may give."""
    largest = MAX_AMOUNT[unit]
    text = f"{_HEAD}- {{code: P, name: P, field: F, max_time: {largest:g} {unit.value}}}\n"
    procedure = loads_catalogue(text).procedure("P")
    assert procedure is not None and procedure.max_time == ProcessingTime(largest, unit)
    due = load_calendar().legal_due_date(datetime(2049, 6, 30, 16, tzinfo=VN_TZ), procedure.max_time)
    assert due is not None and date(2049, 6, 30) < due <= date(2050, 12, 31)
