"""Parameter binding: every value a statement may be given binds into SQL that the engine reads back as that
same value; only plain identifiers reach SQL unquoted; a bare '%' is caught before %-formatting, and every
backend reports binding mistakes as ``WarehouseError`` rather than the driver's own exceptions."""

from __future__ import annotations

import datetime as dt
import math
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clickhouse_driver.util.escape import escape_param  # type: ignore[import-untyped]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.depth import examples
from warehouse import open_warehouse
from warehouse.backends.server import ServerWarehouse
from warehouse.base import Warehouse, WarehouseError, parse_url
from warehouse.binding import (
    TextSet,
    UtcInstant,
    _escape_context,
    bind,
    check_identifier,
    check_insert,
    check_statement,
    chunked,
    parameter_names,
    server_params,
    stray_percents,
)

UTC = dt.UTC
# Hypothesis runs many examples on one open warehouse: it only reads, so sharing it is fine.
LIVE = settings(
    max_examples=examples(75), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

texts = st.text()  # any code point but lone surrogates (which no UTF-8 text can hold)
integers = st.integers(min_value=-(2**63), max_value=2**64 - 1)  # what ClickHouse reads as an integer
# An array's items share one type: Int64 holds any mix of signs (mixing in UInt64 values has no supertype).
int64s = st.integers(min_value=-(2**63), max_value=2**63 - 1)
floats = st.floats(allow_nan=False)
dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2299, 12, 31))  # Date32's range
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
datetimes = st.datetimes(
    min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2105, 12, 31), timezones=offsets
)  # DateTime's range, any UTC offset


@pytest.fixture
def chdb_wh(tmp_path: Path) -> Iterator[Warehouse]:
    with open_warehouse(f"chdb://{tmp_path}/wh") as wh:
        yield wh


def _one(wh: Warehouse, sql: str, value: Any) -> Any:
    rows = wh.query(sql, {"v": value})
    assert len(rows) == 1 and len(rows[0]) == 1
    return rows[0][0]


# -- values read back as themselves ------------------------------------------------------------------------


@LIVE
@given(value=st.one_of(texts, integers, floats, st.none()))
def test_a_scalar_reads_back_as_itself(chdb_wh: Warehouse, value: Any) -> None:
    back = _one(chdb_wh, "SELECT %(v)s", value)
    assert back == value and type(back) is type(value)
    if isinstance(value, float):
        assert math.copysign(1, back) == math.copysign(1, value)  # -0.0 stays negative


@LIVE
@given(value=st.sampled_from([math.inf, -math.inf, math.nan]))
def test_infinities_and_nan_read_back(chdb_wh: Warehouse, value: float) -> None:
    back = _one(chdb_wh, "SELECT %(v)s", value)
    assert back == value or (math.isnan(back) and math.isnan(value))


@LIVE
@given(value=dates)
def test_a_date_reads_back_as_itself(chdb_wh: Warehouse, value: dt.date) -> None:
    assert _one(chdb_wh, "SELECT toDate32(%(v)s)", value) == value


@LIVE
@given(value=datetimes)
def test_an_aware_datetime_reads_back_as_the_same_instant_to_the_second(
    chdb_wh: Warehouse, value: dt.datetime
) -> None:
    back = _one(chdb_wh, "SELECT toDateTime(%(v)s, 'UTC')", value)
    assert back == value.replace(microsecond=0)
    assert back.tzinfo is not None and back.utcoffset() == dt.timedelta(0)


@LIVE
@given(value=st.lists(texts, max_size=5) | st.lists(int64s, max_size=5))
def test_a_list_reads_back_as_an_array(chdb_wh: Warehouse, value: list[Any]) -> None:
    assert _one(chdb_wh, "SELECT %(v)s", value) == value


