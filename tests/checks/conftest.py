"""Fixtures of the data-quality tests: an initialised chdb warehouse and a loader of crafted events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from tests.checks.helpers import Loader, prepare
from warehouse import open_warehouse
from warehouse.base import Warehouse


@pytest.fixture(scope="session")
def platform() -> Platform:
    return Platform(load_settings())


@pytest.fixture
def wh(platform: Platform, tmp_path: Path) -> Iterator[Warehouse]:
    """An initialised chdb warehouse (schema and the sample catalogue), empty of events."""
    with open_warehouse(f"chdb://{tmp_path}/wh", create_database=True) as opened:
        yield prepare(platform, opened)


@pytest.fixture
def loader(platform: Platform, wh: Warehouse) -> Loader:
    return Loader(platform, wh)
