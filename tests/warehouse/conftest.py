"""Fixtures of the tests of ``warehouse load`` on a simulated province (``test_load_streaming``,
``test_load_again``); what they share besides: ``province_loads``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

import dossier_audit.jobs.warehouse as job
from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.jobs import load_stored
from dossier_audit.simulator import SimulationConfig, simulate
from tests.warehouse.province_loads import KEY
from warehouse.base import Warehouse
from warehouse.projection import fold_dossiers

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
SIM = SimulationConfig(dossiers=300, seed=18)


@pytest.fixture(scope="module")
def platform() -> Platform:
    return Platform(load_settings(pseudonym_key=KEY))


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, datetime]:
    """A simulated province with the contract's examples (applicants in clear), events with unknown fields
    (one holding an applicant), duplicates and the contract's invalid lines, out of order in places."""
    folder = tmp_path_factory.mktemp("streaming-load")
    summary = simulate(SIM, folder / "sim.jsonl", folder / "truth.jsonl")
    lines = (folder / "sim.jsonl").read_bytes().splitlines()
    examples = (CONTRACT / "examples.jsonl").read_bytes().splitlines()
    extra = []
    for n, raw in enumerate(examples[:6]):
        doc = orjson.loads(raw)
        doc["event_id"] = f"{doc['event_id']}-x"
        doc["x_source_row"] = {"n": n, "applicant": "Nguyễn Văn A"} if n % 2 else [n, "kept"]
        doc["occurred_at"] = doc["occurred_at"].replace(":00+07:00", ":30+07:00")
        extra.append(orjson.dumps(doc))
    mixed = lines[:1000] + examples + lines[1000:] + extra + lines[5:40]  # the last: duplicates
    mixed[10], mixed[500] = mixed[500], mixed[10]
    mixed += (CONTRACT / "invalid.jsonl").read_bytes().splitlines()
    path = folder / "events.jsonl"
    path.write_bytes(b"\n".join(mixed) + b"\n")
    return path, summary.as_of


@pytest.fixture
def two_warehouses(
    warehouse_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[str, str]]:
    """Two fresh databases on the backend of ``warehouse_url`` (chdb: one directory each, opened in turn)."""
    if warehouse_url.startswith("chdb:"):
        yield f"chdb://{tmp_path}/one", f"chdb://{tmp_path}/two"
        return
    server = request.getfixturevalue("clickhouse_server")
    database = warehouse_url.rsplit("/", 1)[1] + "_b"
    server.admin_execute(f"CREATE DATABASE {database}")
    try:
        yield warehouse_url, server.url(database)
    finally:
        server.admin_execute(f"DROP DATABASE IF EXISTS {database}")


@pytest.fixture
def read_back(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The dossiers each load from now on folds from the warehouse, in order."""
    ids_read: list[str] = []

    def spy(auditor: Any, wh: Warehouse, dossier_ids: Any, at: datetime, **kwargs: Any) -> Any:
        ids = list(dossier_ids)
        ids_read.extend(ids)
        return fold_dossiers(auditor, wh, ids, at, **kwargs)

    monkeypatch.setattr(job, "fold_dossiers", spy)  # the dossiers of unfinished runs
    monkeypatch.setattr(load_stored, "fold_dossiers", spy)  # those of the file held before
    return ids_read
