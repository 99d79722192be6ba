"""Fixtures of the data-quality tests: an initialised chdb warehouse and a loader of crafted events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from tests.checks.helpers import Loader, prepare
from tests.templates import WarehouseTemplates
from warehouse import open_warehouse
from warehouse.base import Warehouse


@pytest.fixture(scope="session")
def platform() -> Platform:
    return Platform(load_settings())


@pytest.fixture
def wh(platform: Platform, tmp_path: Path, warehouse_templates: WarehouseTemplates) -> Iterator[Warehouse]:
    """An initialised chdb warehouse (schema and the sample catalogue), empty of events: a copy of one built
    once per test process (``tests.templates``; building it took about a second a test)."""

    def build(url: str) -> None:
        with open_warehouse(url, create_database=True) as opened:
            prepare(platform, opened)

    with open_warehouse(warehouse_templates.copy("checks-prepared", build, tmp_path / "wh")) as opened:
        yield opened


@pytest.fixture
def loader(platform: Platform, wh: Warehouse) -> Loader:
    return Loader(platform, wh)
