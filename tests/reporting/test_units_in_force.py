"""The weekly report's unit rows across the 1/7/2025 merger (rulebook v2, amendment 11, as `metrics --by
unit`): each dossier counts for the unit in force at the end of the report's week, the rows sum to the
province row, and they equal the file-based `metrics --by unit` groups for the week."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import orjson
import pytest

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.jobs.files import metrics_file
from dossier_audit.jobs.warehouse import metrics_warehouse
from dossier_audit.simulator import SimulationConfig, simulate
from inspections.metrics import ReportingForm
from inspections.weeks import Week
from reporting import gather
from tests.reporting.conftest import load_province
from warehouse import open_warehouse
from warehouse.base import Warehouse

SIM = SimulationConfig(start=date(2025, 6, 2), end=date(2025, 7, 21), dossiers=300, seed=9)
BEFORE, AFTER = Week.parse("2025-W26"), Week.parse("2025-W28")  # 23-29 June, 7-13 July 2025
OLD = {"000.01.01.H99", "000.01.02.H99", "000.01.03.H99", "000.01.04.H99"}
OLD |= {"000.02.01.H99", "000.02.02.H99", "000.02.03.H99", "000.02.04.H99"}
PLATFORM = Platform(load_settings())


@pytest.fixture(scope="module")
def merger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Warehouse]]:
    directory = tmp_path_factory.mktemp("merger")
    events = directory / "events.jsonl"
    simulate(SIM, events, directory / "truth.jsonl")
    meta = orjson.loads((directory / "truth.jsonl").read_bytes().splitlines()[0])["meta"]
    with open_warehouse(f"chdb://{directory}/wh", create_database=True) as wh:
        load_province(PLATFORM, wh, events, datetime.fromisoformat(meta["as_of"]))
        yield events, wh


def counts(form: ReportingForm) -> dict[str, object]:
    doc = form.to_json_dict()
    return {k: doc[k] for k in ("received", "resolved", "in_progress")}


@pytest.mark.parametrize("week", [BEFORE, AFTER], ids=["before", "after"])
def test_unit_rows_are_the_units_in_force_and_equal_metrics_by_unit(
    merger: tuple[Path, Warehouse], week: Week
) -> None:
    events, wh = merger
    forms = gather.week_forms(PLATFORM.catalogue, wh, week)
    assert counts(forms.province) == counts(metrics_warehouse(PLATFORM, wh, week.start, week.end))
    total = ReportingForm(week.start, week.end)
    for form in forms.units.values():
        total.merge(form)
    assert counts(total) == counts(forms.province)

    rows = {code for code, f in forms.units.items() if f.received_total}
    assert bool(rows & OLD) == (week == BEFORE)  # before the merger the old wards are still in force
    by_unit = metrics_file(PLATFORM, events, week.start, week.end, by="unit").groups
    assert {code for code, f in by_unit.items() if f.received_total} == rows
    for code in rows:
        assert counts(forms.units[code]) == counts(by_unit[code]), code


def test_the_trend_uses_the_report_weeks_units(merger: tuple[Path, Warehouse]) -> None:
    _, wh = merger
    points = gather.trend(PLATFORM.catalogue, wh, BEFORE, 2, units_of=AFTER)
    for point in points:
        assert not {code for code, f in point.units.items() if f.received_total} & OLD
    own = gather.trend(PLATFORM.catalogue, wh, BEFORE, 1)
    assert {code for code, f in own[0].units.items() if f.received_total} & OLD


def test_a_unit_no_longer_in_force_is_said_so_and_never_sent_an_inspection(
    merger: tuple[Path, Warehouse],
) -> None:
    """The 2025 reform ended the district level on 1/7/2025: the W27 report (30/6-6/7) named two district
    committees as the worst and sent the chairman to inspect them on site, a desk that no longer exists
    (review). They are named with the day they ended, and the units to visit are units in force."""
    from reporting.findings import ended_on, key_findings, recommendations, unit_named, units_to_inspect
    from reporting.header import make_header
    from reporting.model import build_report

    _, wh = merger
    catalogue = PLATFORM.catalogue
    report = build_report(catalogue, make_header(catalogue, "vi"), wh, Week.parse("2025-W27"))
    ended = sorted(code for code in report.forms.units if ended_on(report, code) is not None)
    assert ended  # the districts still handled dossiers that week
    assert not set(units_to_inspect(report)) & set(ended)
    for code in ended:
        assert unit_named(report, code).endswith("(đã chấm dứt hoạt động từ ngày 01/07/2025)")
    said = " ".join(key_findings(report) + recommendations(report))
    for code in ended:
        name = report.names.unit(code)
        assert said.count(name) == said.count(f"{name} (đã chấm dứt hoạt động"), name


def test_a_unit_to_inspect_that_a_reform_ends_after_the_report_says_when_and_where_to_go_after(
    merger: tuple[Path, Warehouse],
) -> None:
    """The W25 report (16-22 June 2025, dated 23 June) sent the chairman to inspect units the reform ended
    on 1/7/2025, a week later, without a word of it (review): each such unit is named with the day it ends
    and its successor, where to inspect after that day (or, without one, to inspect before)."""
    from reporting.findings import ending_on, recommendations, units_to_inspect
    from reporting.header import make_header
    from reporting.model import build_report

    _, wh = merger
    catalogue = PLATFORM.catalogue
    report = build_report(catalogue, make_header(catalogue, "vi"), wh, Week.parse("2025-W25"))
    ending = [code for code in units_to_inspect(report) if ending_on(report, code) is not None]
    assert ending and report.header.issued_on < date(2025, 7, 1)
    said = recommendations(report)[0]
    for code in ending:
        unit = catalogue.unit(code)
        assert unit is not None and unit.valid_to == date(2025, 7, 1)
        after = (f"sau ngày đó kiểm tra tại {report.names.unit(unit.successor)})" if unit.successor
                 else "cần kiểm tra trước ngày đó)")  # fmt: skip
        assert f"{report.names.unit(code)} (" in said
        assert f"; chấm dứt hoạt động từ ngày 01/07/2025, {after}" in said, said
    # A unit that stays in force is named as before.
    later = build_report(catalogue, make_header(catalogue, "vi"), wh, Week.parse("2025-W26"))
    assert not [code for code in units_to_inspect(later) if ending_on(later, code) is not None]
    assert "chấm dứt hoạt động từ ngày" not in recommendations(later)[0]
