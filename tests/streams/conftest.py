"""Fixtures for streaming tests: a real tansu broker process per test (memory storage, ~40 ms start)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from streams.broker import EmbeddedBroker


@pytest.fixture
def broker(tmp_path) -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker(log_file=tmp_path / "broker.log") as b:
        yield b
