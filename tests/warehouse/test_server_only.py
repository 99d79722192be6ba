"""Behaviour only the server backend has: users and permissions, connection retries, TLS, credential hygiene,
and the conversions between the driver's Python values and the warehouse protocol's."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from clickhouse_driver import errors  # type: ignore[import-untyped]

from tests.warehouse.server import ClickHouseServer, free_port, start_server
from warehouse import open_warehouse
from warehouse.backends.server import ServerWarehouse
from warehouse.base import WarehouseError, WarehouseUnavailable, parse_url

HANOI = timezone(timedelta(hours=7))


@pytest.fixture
def database(clickhouse_server: ClickHouseServer) -> Iterator[str]:
    name = f"srv_{uuid.uuid4().hex[:12]}"
    clickhouse_server.admin_execute(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        clickhouse_server.admin_execute(f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture
def admin(clickhouse_server: ClickHouseServer, database: str) -> Iterator[ServerWarehouse]:
    wh = ServerWarehouse(parse_url(clickhouse_server.url(database)))
    yield wh
    wh.close()


@pytest.fixture
def reports(clickhouse_server: ClickHouseServer, database: str) -> Iterator[ServerWarehouse]:
    wh = ServerWarehouse(parse_url(clickhouse_server.url(database, readonly=True)))
    yield wh
    wh.close()


def test_fixture_runs_debian_18_16(admin: ServerWarehouse) -> None:
    assert admin.server_version().startswith("18.16.")


def test_readonly_user_can_select_but_not_write(admin: ServerWarehouse, reports: ServerWarehouse) -> None:
    admin.execute("CREATE TABLE t (x UInt32) ENGINE = MergeTree ORDER BY x")
    admin.insert("t", ["x"], [[1, 2, 3]])

    assert reports.query("SELECT sum(x) FROM t") == [(6,)]
    with pytest.raises(WarehouseError, match="readonly"):
        reports.insert("t", ["x"], [[4]])
    with pytest.raises(WarehouseError, match="readonly"):
        reports.execute("INSERT INTO t SELECT 5")
    with pytest.raises(WarehouseError, match="readonly"):
        reports.execute("CREATE TABLE u (x UInt8) ENGINE = Memory")
    with pytest.raises(WarehouseError, match="readonly"):
        reports.execute("DROP TABLE t")
    assert admin.query("SELECT count() FROM t") == [(3,)]


def test_closed_port_is_retried_then_unavailable() -> None:
    port = free_port()
    wh = ServerWarehouse(
        parse_url(f"clickhouse://default:s3cret-pw@127.0.0.1:{port}/db"), retries=2, backoff=0.05
    )
    started = time.monotonic()
    with pytest.raises(WarehouseUnavailable) as caught:
        wh.query("SELECT 1")
    elapsed = time.monotonic() - started
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message
    assert "after 3 attempt(s)" in message
    assert "s3cret-pw" not in message
    assert 0.15 <= elapsed < 3  # backoff 0.05 then 0.1


def test_connection_failures_are_retried_until_the_server_answers(
    admin: ServerWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = admin._client.connection
    real_connect = connection.connect
    calls = []

    def flaky_connect() -> None:
        calls.append(1)
        if len(calls) <= 2:
            raise errors.NetworkError("Connection refused (127.0.0.1)")
        real_connect()

    monkeypatch.setattr(connection, "connect", flaky_connect)
    admin._backoff = 0.01
    assert admin.query("SELECT 42") == [(42,)]
    assert len(calls) == 3


def test_passwords_never_appear_in_urls_or_errors(clickhouse_server: ClickHouseServer, database: str) -> None:
    good = ServerWarehouse(parse_url(clickhouse_server.url(database)))
    password = clickhouse_server.admin_password
    assert password not in good.url and "***" in good.url
    # The server echoes the statement in a syntax error: a password in it is masked.
    with pytest.raises(WarehouseError) as caught:
        good.execute("SELEC %(p)s", {"p": password})
    assert "Syntax error" in str(caught.value)
    assert password not in str(caught.value)
    good.close()

    wrong = "not-" + password
    bad = ServerWarehouse(parse_url(clickhouse_server.url(database).replace(password, wrong)))
    with pytest.raises(WarehouseError) as caught:
        bad.query("SELECT 1")
    assert not isinstance(caught.value, WarehouseUnavailable)  # a wrong password is not retried
    assert "Wrong password" in str(caught.value)
    assert wrong not in str(caught.value) and wrong not in bad.url


def test_server_errors_carry_the_message_without_stack_trace(admin: ServerWarehouse) -> None:
    with pytest.raises(WarehouseError) as caught:
        admin.query("SELECT * FROM no_such_table")
    message = str(caught.value)
    assert "no_such_table" in message and "doesn't exist" in message
    assert "Stack trace" not in message and "libclickhouse" not in message


def test_secure_scheme_builds_a_tls_client() -> None:
    tls = ServerWarehouse(parse_url("clickhouses://u:pw@db.example:9440/wh?verify=0"))
    assert tls.secure
    assert tls._client.connection.verify_cert is False
    assert tls.url == "clickhouses://u:***@db.example:9440/wh"
    plain = ServerWarehouse(parse_url("clickhouse://u:pw@db.example/wh"))
    assert not plain.secure
    assert plain._client.connection.verify_cert is True


def test_bad_urls_and_identifiers_are_refused() -> None:
    with pytest.raises(WarehouseError, match="unknown option"):
        ServerWarehouse(parse_url("clickhouse://u@h/db?bogus=1"))
    with pytest.raises(WarehouseError, match="invalid database name"):
        ServerWarehouse(parse_url("clickhouse://u@h/db;DROP"))
    wh = ServerWarehouse(parse_url("clickhouse://u@h/db"))
    with pytest.raises(WarehouseError, match="invalid table name"):
        wh.insert("t; DROP TABLE x", ["a"], [[1]])
    with pytest.raises(WarehouseError, match="invalid column name"):
        wh.insert("t", ["a b"], [[1]])


def test_ensure_database_creates_it_idempotently(clickhouse_server: ClickHouseServer) -> None:
    name = f"ens_{uuid.uuid4().hex[:12]}"
    wh = ServerWarehouse(parse_url(clickhouse_server.url(name)))
    try:
        with pytest.raises(WarehouseError, match=name):
            wh.query("SELECT 1")
        wh.ensure_database()
        wh.ensure_database()
        assert wh.query("SELECT currentDatabase()") == [(name,)]
    finally:
        wh.close()
        clickhouse_server.admin_execute(f"DROP DATABASE IF EXISTS {name}")


def test_datetimes_come_back_aware_utc_whatever_the_column_zone(admin: ServerWarehouse) -> None:
    admin.execute(
        "CREATE TABLE d (k UInt8, utc DateTime('UTC'), plain DateTime, hanoi DateTime('Asia/Ho_Chi_Minh'),"
        " maybe Nullable(DateTime('UTC')), day Date, kind Enum8('a' = 1, 'b' = 2),"
        " many Array(DateTime('UTC'))) ENGINE = MergeTree ORDER BY k"
    )
    instant = datetime(2024, 5, 1, 12, 30, 15, tzinfo=UTC)
    in_hanoi = instant.astimezone(HANOI)
    admin.insert(
        "d",
        ["k", "utc", "plain", "hanoi", "maybe", "day", "kind", "many"],
        [[1, 2], [instant, in_hanoi], [instant, instant], [in_hanoi, instant], [None, in_hanoi],
         [date(2024, 5, 1)] * 2, ["a", "b"], [[instant], []]],
    )  # fmt: skip
    rows = admin.query("SELECT utc, plain, hanoi, maybe, day, kind, many FROM d ORDER BY k")
    assert rows == [
        (instant, instant, instant, None, date(2024, 5, 1), "a", [instant]),
        (instant, instant, instant, instant, date(2024, 5, 1), "b", []),
    ]
    for row in rows:
        for value in (*row[:3], *row[6]):
            assert value.tzinfo is UTC
    # An aware parameter in another zone names the same instant.
    assert admin.query("SELECT count() FROM d WHERE utc = %(t)s", {"t": in_hanoi}) == [(2,)]
    assert admin.query("SELECT toDateTime('2024-05-01 19:30:15', 'Asia/Ho_Chi_Minh')") == [(instant,)]


def test_insert_leaves_caller_data_alone_and_checks_shapes(admin: ServerWarehouse) -> None:
    admin.execute("CREATE TABLE e (k UInt8, kind Enum8('a' = 1, 'b' = 2)) ENGINE = MergeTree ORDER BY k")
    keys, kinds = [1, 2], ("a", "b")
    assert admin.insert("e", ["k", "kind"], [keys, kinds]) == 2
    assert keys == [1, 2] and kinds == ("a", "b")  # the driver encodes in place: it gets copies
    assert admin.insert("e", ["k", "kind"], [[], []]) == 0
    with pytest.raises(WarehouseError, match="different lengths"):
        admin.insert("e", ["k", "kind"], [[1], []])
    with pytest.raises(WarehouseError, match="2 column names but 1 columns"):
        admin.insert("e", ["k", "kind"], [[1]])
    with pytest.raises(WarehouseError, match=r"column kind \(Enum8.*unknown value 'zzz'; known: 'a', 'b'"):
        admin.insert("e", ["k", "kind"], [[3], ["zzz"]])
    with pytest.raises(WarehouseError, match="does not fit"):
        admin.insert("e", ["k", "kind"], [["not a number"], ["a"]])
    assert admin.query("SELECT k, kind FROM e ORDER BY k") == [(1, "a"), (2, "b")]


def test_insert_values_through_execute_is_refused(clickhouse_server: ClickHouseServer) -> None:
    """On the native protocol such a statement would wait for data blocks forever."""
    with (
        open_warehouse(clickhouse_server.url("default")) as wh,
        pytest.raises(WarehouseError, match="goes through insert"),
    ):
        wh.execute("INSERT INTO t (a) VALUES (%(a)s)", {"a": 1})


def test_instants_given_to_a_server_in_another_time_zone_are_read_as_the_same_instants(
    clickhouse_server: ClickHouseServer, database: str
) -> None:
    """ClickHouse 18.16 reads date-time text compared with a DateTime('UTC') column in the server's zone:
    on a +07:00 server every instant bound was read seven hours off, a week's checks looked at Sunday 17:00
    to Sunday 17:00 and an equality found nothing (review of the time zones)."""
    client = clickhouse_server.client()
    try:
        assert client.execute("SELECT timezone()") == [("Asia/Ho_Chi_Minh",)]  # tests/conftest.py
    finally:
        client.disconnect()
    with open_warehouse(clickhouse_server.url(database)) as wh:
        wh.execute("CREATE TABLE IF NOT EXISTS instants (n UInt8, at DateTime('UTC')) ENGINE = Memory")
        stored = [datetime(2025, 11, 2, 20, tzinfo=HANOI), datetime(2025, 11, 3, 10, tzinfo=HANOI)]
        wh.insert("instants", ["n", "at"], [[1, 2], stored])
        monday = datetime(2025, 11, 3, tzinfo=HANOI)  # the week 2025-W45 starts
        assert wh.query("SELECT n FROM instants WHERE at >= %(m)s", {"m": monday}) == [(2,)]
        assert wh.query("SELECT n FROM instants WHERE at < %(m)s", {"m": monday}) == [(1,)]
        assert wh.query("SELECT n FROM instants WHERE at = %(t)s", {"t": stored[0].astimezone(UTC)}) == [(1,)]
        assert wh.query("SELECT n FROM instants WHERE at IN %(t)s", {"t": (stored[1],)}) == [(2,)]
        (back,) = wh.query("SELECT at FROM instants WHERE n = 1")[0]
        assert back == stored[0]


def test_a_server_gone_in_a_query_is_unreachable_a_timeout_is_not(tmp_path: Path) -> None:
    """A server stopped between two queries of one session: the next query loses its connection, refused by
    the driver's own reconnect, which says the server is down (``WarehouseUnreachable``, which a weekly
    step tries again: a short restart in the middle of a step failed the run at once, read of the session);
    a query that timed out is only ``WarehouseUnavailable`` (a slow query would time out again)."""
    from warehouse.base import WarehouseUnreachable

    server = start_server(tmp_path / "server")
    try:
        with open_warehouse(server.url("default") + "?retries=0") as wh:
            assert wh.query("SELECT 1") == [(1,)]
            server.stop()
            with pytest.raises(WarehouseUnreachable, match=r"connection lost|cannot connect"):
                wh.query("SELECT 1")
    finally:
        server.stop()
    slow = ServerWarehouse(parse_url("clickhouse://default@127.0.0.1:9/default"))
    slow._connect = lambda client: None  # type: ignore[method-assign]  # as if connected

    def timed_out() -> None:
        raise errors.SocketTimeoutError("timed out")

    with pytest.raises(WarehouseUnavailable) as caught:
        slow._run(slow._client, timed_out)
    assert not isinstance(caught.value, WarehouseUnreachable)