@LIVE
@given(members=st.lists(texts, max_size=5).map(tuple), probe=texts, pick=st.booleans())
def test_a_tuple_binds_as_the_set_of_an_in(
    chdb_wh: Warehouse, members: tuple[str, ...], probe: str, pick: bool
) -> None:
    x = members[0] if pick and members else probe
    rows = chdb_wh.query("SELECT %(x)s IN %(t)s", {"x": x, "t": members})
    assert rows == [(int(x in members),)]


@LIVE
@given(members=st.lists(texts, max_size=5), probe=texts, pick=st.booleans())
def test_a_text_set_binds_as_the_set_of_an_in(
    chdb_wh: Warehouse, members: list[str], probe: str, pick: bool
) -> None:
    """One string split in SQL, or the tuple literal when a member holds the separator: the same set."""
    x = members[0] if pick and members else probe
    rows = chdb_wh.query("SELECT %(x)s IN %(t)s", {"x": x, "t": TextSet(members)})
    assert rows == [(int(x in members),)]


def test_a_text_set_is_one_string_unless_a_member_holds_its_separator() -> None:
    assert bind("SELECT %(t)s", {"t": TextSet(["a'b", "c"])}) == (
        "SELECT (SELECT arrayJoin(splitByChar('\\n', 'a\\'b\\nc')))"
    )
    assert bind("SELECT %(t)s", {"t": TextSet(["a\nb", "c"])}) == "SELECT ('a\\nb', 'c')"
    assert str(TextSet(["x"])) == TextSet(["x"]).sql()  # what the server's driver writes
    with pytest.raises(TypeError):
        TextSet([1])  # type: ignore[list-item]
    with pytest.raises(WarehouseError, match="not valid Unicode"):
        bind("SELECT %(t)s", {"t": TextSet(["ok", "\ud800"])})


@LIVE
@given(value=st.one_of(texts, integers, st.none()))
def test_a_value_bound_twice_in_one_statement_is_the_same_both_times(chdb_wh: Warehouse, value: Any) -> None:
    assert chdb_wh.query("SELECT %(v)s, %(v)s", {"v": value}) == [(value, value)]


# -- what bind() writes ------------------------------------------------------------------------------------


def test_bind_writes_literals_and_leaves_a_statement_without_parameters_alone() -> None:
    assert bind("SELECT %(s)s, %(n)s, %(d)s", {"s": "it's", "n": None, "d": dt.date(2024, 1, 2)}) == (
        "SELECT 'it\\'s', NULL, '2024-01-02'"
    )
    assert bind("SELECT %(t)s, %(l)s", {"t": ("a", 1), "l": [1, 2]}) == "SELECT ('a', 1), [1, 2]"
    assert bind("SELECT '100%%', 1", None) == "SELECT '100%%', 1"  # not %-formatted at all
    assert bind("SELECT '100%%', %(v)s", {"v": 1}) == "SELECT '100%', 1"


_escapable = st.text(alphabet=st.sampled_from("\b\f\r\n\t\0\a\v\\'\"%ab\u1ea1 ")) | texts
_bindable = st.one_of(_escapable, st.none(), integers, floats, st.dates())


@given(st.one_of(_escapable, st.lists(_escapable), st.tuples(_escapable, _escapable),
                 st.lists(_bindable).map(tuple), st.lists(_bindable)))  # fmt: skip
def test_bind_writes_text_and_collections_exactly_as_the_drivers_escaper(value: Any) -> None:
    """bind() escapes text (alone or in a list or tuple of text) with one translate table rather than the
    driver's generator over each character: the SQL must be the driver's, character for character."""
    expected = "SELECT " + str(escape_param(value, _escape_context("UTC")))
    assert bind("SELECT %(v)s", {"v": value}) == expected


