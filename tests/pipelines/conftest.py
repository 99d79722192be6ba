"""Fixtures for the Dagster tests: a small simulated province loaded into a chdb warehouse once per session,
and a private copy of it per test (chdb allows one session per directory per process, and the assets
write to the warehouse)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from bootstrap.platform import Platform
from bootstrap.settings import Settings, load_settings
from dossier_audit.jobs.warehouse import init, load_file
from dossier_audit.simulator import SimulationConfig, simulate
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from warehouse import open_warehouse

#: Nine weeks, Monday 2025-09-01 to Sunday 2025-11-02, audited as of the Monday after.
START, END = date(2025, 9, 1), date(2025, 11, 3)
AS_OF = datetime.combine(END, datetime.min.time(), tzinfo=VN_TZ)
DOSSIERS = 400
#: The last complete week of the province.
WEEK = Week.parse("2025-W44")


@dataclass(frozen=True)
class Province:
    events: Path
    warehouse_dir: Path


@pytest.fixture(scope="session")
def province_events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("province")
    events = root / "events.jsonl"
    simulate(SimulationConfig(start=START, end=END, dossiers=DOSSIERS, seed=3), events, root / "truth.jsonl")
    return events


@pytest.fixture(scope="session")
def province(province_events: Path, tmp_path_factory: pytest.TempPathFactory) -> Province:
    """The province loaded into a chdb warehouse (closed: copy it before use)."""
    directory = tmp_path_factory.mktemp("province-wh") / "wh"
    platform = Platform(load_settings())
    with open_warehouse(f"chdb://{directory}", create_database=True) as wh:
        init(platform, wh)
        load_file(platform, wh, province_events, AS_OF)
    return Province(province_events, directory)


@pytest.fixture
def province_url(province: Province, tmp_path: Path) -> Iterator[str]:
    """A private copy of the loaded province warehouse."""
    copy = tmp_path / "wh"
    shutil.copytree(province.warehouse_dir, copy, symlinks=True)  # Atomic databases link relatively
    yield f"chdb://{copy}"


@pytest.fixture
def settings(province_url: str, tmp_path: Path) -> Settings:
    return load_settings(warehouse=province_url, reports_dir=tmp_path / "reports", lang="vi")
