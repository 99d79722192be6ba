"""Review of 2026-12-04: a unit in force whose desk received no dossier in the week vanished from the
report (Appendix I, the ranking, the trend), which promises to list such a unit unranked: the one that
sends nothing is the one leadership must see. (Its own module: chdb opens one warehouse per process.)"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson

from dossier_audit.simulator import simulate
from reporting import gather
from reporting.header import make_header
from reporting.model import build_report
from reporting.tables import ranking_table
from tests.reporting.conftest import load_province
from tests.reporting.test_units_in_force import AFTER, PLATFORM, SIM
from warehouse import open_warehouse


def test_a_unit_that_received_nothing_is_listed_unranked(tmp_path: Path) -> None:
    quiet = "000.10.04.H99"  # and the two communes merged into it on 1/7/2025
    gone = {quiet, "000.02.03.H99", "000.02.04.H99"}
    events = tmp_path / "events.jsonl"
    simulate(SIM, events, tmp_path / "truth.jsonl")
    lines = [line for line in events.read_bytes().splitlines() if orjson.loads(line)["unit_code"] not in gone]
    events.write_bytes(b"\n".join(lines) + b"\n")
    with open_warehouse(f"chdb://{tmp_path}/wh", create_database=True) as wh:
        load_province(PLATFORM, wh, events, datetime(2025, 7, 21, tzinfo=UTC))
        forms = gather.week_forms(PLATFORM.catalogue, wh, AFTER)
        assert (
            set(forms.units) == set(gather.receiving_units(PLATFORM.catalogue, AFTER))
            and quiet in forms.units
        )
        assert forms.units[quiet].received_total == 0 and forms.units[quiet].on_time_rate is None
        report = build_report(PLATFORM.catalogue, make_header(PLATFORM.catalogue, "vi"), wh, AFTER)
    (last,) = [r for r in report.ranking if r.code == quiet]
    assert last.rank is None and report.ranking[-1].code == quiet  # listed last, unranked
    row = next(row for row in ranking_table(report).rows if row.key == quiet)
    assert [cell.text for cell in row.cells][:3] == ["chưa xếp hạng", quiet, "UBND xã Tây An Lộc"]
    assert {r.code for r in report.ranking} >= set(gather.receiving_units(PLATFORM.catalogue, AFTER))