def test_bind_writes_an_aware_datetime_as_wall_clock_text_in_the_session_zone() -> None:
    at = dt.datetime(2024, 1, 1, 7, 0, 5, 999_999, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert bind("SELECT %(v)s", {"v": at}) == "SELECT '2024-01-01 00:00:05'"
    assert bind("SELECT %(v)s", {"v": at}, timezone="Asia/Ho_Chi_Minh") == "SELECT '2024-01-01 07:00:05'"


@pytest.mark.parametrize(
    ("value", "kind"),
    [(b"bytes", "bytes"), ({"a": 1}, "dict"), ([1, object()], "object"), (1 + 2j, "complex")],
)
def test_bind_refuses_a_type_the_escaper_would_str_into_the_sql(value: Any, kind: str) -> None:
    with pytest.raises(WarehouseError, match=f"parameter 'v': unsupported type {kind}"):
        bind("SELECT %(v)s", {"v": value})


def test_bind_names_a_missing_parameter_and_a_bare_percent() -> None:
    with pytest.raises(WarehouseError, match="uses parameter 'w' but it was not given"):
        bind("SELECT %(v)s, %(w)s", {"v": 1})
    with pytest.raises(WarehouseError, match="bare '%' at offset 26"):
        bind("SELECT %(v)s -- the top 10% of units", {"v": 1})
    with pytest.raises(WarehouseError, match="not valid Unicode"):
        bind("SELECT %(v)s", {"v": ("ok", "\ud800")})
    with pytest.raises(WarehouseError, match="cannot bind parameters"):  # beyond datetime's range in UTC
        bind("SELECT %(v)s", {"v": dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=7)))})


def test_check_statement_passes_a_statement_without_parameters_whatever_its_percent_signs() -> None:
    check_statement("SELECT 10 % 3 -- 50% off", None)
    check_statement("SELECT %(a)s", {"a": 1, "unused": 2})
    with pytest.raises(WarehouseError, match="bare '%'"):
        check_statement("SELECT 10 % %(a)s", {"a": 3})


def test_server_params_name_the_utc_zone_of_every_instant_also_inside_tuples_and_lists() -> None:
    at = dt.datetime(2024, 1, 1, 7, 0, 5, 999, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    naive = dt.datetime(2024, 1, 1, 0, 0, 5)
    instant = UtcInstant(naive)
    day = dt.date(2024, 1, 1)
    assert server_params({"a": at, "t": (at, 1), "l": [at], "n": naive, "s": "x", "d": day}) == {
        "a": instant,
        "t": (instant, 1),
        "l": [instant],
        "n": instant,
        "s": "x",
        "d": day,
    }
    assert str(instant) == "toDateTime('2024-01-01 00:00:05', 'UTC')"
    assert server_params(None) is None


# -- identifiers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["events", "_t", "T_2", "a" * 200])
def test_a_plain_identifier_is_accepted(name: str) -> None:
    assert check_identifier(name) == name


@pytest.mark.parametrize(
    "name", ["", "2t", "t-1", "t;DROP", "db.t", "`t`", "t ", "t\n", "bảng", "t'", "t\x00"]
)
def test_anything_else_is_refused_with_what_it_was_for(name: str) -> None:
    with pytest.raises(WarehouseError, match="invalid table name"):
        check_identifier(name, "table name")


@given(name=st.text(alphabet=string.ascii_letters + string.digits + "_-;. '`\n\t\x00é", max_size=12))
def test_an_identifier_is_accepted_exactly_when_it_is_an_ascii_python_identifier(name: str) -> None:
    expected = name.isascii() and name.isidentifier()
    try:
        check_identifier(name)
    except WarehouseError:
        accepted = False
    else:
        accepted = True
    assert accepted == expected


def test_check_insert_counts_rows_and_refuses_bad_shapes() -> None:
    assert check_insert("t", ["a", "b"], [[1, 2], ["x", "y"]]) == 2
    assert check_insert("t", [], []) == 0
    with pytest.raises(WarehouseError, match="2 column names but 1 columns"):
        check_insert("t", ["a", "b"], [[1]])
    with pytest.raises(WarehouseError, match=r"different lengths \[1, 2\]"):
        check_insert("t", ["a", "b"], [[1], [1, 2]])
    with pytest.raises(WarehouseError, match="invalid column name"):
        check_insert("t", ["a b"], [[1]])


# -- the '%' guard -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "stray"),
    [
        ("SELECT %(a)s, %(b_2)s", []),
        ("SELECT '100%%'", []),
        ("SELECT %%(a)s", []),  # a literal '%' followed by the text '(a)s'
        ("SELECT 50% -- of", [9]),
        ("-- 100%\nSELECT 1", [6]),
        ("SELECT %s", [7]),
        ("SELECT %(a)d", [7]),
        ("SELECT %(a)", [7]),
        ("SELECT %(a b)s", [7]),
        ("%", [0]),
        ("%%%", [2]),
    ],
)
def test_the_guard_finds_each_bare_percent(sql: str, stray: list[int]) -> None:
    assert stray_percents(sql) == stray


