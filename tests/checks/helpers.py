"""Crafted warehouse data for the data-quality tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bootstrap.platform import Platform
from inspections.timeunits import VN_TZ
from schemas.events import AnyEvent
from tests.builders import ev, processed, received
from warehouse.base import Warehouse
from warehouse.event_rows import EVENT_COLUMNS, event_row
from warehouse.migrate import migrate
from warehouse.projection import fold_dossiers
from warehouse.store import store_catalogue

UNIT = "000.10.01.H99"
OTHER_UNIT = "000.10.02.H99"
PROCEDURE = "1.004222"
#: The checking clock of the tests: Thursday of 2025-W47, well after the crafted week 2025-W45 (3–9 Nov).
NOW = datetime(2025, 11, 20, 12, 0, tzinfo=VN_TZ)


def prepare(platform: Platform, wh: Warehouse) -> Warehouse:
    migrate(wh)
    store_catalogue(wh, platform.catalogue, platform.calendar)
    return wh


def dossier(
    n: int, day: str = "2025-11-04", *, unit: str = UNIT, procedure: str = PROCEDURE
) -> list[AnyEvent]:
    """A clean dossier: received at 09:00 on ``day``, due three days later, processed and returned."""
    d = datetime.fromisoformat(day)
    ids: dict[str, Any] = {"dossier": f"{unit}-{d:%y%m%d}-{n:04d}", "unit": unit}
    return [
        received(f"{day} 09:00", f"{d + timedelta(days=3):%Y-%m-%d} 17:00", procedure=procedure,
                 event_id=f"{ids['dossier']}-1", **ids),
        processed(f"{day} 15:00", event_id=f"{ids['dossier']}-2", **ids),
        ev("returned", f"{day} 16:00", {"channel": "direct"}, event_id=f"{ids['dossier']}-3", **ids),
    ]  # fmt: skip


def clean_events() -> list[AnyEvent]:
    """Four clean dossiers in 2025-W45 (Tuesday to Friday) at two units."""
    events: list[AnyEvent] = []
    for n, (day, unit) in enumerate(
        [("2025-11-04", UNIT), ("2025-11-05", UNIT), ("2025-11-06", OTHER_UNIT), ("2025-11-07", OTHER_UNIT)]
    ):
        events += dossier(n + 1, day, unit=unit)
    return events


@dataclass
class Loader:
    platform: Platform
    wh: Warehouse
    offset: int = 0

    def rows(self, events: list[AnyEvent], **overrides: Any) -> None:
        """Store events as the loader does, with ``overrides`` (column → value) forced into every row."""
        columns = list(EVENT_COLUMNS)
        rows = []
        for event in events:
            self.offset += 1
            row = list(event_row(event, "test", self.offset, datetime.now(UTC).replace(microsecond=0)))
            for column, value in overrides.items():
                row[columns.index(column)] = value
            rows.append(row)
        self.wh.insert("events", columns, [list(c) for c in zip(*rows, strict=True)])

    def load(self, events: list[AnyEvent], **overrides: Any) -> None:
        """Store the events and fold their dossiers (projection and violations) at ``NOW``."""
        self.rows(events, **overrides)
        fold_dossiers(self.platform.auditor, self.wh, sorted({e.dossier_id for e in events}), NOW)
