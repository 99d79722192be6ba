"""The report header: built once from the settings by the composition root, defaults from the catalogue's
province, refused in a language the reports are not written in, dated per week."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from inspections.files.catalogue import sample_catalogue
from inspections.weeks import Week
from reporting.header import ReportHeader, letterhead, make_header
from reporting.i18n import LanguageError


def test_unset_lines_come_from_the_province_and_the_language():
    catalogue = sample_catalogue()
    vi = make_header(catalogue, "vi")
    assert (vi.issuer, vi.team, vi.place, vi.lang) == (
        "ỦY BAN NHÂN DÂN TỈNH MẪU", "TỔ KIỂM TRA CẢI CÁCH HÀNH CHÍNH", "Mẫu", "vi"
    )  # fmt: skip
    en = make_header(catalogue, "en", place="Cần Thơ")
    assert (en.issuer, en.team, en.place) == (vi.issuer, "ADMINISTRATIVE REFORM INSPECTION TEAM", "Cần Thơ")
    # The signer and the recipients too: an English report printed "TỔ TRƯỞNG" and "Như trên; …" (review).
    assert vi.signer_title == ("TỔ TRƯỞNG",) and vi.copies[0] == "Như trên" and vi.copies[-1] == "Lưu: VT"
    assert en.signer_title == ("TEAM LEADER",) and en.copies[0] == "As above" and len(en.copies) == 4
    assert Platform(load_settings(lang="en")).report_header().signer_title == ("TEAM LEADER",)
    mine = make_header(catalogue, "en", signer_title="KT. CHỦ TỊCH|PHÓ CHỦ TỊCH", copies="A; ;B")
    assert mine.signer_title == ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH") and mine.copies == ("A", "B")  # as set
    blank = make_header(catalogue, "vi", signer_title=" | ", copies=" ; ")  # nothing but separators
    assert blank.signer_title == ("TỔ TRƯỞNG",) and blank.copies == vi.copies


def test_a_language_the_reports_lack_is_refused():
    with pytest.raises(LanguageError, match="'fr' is not supported"):
        ReportHeader("x", "y", "z", "fr")
    with pytest.raises(LanguageError):
        make_header(sample_catalogue(), "fr")


def test_the_platform_builds_it_from_the_settings():
    platform = Platform(load_settings(report_team="ĐOÀN KIỂM TRA SỐ 2", lang="en"))
    header = platform.report_header()
    assert (header.team, header.lang) == ("ĐOÀN KIỂM TRA SỐ 2", "en")  # the setting's language by default
    assert platform.report_header("vi").lang == "vi"


def test_a_week_is_issued_on_the_monday_after_it():
    header = make_header(sample_catalogue(), "vi")
    dated = letterhead(header, Week.parse("2025-W45"))
    assert (dated.issuer, dated.team, dated.place) == (header.issuer, header.team, header.place)
    assert dated.issued_on == date(2025, 11, 10)


def test_importing_the_engines_loads_none_of_the_heavy_libraries():
    # The lazy imports in checks/ and reporting/api.py are there for start-up time; this keeps them lazy.
    heavy = ("great_expectations", "pandas", "matplotlib", "fpdf", "openpyxl")
    code = f"import sys, checks, reporting.api; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert done.stdout.strip() == ""


def test_a_week_whose_figures_reach_later_is_dated_when_they_do():
    """Rebuilt once its figures were final (Thursday), a report was dated Monday beside "data up to
    Thursday 16:52": it counted events after its own date (review of 2026-12-04)."""
    from datetime import UTC, datetime

    header = make_header(sample_catalogue(), "vi")
    week = Week.parse("2025-W45")
    assert letterhead(header, week, datetime(2025, 11, 14, 9, 52, tzinfo=UTC)).issued_on == date(2025, 11, 14)
    # 23:30 UTC on the 13th is the 14th in Vietnam; data reaching only into the week keep the Monday.
    assert letterhead(header, week, datetime(2025, 11, 13, 23, 30, tzinfo=UTC)).issued_on == date(
        2025, 11, 14
    )
    assert letterhead(header, week, datetime(2025, 11, 8, tzinfo=UTC)).issued_on == date(2025, 11, 10)
    assert letterhead(header, week, None).issued_on == date(2025, 11, 10)
