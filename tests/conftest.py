"""Warehouse fixtures for every test directory: ONE real ClickHouse server for the session (defined here,
at the root, so that no directory starts its own), and a fresh empty database per test.

``warehouse_url`` / ``warehouse`` are parametrised over both backends (ids ``chdb`` and ``server``), so a
contract test written once runs against each.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.depth import DEFAULT_EXAMPLES, examples
from tests.scheduling import slow_first
from tests.templates import WarehouseTemplates
from tests.warehouse.server import ClickHouseServer, start_server
from warehouse import open_warehouse
from warehouse.base import Warehouse

# The property tests that set no budget of their own: hypothesis' default, deeper under ``make fuzz``.
settings.register_profile("depth", max_examples=examples(DEFAULT_EXAMPLES))
settings.load_profile("depth")


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, each worker's share of the suite starts with its long tests (``tests.scheduling``); every
    worker collects, and orders, the same."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    items[:] = slow_first(items, workers)


def pytest_configure(config: pytest.Config) -> None:
    """The suite's processes take Ctrl-C as a terminal's command does, however they were started. A script's
    background job (``cmd &`` where job control is off; ``nohup`` alone ignores only SIGHUP) starts with
    SIGINT ignored, Python keeps it so, and the xdist workers inherit it: the interrupt tests, which send
    their own process a Ctrl-C, never saw it raise (two failed in every full run started so,
    tests/test_run_in_background.py). A suite started so now stops at a Ctrl-C sent to it, as from a
    terminal."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


#: The stopping signals whose handlers a test must leave as it found them.
_STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@pytest.fixture(autouse=True)
def _stop_handlers_kept() -> Iterator[None]:
    """Each test finds the stopping signals' handlers as the process had them: one left behind made the
    interrupt tests that came next in the same worker fail, their Ctrl-C never raised (a full run of the
    suite, tests/dossier_audit/test_interrupts.py); Dagster's instances leave SIGTERM to Python's Ctrl-C
    handler. Put back after each test."""
    kept = {sig: signal.getsignal(sig) for sig in _STOPS}
    yield
    for sig, handler in kept.items():
        if handler is not None and signal.getsignal(sig) is not handler:
            signal.signal(sig, handler)


@pytest.fixture(scope="session")
def warehouse_templates(tmp_path_factory: pytest.TempPathFactory) -> WarehouseTemplates:
    """Warehouses built once per test process, copied per use (``tests.templates``)."""
    return WarehouseTemplates(tmp_path_factory)


@pytest.fixture(scope="session")
def clickhouse_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseServer]:
    """Debian's clickhouse-server, started on free ports with its own data directory; stopped at the end.

    Its own time zone is Asia/Ho_Chi_Minh, as an operator in Vietnam may keep a server's: the shipped
    configuration sets UTC, and every instant a query is given must mean the same on either (a server
    before 20.4 reads date-time text in its own zone: ``warehouse.binding.UtcInstant``)."""
    server = start_server(tmp_path_factory.mktemp("clickhouse"), timezone="Asia/Ho_Chi_Minh")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["chdb", "server"], ids=["chdb", "server"])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to a fresh, empty database on the backend the parameter names."""
    if request.param == "chdb":
        yield f"chdb://{tmp_path}/wh"
        return
    server: ClickHouseServer = request.getfixturevalue("clickhouse_server")
    database = f"test_{uuid.uuid4().hex[:12]}"
    server.admin_execute(f"CREATE DATABASE {database}")
    try:
        yield server.url(database)
    finally:
        server.admin_execute(f"DROP DATABASE IF EXISTS {database}")


@pytest.fixture
def warehouse(warehouse_url: str) -> Iterator[Warehouse]:
    """The warehouse ``warehouse_url`` names, its database existing; closed after the test."""
    with open_warehouse(warehouse_url, create_database=True) as wh:
        yield wh
