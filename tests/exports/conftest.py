"""A small simulated province for the export tests, the command line, and PM4Py kept quiet.

PM4Py (AGPL-3.0) is a test-only dependency: only the tests import it, to prove the exports open in a real
process-mining client (``tests/exports/test_no_pm4py_in_product.py`` keeps it out of the product).
"""

from __future__ import annotations

import contextlib
import io
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from dossier_audit.cli import app
from dossier_audit.simulator import SimulationConfig, simulate
from tests.warehouse.server import ClickHouseServer

runner = CliRunner()

#: Four weeks, 300 dossiers (~1,600 events): every event type, violations of every rule.
SIM = SimulationConfig(start=date(2025, 9, 1), end=date(2025, 9, 29), dossiers=300, seed=5)
#: The instant the province is judged at (file exports and warehouse loads alike).
AS_OF = "2025-10-27"


def cli(*args: str) -> Result:
    """``dossier-audit args`` in this process."""
    return runner.invoke(app, list(args))


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.stderr + result.stdout
    return result


@pytest.fixture(scope="session")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The simulated province's events file (contract JSONL, with applicants in clear)."""
    directory = tmp_path_factory.mktemp("export-province")
    events = directory / "events.jsonl"
    simulate(SIM, events, directory / "truth.jsonl")
    return events


@dataclass(frozen=True)
class Loaded:
    """A warehouse (of the backend ``backend``) holding the province, loaded at ``AS_OF``."""

    backend: str
    url: str


@pytest.fixture(scope="module", params=["chdb", "server"], ids=["chdb", "server"])
def loaded(
    request: pytest.FixtureRequest, province: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Loaded]:
    """The province loaded into a fresh warehouse on each backend, once per module."""
    if request.param == "chdb":
        url = f"chdb://{tmp_path_factory.mktemp('export-wh')}/wh"
        server: ClickHouseServer | None = None
    else:
        server = request.getfixturevalue("clickhouse_server")
        database = f"test_{uuid.uuid4().hex[:12]}"
        server.admin_execute(f"CREATE DATABASE {database}")
        url = server.url(database)
    try:
        ok(cli("warehouse", "init", "--warehouse", url))
        ok(cli("warehouse", "load", str(province), "--warehouse", url, "--as-of", AS_OF))
        yield Loaded(request.param, url)
    finally:
        if server is not None:
            server.admin_execute(f"DROP DATABASE IF EXISTS {database}")


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """PM4Py prints a banner and progress bars, and warns about optional backends."""
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        warnings.simplefilter("ignore")
        yield


def read_xes(path: Path) -> Any:
    """``pm4py.read_xes`` (its default reader: lxml's iterparse), as a DataFrame."""
    with quiet():
        import pm4py  # type: ignore[import-untyped]

        return pm4py.read_xes(str(path))


def read_ocel(path: Path) -> Any:
    with quiet():
        import pm4py

        return pm4py.read_ocel2_json(str(path))