def test_the_guard_can_refuse_doubled_percents_too() -> None:
    assert stray_percents("SELECT '100%%', %(a)s", allow_doubled=False) == [11]


# Text made of the characters that matter to %-formatting, and a few others.
percent_text = st.text(alphabet="%()sdab_ -\n'", max_size=40)


@given(sql=percent_text)
def test_text_the_guard_passes_formats_as_expected(sql: str) -> None:
    """The guard's promise: no stray '%' means %-formatting succeeds, and does only what it should."""
    if stray_percents(sql):
        return
    names = parameter_names(sql)
    values = {name: f"<{name}>" for name in names}
    expected = re.sub(r"%(%|\((\w+)\)s)", lambda m: "%" if m.group(1) == "%" else f"<{m.group(2)}>", sql)
    assert sql % values == expected


@given(sql=percent_text)
def test_text_the_guard_refuses_is_refused_by_bind(sql: str) -> None:
    if not stray_percents(sql):
        return
    with pytest.raises(WarehouseError, match="bare '%'"):
        bind(sql, dict.fromkeys(re.findall(r"%\((\w+)\)s", sql), 1))


# -- every backend reports binding mistakes as WarehouseError ----------------------------------------------


def test_binding_mistakes_are_warehouse_errors_on_every_backend(warehouse: Warehouse) -> None:
    with pytest.raises(WarehouseError, match="uses parameter 'w' but it was not given"):
        warehouse.query("SELECT %(v)s, %(w)s", {"v": 1})
    with pytest.raises(WarehouseError, match="bare '%'"):
        warehouse.query("SELECT %(v)s -- 50% of", {"v": 1})
    with pytest.raises(WarehouseError, match="bare '%'"):
        warehouse.execute("SELECT '50%' = %(v)s", {"v": "x"})
    with pytest.raises(WarehouseError, match="not valid Unicode"):
        warehouse.query("SELECT %(v)s", {"v": "\udc80"})
    # Without parameters a statement is not %-formatted: '%' is the modulo operator.
    assert warehouse.query("SELECT 7 % 3") == [(1,)]
    assert warehouse.query("SELECT %(v)s %% 3", {"v": 7}) == [(1,)]


def test_a_bad_server_option_is_a_warehouse_error_before_any_connection() -> None:
    with pytest.raises(WarehouseError, match="Unknown compression method") as caught:
        ServerWarehouse(parse_url("clickhouse://u:secret@127.0.0.1:1/db?compression=lz5"))
    assert "secret" not in str(caught.value)


@given(items=st.lists(st.integers()), size=st.integers(1, 7))
def test_chunked_gives_every_item_once_in_order_in_full_lists_but_the_last(
    items: list[int], size: int
) -> None:
    chunks = list(chunked(iter(items), size))
    assert [item for chunk in chunks for item in chunk] == items
    assert all(len(chunk) == size for chunk in chunks[:-1])
    assert all(0 < len(chunk) <= size for chunk in chunks)


@given(st.text())
def test_the_fast_escape_is_the_translate_tables(text: str) -> None:
    """``escaped`` (one ``str.replace`` per escaped character, for a TextSet's many values) writes what the
    driver's escapes as a translate table write, for any text."""
    from warehouse.binding import _ESCAPES, escaped

    assert escaped(text) == text.translate(_ESCAPES)
