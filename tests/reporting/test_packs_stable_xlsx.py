"""Issue 15: a pack's XLSX has the same bytes whenever it is saved — openpyxl's save-time clock and the ZIP
entries' times never reach the file — and it is written through openpyxl's public ``Workbook.save``."""

from __future__ import annotations

import datetime as real_datetime
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import openpyxl
from openpyxl import Workbook

from inspections.timeunits import VN_TZ
from reporting.stable_xlsx import save_stably

ISSUED = datetime(2025, 11, 24, tzinfo=VN_TZ)


def _workbook() -> Workbook:
    wb = Workbook()
    wb.active.append(["mã hồ sơ", "thời điểm"])
    wb.active.append(["H12.34-250101-000123", datetime(2025, 11, 20, 10, 0)])
    return wb


def test_two_saves_at_different_clock_times_give_the_same_bytes(tmp_path: Path, monkeypatch) -> None:
    clock = iter([datetime(2031, 1, 1, 8, 0, 0), datetime(2032, 6, 1, 9, 30, 0)])

    class Clock(real_datetime.datetime):
        @classmethod
        def now(cls, tz: object = None) -> Clock:
            return next(clock).replace(tzinfo=UTC)  # type: ignore[return-value]

    monkeypatch.setattr(
        openpyxl.writer.excel, "datetime", SimpleNamespace(datetime=Clock, timezone=real_datetime.timezone)
    )
    first = save_stably(_workbook(), tmp_path / "a.xlsx", ISSUED).read_bytes()
    second = save_stably(_workbook(), tmp_path / "b.xlsx", ISSUED).read_bytes()
    assert first == second
    core = zipfile.ZipFile(io.BytesIO(first)).read("docProps/core.xml").decode()
    assert core.count("2025-11-23T17:00:00Z") == 2 and "2031" not in core and "2032" not in core
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zipfile.ZipFile(io.BytesIO(first)).infolist())
    assert openpyxl.load_workbook(tmp_path / "a.xlsx").active["A2"].value == "H12.34-250101-000123"
    assert not (tmp_path / "a.xlsx.part").exists()


def test_no_openpyxl_internal_is_called() -> None:
    source = (Path(__file__).resolve().parents[2] / "reporting" / "stable_xlsx.py").read_text()
    assert "ExcelWriter" not in source and "write_data" not in source
