"""Amendment 12 at the door: event times outside the calendar's supported years are rejected with a reason
(``occurred_at.out_of_range``, ``data.<field>.out_of_range``), in local (Asia/Ho_Chi_Minh) years."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from schemas.timerange import EARLIEST, END, FIRST_YEAR, LAST_YEAR, in_range
from schemas.validation import CODES, Rejection, parse_event

BASE: dict[str, Any] = {
    "schema_version": 1,
    "event_id": "t-1",
    "dossier_id": "000.10.01.H99-251103-0001",
    "occurred_at": "2025-11-03T09:15:00+07:00",
    "unit_code": "000.10.01.H99",
}
DATA: dict[str, dict[str, Any]] = {
    "received": {"procedure_code": "1.004222", "channel": "direct", "due_at": None, "documents": []},
    "transferred": {"to_unit_code": "000.00.01.H99", "step_due_at": None},
    "apology_issued": {"notice_id": "N1", "reason": "r", "new_due_at": None},
    "due_date_changed": {
        "old_due_at": "2025-11-10T17:00:00+07:00",
        "new_due_at": "2025-11-12T17:00:00+07:00",
        "reason": "r",
    },
}


def line(kind: str = "received", occurred_at: str | None = None, **data: Any) -> bytes:
    event = {**BASE, "type": kind, "data": {**DATA[kind], **data}}
    if occurred_at is not None:
        event["occurred_at"] = occurred_at
    return orjson.dumps(event)


def test_the_bounds_are_local_years() -> None:
    assert (FIRST_YEAR, LAST_YEAR) == (2000, 2050)
    assert EARLIEST.isoformat() == "2000-01-01T00:00:00+07:00"
    assert END.isoformat() == "2051-01-01T00:00:00+07:00"


@pytest.mark.parametrize(
    "at",
    [
        "2000-01-01T00:00:00+07:00",
        "1999-12-31T17:00:00Z",  # 2000-01-01 00:00 in Vietnam
        "2050-12-31T23:59:59.999999+07:00",
        "2050-12-31T16:59:59Z",
    ],
)
def test_times_at_the_edges_of_the_supported_years_are_valid(at: str) -> None:
    assert not isinstance(parse_event(line(occurred_at=at)), Rejection)
    assert not isinstance(parse_event(line(occurred_at="2025-11-03T09:00:00+07:00", due_at=at)), Rejection)


@pytest.mark.parametrize(
    "at",
    [
        "1999-06-01T09:00:00+07:00",
        "1999-12-31T23:59:59+07:00",
        "1999-12-31T16:59:59Z",  # still 1999 in Vietnam
        "2050-12-31T17:00:00Z",  # already 2051 in Vietnam
        "2051-01-01T00:00:00+07:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
    ],
)
def test_occurred_at_outside_the_supported_years_is_rejected_with_its_reason(at: str) -> None:
    result = parse_event(line(occurred_at=at), line_no=3)
    assert isinstance(result, Rejection)
    assert result.code == "occurred_at.out_of_range" and result.code in CODES
    assert result.message.startswith("occurred_at: '")
    assert "outside the supported years 2000–2050 (Asia/Ho_Chi_Minh)" in result.message
    assert result.line_no == 3 and result.raw == line(occurred_at=at)


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("received", "due_at"),
        ("transferred", "step_due_at"),
        ("apology_issued", "new_due_at"),
        ("due_date_changed", "old_due_at"),
        ("due_date_changed", "new_due_at"),
    ],
)
def test_every_data_field_that_holds_a_time_is_checked(kind: str, field: str) -> None:
    result = parse_event(line(kind, **{field: "1999-06-04T17:00:00+07:00"}))
    assert isinstance(result, Rejection)
    assert result.code == f"data.{field}.out_of_range" and result.code in CODES
    assert result.message.startswith(f"data.{field}: '1999-06-04T17:00:00+07:00' is outside")


def test_the_envelope_is_named_before_the_data_and_other_errors_before_the_range() -> None:
    both = parse_event(line(occurred_at="1999-06-01T09:00:00+07:00", due_at="1999-06-04T17:00:00+07:00"))
    assert isinstance(both, Rejection) and both.code == "occurred_at.out_of_range"
    # A contract error is diagnosed as before: the range is only checked on a contract-valid event.
    broken = parse_event(line(occurred_at="1999-06-01T09:00:00+07:00", channel="fax"))
    assert isinstance(broken, Rejection) and broken.code == "field.invalid"


def test_unknown_fields_are_not_range_checked() -> None:
    # Extra fields are kept as received, not interpreted: they never reach a verdict.
    assert not isinstance(parse_event(line(legacy_at="1999-06-01T09:00:00+07:00")), Rejection)


def test_in_range() -> None:
    assert in_range(EARLIEST) and not in_range(END)
