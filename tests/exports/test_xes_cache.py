"""The XES writer's cache of attribute elements holds short values only, so it is bounded in bytes and not
only in entries: 800 distinct 60 KB free-text steps (a line may hold ~128 KiB) held ~560 MB (review of the
exports). A long value is rendered each time, to the same element."""

from __future__ import annotations

from datetime import datetime

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from inspections.timeunits import VN_TZ
from reporting.exports.model import DossierLog, LogEvent, local
from reporting.exports.xes import Xes, attribute

T0 = datetime(2025, 9, 1, 8, tzinfo=VN_TZ)


def _dossier(dossier_id: str, step: str) -> DossierLog:
    unit = "000.00.01.H99"
    attributes = (("event_type", "transferred"), ("to_unit_code", unit), ("step", step))
    event = LogEvent(f"{dossier_id}-1", "transferred", local(T0), unit, attributes, to_unit_code=unit)
    return DossierLog(dossier_id, unit, None, None, None, None, T0.date(), (event,), None)


def test_a_long_value_is_not_cached_and_renders_the_same() -> None:
    xes = Xes(Platform(load_settings()).catalogue)
    short, long = "Thẩm định", "Bước " + '"' * 60_000
    for i in range(3):
        xes.render(_dossier(f"S{i}", short))
        body = xes.render(_dossier(f"L{i}", f"{i}{long}")).body.decode()
        assert attribute("step", f"{i}{long}", "      ") in body
    cached = [value for (key, value, _pad) in xes._cache if key == "step"]
    assert cached == [short]
    assert all(len(element) < 2_000 for element in xes._cache.values())
