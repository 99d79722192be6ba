"""A warehouse outage does not churn the sink's group (issue 19, item 3), and a worker logs one line per
retry (item 4a).

The outage is real: the sink talks to the test's ClickHouse server through a TCP proxy that the test
takes down (connections refused, open ones cut) for three times the consumer's ``max_poll_interval``,
then brings back on the same port. The sink must stay in its group all along — no revocation, so no new
generation — and store every record exactly once.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from bootstrap.platform import Platform, sink_options
from dossier_audit.cli.common import quiet_driver_logs
from streams.observability import configure_logging, reset_logging
from streams.sink.retry import RetryClock, RetryPolicy, sink_warehouse_url
from streams.sink.worker import SinkWorker
from tests.streams.test_sink import FAST, committed, count, ingest_examples, settings_of
from warehouse import open_warehouse
from warehouse.base import Warehouse, parse_url
from warehouse.migrate import migrate
from warehouse.pseudonym_keys import check_key

MAX_POLL_SECONDS = 2.0
OUTAGE_SECONDS = 3 * MAX_POLL_SECONDS


class Proxy:
    """A TCP proxy to ``target`` on a port of its own that :meth:`down` closes (refusing connections and
    cutting the open ones) and :meth:`up` opens again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.up()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):  # wakes the accept() blocked on it (close alone does not)
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed by down()
                return
            if self._listener is not listener:  # accepted as it went down
                client.close()
                return
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink_: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink_.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink_):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def database(clickhouse_server) -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    clickhouse_server.admin_execute(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        clickhouse_server.admin_execute(f"DROP DATABASE IF EXISTS {name}")


class OutageOnFirstWrite:
    """The sink's warehouse; its first insert takes the proxy down for ``OUTAGE_SECONDS`` (then goes on
    through the real backend, which finds the server gone)."""

    def __init__(self, wh: Warehouse, proxy: Proxy) -> None:
        self.wh, self.proxy = wh, proxy
        self.timer: threading.Timer | None = None

    def insert(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> int:
        if self.timer is None:
            self.proxy.down()
            self.timer = threading.Timer(OUTAGE_SECONDS, self.proxy.up)
            self.timer.start()
        return self.wh.insert(table, columns, data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wh, name)


class RecordingSink(SinkWorker):
    """Records every revocation of partitions outside the final close: each one is a rebalance the sink
    went through (kafka-python also "revokes" nothing before the first join: not recorded)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.revocations: list[list[Any]] = []

    def _on_revoked(self, revoked: list[Any]) -> None:
        if revoked and not self._closing:
            self.revocations.append(revoked)
        super()._on_revoked(revoked)


@pytest.mark.parametrize(
    "options",
    ["", "?retries=3&backoff=1"],
    ids=["sink-retries", "blocking-connect"],
)
def test_a_warehouse_outage_longer_than_the_poll_interval_keeps_the_sink_in_its_group(
    broker, clickhouse_server, database, options
):
    """Both ways a write can fail for long: quick failed attempts retried by the sink's backoff (its own
    URL, ``retries=0``), and one attempt blocked for ~7 s by the backend's connection retries."""
    settings = settings_of(broker, sink_batch_size=10_000)
    ingest_examples(settings, [b"not json"])
    with open_warehouse(clickhouse_server.url(database)) as direct:
        migrate(direct)  # the outage starts after the worker's start-up (its key recorded then too)
        check_key(direct, Platform(settings).pseudonymiser.fingerprint)
    proxy = Proxy((clickhouse_server.host, clickhouse_server.port))
    url = clickhouse_server.url(database).replace(f":{clickhouse_server.port}/", f":{proxy.port}/") + options
    log = io.StringIO()
    quiet_driver_logs()
    configure_logging(json=False, stream=log)
    try:
        with open_warehouse(sink_warehouse_url(url) if not options else url) as wh:
            flaky = OutageOnFirstWrite(wh, proxy)
            platform = Platform(settings)
            options = sink_options(
                settings, retry=RetryPolicy(initial=0.5, maximum=1.0), idle_seconds=1.0,
                consumer_options={**FAST, "max_poll_interval_ms": int(MAX_POLL_SECONDS * 1000)},
            )  # fmt: skip
            worker = RecordingSink(platform.kafka, options, platform.pseudonymiser, flaky)
            lags: list[float] = []
            done = threading.Event()
            sampler = threading.Thread(target=_sample_lag, args=(worker, flaky, lags, done), daemon=True)
            sampler.start()
            try:
                stats = worker.run(until_idle=True)
            finally:
                done.set()
                sampler.join()
    finally:
        reset_logging()
        proxy.down()
    # The lag counts the records the warehouse does not have: it read 0 all through the outage (the
    # records held for the retries were past the consumer's position: on-call review).
    assert max(lags, default=0.0) == 25, lags
    assert flaky.timer is not None and not flaky.timer.is_alive()  # the outage happened, and ended
    assert worker.revocations == []  # never dropped from the group: no rebalance, no new generation
    assert stats.discarded_batches == 0
    with open_warehouse(clickhouse_server.url(database)) as wh:
        assert (count(wh, "events"), count(wh, "rejected_events")) == (24, 1)
        assert count(wh, "events", final=False) == 24  # written once: no batch was redelivered
    assert sum(committed(broker).values()) == 25

    lines = log.getvalue().splitlines()
    assert "Traceback" not in log.getvalue()
    assert not [line for line in lines if "clickhouse_driver" in line]
    retries = [line for line in lines if "warehouse write failed; retrying" in line]
    assert len(retries) == stats.retries  # one line per retry, and nothing else about the outage
    # Each says what to check, and once the write succeeds, one line says so (review of 2026-12-06: retries,
    # then silence, and an on-call engineer could not tell the sink had recovered).
    assert all("check that the ClickHouse server is up" in line for line in retries)
    recovered = [line for line in lines if "warehouse write succeeded after retrying" in line]
    if stats.retries:
        assert len(recovered) == 1 and f"failed_attempts={stats.retries}" in recovered[0], recovered
    else:  # the blocked attempt outlasted the outage: nothing failed, nothing to say
        assert recovered == []
    if not options:
        assert stats.retries >= 3  # the sink's own backoff (0.5 s, then 1 s) over the 6 s outage
        assert all("after 1 attempt(s)" in line or "connection lost" in line for line in retries)
        warnings = [line for line in lines if " warning " in line]
        assert warnings == retries


def _sample_lag(
    worker: SinkWorker, flaky: OutageOnFirstWrite, lags: list[float], done: threading.Event
) -> None:
    """The sink's total lag, every 0.1 s while the warehouse is down."""
    while not done.wait(0.1):
        if flaky.timer is not None and flaky.timer.is_alive():
            (metric,) = worker.metrics.consumer_lag.collect()
            samples = metric.samples
            lags.append(sum(sample.value for sample in samples))


def test_the_retry_clock_backs_off_without_blocking() -> None:
    clock = RetryClock(RetryPolicy(initial=0.2, maximum=0.5))
    assert clock.left() is None  # nothing scheduled: an attempt runs
    assert [clock.failed(), clock.failed(), clock.failed()] == [0.2, 0.4, 0.5]
    left = clock.left()
    assert left is not None and 0.4 < left <= 0.5
    clock.started()
    assert clock.left() is None and clock.failed() == 0.5  # the backoff goes on from where it was


def test_the_sink_writes_without_the_backends_connection_retries() -> None:
    url = "clickhouse://u:p%40ss@h:9000/db"
    assert sink_warehouse_url(url) == url + "?retries=0"
    # The last value of an option wins: the URL's own retries stay for the start-up only.
    with_own = sink_warehouse_url(url + "?retries=5&backoff=1")
    assert with_own == url + "?retries=5&backoff=1&retries=0"
    assert dict(parse_url(with_own).options)["retries"] == "0"
    assert sink_warehouse_url("chdb:///tmp/wh") == "chdb:///tmp/wh"
