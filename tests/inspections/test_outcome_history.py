"""The stored outcome history answers "the outcome at T" exactly as folding the events at T does."""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier_audit.simulator import SimulationConfig, generate
from inspections.audit import group_by_dossier
from inspections.files.calendar import load_calendar
from inspections.files.catalogue import sample_catalogue
from inspections.metrics import outcome, outcome_history
from inspections.timeline import derive_facts
from inspections.timeunits import VN_TZ
from schemas.events import EVENT_ADAPTER
from tests.depth import examples

CATALOGUE = sample_catalogue()
CALENDAR = load_calendar()


@pytest.fixture(scope="module")
def dossiers():
    config = SimulationConfig(dossiers=400, seed=9)
    events = [EVENT_ADAPTER.validate_json(orjson.dumps(e)) for e in generate(config)]
    return [(d, g.sorted_events()) for d, g in group_by_dossier(events).items()]


def _form_view(o):
    """What the reporting form reads: resolved dossiers by early / on time / late and working days; open ones
    only as within time or overdue."""
    if o is None:
        return None
    if o.ended_on is None:
        status, days = ("overdue" if o.status == "late" else "within"), None
    else:
        status, days = o.status, o.working_days
    return (
        o.unit_code,
        o.procedure_code,
        o.received_on,
        o.channel,
        o.ended_on,
        status,
        days,
        o.returned_channel,
    )


@settings(max_examples=examples(75), deadline=None)
@given(index=st.integers(0, 10**6), offset_hours=st.integers(-48, 24 * 40))
def test_history_lookup_equals_fold_at_t(dossiers, index, offset_hours):
    dossier_id, events = dossiers[index % len(dossiers)]
    history = outcome_history(dossier_id, events, CATALOGUE, CALENDAR)
    assert [t for t, _ in history] == sorted(t for t, _ in history)
    base = events[min(index % 7, len(events) - 1)].occurred_at
    for t in (base + timedelta(hours=offset_hours), base, base - timedelta(microseconds=1)):
        position = bisect.bisect_right([v for v, _ in history], t) - 1
        stored = history[position][1] if position >= 0 else None
        direct = outcome(derive_facts(dossier_id, events, t, presorted=True), CATALOGUE, CALENDAR)
        assert _form_view(stored) == _form_view(direct), (dossier_id, t)


def test_open_dossier_turns_overdue_at_midnight_after_its_due_date(dossiers):
    for dossier_id, events in dossiers:
        history = outcome_history(dossier_id, events, CATALOGUE, CALENDAR)
        overdue = [(t, o) for t, o in history if o.status == "late" and o.ended_on is None]
        if overdue:
            t, _ = overdue[0]
            assert t.astimezone(VN_TZ).time() == datetime.min.time() or t in {e.occurred_at for e in events}
            return
    pytest.fail("the simulated sample has no dossier that turned overdue while open")


@pytest.mark.parametrize(
    ("received", "due", "late_at"),
    [
        ("2049-11-22T09:00:00+07:00", "2049-12-06T17:00:00+07:00", datetime(2049, 12, 7, tzinfo=VN_TZ)),
        ("2050-03-01T09:00:00+07:00", "2050-03-10T17:00:00+07:00", datetime(2050, 3, 11, tzinfo=VN_TZ)),
        ("2050-03-01T09:00:00+07:00", None, datetime(2050, 3, 11, tzinfo=VN_TZ)),
        ("2050-11-02T09:00:00+07:00", "2050-11-20T17:00:00+07:00", datetime(2050, 11, 21, tzinfo=VN_TZ)),
    ],
)
def test_an_open_dossier_turns_overdue_up_to_the_last_month_of_the_supported_years(
    received: str, due: str | None, late_at: datetime
) -> None:
    """The figures seat of 2026-12-07: the look after a dossier's last change was at 2049-12-01, so an open
    dossier due after it never turned late in its history: the warehouse's form counted it within time
    (rate 1.0, 20 points) where ``metrics FILE`` counted it overdue.
    The look is at the first instant of the supported years' last month (2050-12-01)."""
    event = EVENT_ADAPTER.validate_python({
        "schema_version": 1, "event_id": "far-r", "dossier_id": "FAR-1", "type": "received",
        "occurred_at": received, "unit_code": "000.10.01.H99",
        "data": {"procedure_code": "1.004222", "channel": "direct", "due_at": due, "documents": ["CT01"]},
    })  # fmt: skip
    history = outcome_history("FAR-1", [event], CATALOGUE, CALENDAR)
    assert [(t, o.status) for t, o in history][-1] == (late_at, "late")
    direct = outcome(derive_facts("FAR-1", [event], late_at, presorted=True), CATALOGUE, CALENDAR)
    assert direct is not None and direct.status == "late"
