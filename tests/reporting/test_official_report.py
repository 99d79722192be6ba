"""The weekly report as an official báo cáo (issue 15): the Decree 30/2020 frame read back with pdftotext, no
rule code outside the annex, portrait body and landscape annex, the provisional week marked and not
compared as complete, the self-contained HTML with a print stylesheet, and the XLSX's filters, frozen
panes, print setup and date cells."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from checks import results as quality_results
from inspections.audit_error import reported_rules
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from reporting.api import write_weekly_report
from reporting.i18n import Texts
from reporting.model import TIME_TRIGGERED, build_report
from tests.reporting.conftest import WEEK, Province, html_tables, ints, pdf_text
from warehouse.load_runs import new_run

#: Two weeks before the fixture's last: the data of every feed (here each unit: the simulator names no source
#: system) reach far enough past its end to be final. (The week before is not: the quietest unit's newest
#: event is three days into the last week.)
MATURE_WEEK = WEEK.previous(2)


@pytest.fixture(scope="module")
def reports(province: Province, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The report of the fixture's last week (provisional: the data end with it) and of the week before."""
    out: dict[str, Path] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(quality_results, "latest_results", lambda wh, week: [])
        for name, week in (("last", WEEK), ("mature", MATURE_WEEK)):
            target = tmp_path_factory.mktemp(f"official_{name}")
            write_weekly_report(province.catalogue, province.header(), province.wh, week, target)
            out[name] = target
    return out


def pages(pdf: Path) -> list[str]:
    """Each page's text (pdftotext separates pages with form feeds)."""
    return pdf_text(pdf).split("\f")[:-1]


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """Each page's (width, height) in points, from pdfinfo."""
    out = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", out)]


def split_body_annex(pdf: Path) -> tuple[list[str], list[str]]:
    texts = pages(pdf)
    first_annex = next(i for i, text in enumerate(texts) if "PHỤ LỤC" in text)
    return texts[:first_annex], texts[first_annex:]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_pdf_has_the_frame_of_an_official_report(reports: dict[str, Path]) -> None:
    body, _annex = split_body_annex(reports["last"] / "report.pdf")
    text = flat(" ".join(body))
    first = flat(body[0])
    expected_in_order = [
        "ỦY BAN NHÂN DÂN TỈNH MẪU",
        "TỔ KIỂM TRA",  # the team on two lines at 12.5 pt (never shrunk below 12 pt)
        "Số: /BC-TKT",  # the number left blank for the clerk (the register's to give)
        "BÁO CÁO",
        "Kính gửi: Chủ tịch Ủy ban nhân dân tỉnh Mẫu.",
        "NHẬN ĐỊNH CHÍNH",
    ]
    positions = [first.index(part) for part in expected_in_order]
    assert positions == sorted(positions), positions
    for part in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Mẫu, ngày 10 tháng 11 năm 2025",
    ):
        assert part in first
    # Then the body's sections, the recommendations, the signer and the recipients, in this order.
    tail = [
        "I. TÌNH HÌNH TIẾP NHẬN",
        "II. VI PHẠM ĐƯỢC PHÁT HIỆN",
        "III. KIẾN NGHỊ",
        "Nơi nhận:",
        "TỔ TRƯỞNG",
    ]
    positions = [text.index(part) for part in tail]
    assert positions == sorted(positions), positions
    assert "- Như trên; - Văn phòng UBND tỉnh;" in text and "- Lưu: VT." in text
    assert "(Ký, ghi rõ họ tên)" in text  # no signer name configured: room for it
    # Page numbers in the top margin from page 2, none on page 1.
    assert all(
        page.lstrip().startswith(str(n))
        for n, page in enumerate(pages(reports["last"] / "report.pdf"), 1)
        if n > 1
    )
    assert not body[0].lstrip().startswith("1")


def test_the_signer_and_recipients_come_from_the_settings(province: Province, tmp_path: Path) -> None:
    from bootstrap.platform import Platform
    from bootstrap.settings import load_settings

    platform = Platform(
        load_settings(
            report_symbol="BC-UBND",
            report_number="week",
            report_signer_title="KT. CHỦ TỊCH|PHÓ CHỦ TỊCH",
            report_signer_name="Trần Văn Bình",
            report_copies="Thường trực Tỉnh ủy;Lưu: VT, TKT",
            report_addressee="Ban Chỉ đạo cải cách hành chính tỉnh",
        )
    )
    write_weekly_report(province.catalogue, platform.report_header(), province.wh, WEEK, tmp_path)
    text = flat(pdf_text(tmp_path / "report.pdf"))
    for part in (
        "Số: 45/BC-UBND",
        "Kính gửi: Ban Chỉ đạo cải cách hành chính tỉnh.",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Trần Văn Bình",
        "- Thường trực Tỉnh ủy;",
        "- Lưu: VT, TKT.",
    ):
        assert part in text, part
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Số: 45/BC-UBND" in html and "Trần Văn Bình" in html


def test_no_rule_code_outside_the_annex_and_no_english(reports: dict[str, Path]) -> None:
    body, annex = split_body_annex(reports["last"] / "report.pdf")
    ids = [rule.rule_id for rule in reported_rules()]
    body_text = " ".join(body)
    assert [rule_id for rule_id in ids if rule_id in body_text] == []
    annex_text = flat(" ".join(annex))
    assert any(rule_id in annex_text for rule_id in ids)  # the codes are in the annex
    everything = flat(pdf_text(reports["last"] / "report.pdf"))
    for english in ("uniqueness", "is unique", "vocabulary", "Suite", "Expectation", "Violations by rule"):
        assert english not in everything, english


def test_body_pages_are_portrait_and_annex_pages_landscape(reports: dict[str, Path]) -> None:
    pdf = reports["last"] / "report.pdf"
    body, annex = split_body_annex(pdf)
    sizes = page_sizes(pdf)
    assert len(sizes) == len(body) + len(annex) and body and annex
    assert all(h > w for w, h in sizes[: len(body)]), sizes
    assert all(w > h for w, h in sizes[len(body) :]), sizes
    assert sizes[0] == pytest.approx((595.28, 841.89), abs=0.5)  # A4


def test_a_provisional_week_is_marked_and_not_compared_as_complete(
    province: Province, reports: dict[str, Path]
) -> None:
    # The fixture's data end with WEEK: its late-running violations have not matured.
    last = flat(pdf_text(reports["last"] / "report.pdf", first=1, last=1))
    assert "SỐ LIỆU TẠM TÍNH" in last
    body = flat(" ".join(split_body_annex(reports["last"] / "report.pdf")[0]))
    assert "(số liệu tạm tính, chưa so sánh với các tuần trước)" in body
    assert "tuần trước:" not in body.split("II. VI PHẠM")[1].split("Nội dung vi phạm")[0]
    assert "xác định ngay khi xảy ra" in body
    html = (reports["last"] / "report.html").read_text(encoding="utf-8")
    assert 'id="provisional"' in html
    wb = load_workbook(reports["last"] / "report.xlsx")
    summary = [c for row in wb.worksheets[0].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "tạm tính" in summary and any(c.startswith("SỐ LIỆU TẠM TÍNH") for c in summary)
    # The comparison it makes is like with like: the rules fixed when they occur, against their average.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(quality_results, "latest_results", lambda wh, week: [])
        report = build_report(province.catalogue, province.header(), province.wh, WEEK)
    assert report.maturity.provisional
    instant, _previous, avg = report.instant_counts()
    rules = [r for r in report.violations.rules if r.kind == "violation"]
    assert instant == sum(r.count for r in rules if r.rule_id not in TIME_TRIGGERED)
    # The weeks' violations of those rules over the weeks with data, half up (not the sum of the rules'
    # rounded averages, which drifts: 8,78 for 8,75).
    fixed = sum(r.prior_total for r in rules if r.rule_id not in TIME_TRIGGERED)
    exact = (Decimal(fixed) / Decimal(report.prior_weeks)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Decimal(repr(avg)) == exact
    assert f"(không phụ thuộc thời hạn giải quyết) là {instant}," in body
    # The time-triggered rules are marked in the body's table.
    for rule in rules:
        if rule.rule_id in TIME_TRIGGERED and rule.count:
            assert f"{report.texts.rule_title(rule.rule_id)} (tạm tính)" in body


def test_a_provisional_week_compares_nothing_immature_in_any_table(
    province: Province, reports: dict[str, Path]
) -> None:
    """Body, annex and XLSX: the time-triggered rows, the totals and the unit rows of a provisional week have
    "—" for the week before, the change and the average; the rules fixed when they occur keep theirs, and a
    labelled row totals them."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(quality_results, "latest_results", lambda wh, week: [])
        report = build_report(province.catalogue, province.header(), province.wh, WEEK)
    assert report.maturity.provisional and report.prior_weeks
    v = report.violations
    assert v.previous_total  # there is something that must not be compared
    tables = html_tables(reports["last"] / "report.html")
    for name, compared in (("rules_body", (3, 4)), ("rules", (4, 5, 6)), ("unit_violations", (3, 4, 5))):
        rows = tables[name]
        assert rows, name
        for key, cells in rows:
            time_triggered = key in TIME_TRIGGERED or key is None or name == "unit_violations"
            instant_total = cells[0].startswith("Trong đó: vi phạm xác định ngay")
            if time_triggered and not instant_total:
                assert [cells[i] for i in compared] == ["—"] * len(compared), (name, cells)
            elif key is not None and key.split(":")[0] not in TIME_TRIGGERED:
                assert all(cells[i] != "—" for i in compared), (name, cells)
    instant_rows = [c for _, c in tables["rules"] if c[0].startswith("Trong đó: vi phạm xác định ngay")]
    instant, _previous, _avg = report.instant_counts()
    assert [int(c[3]) for c in instant_rows] == [instant]
    # The PDF (body and annex): every total row says "—" where it would compare, never last week's total.
    pdf = reports["last"] / "report.pdf"
    lines = [" ".join(line.split()) for line in pdf_text(pdf).splitlines()]
    totals = [line for line in lines if line.startswith("Tổng cộng")]
    assert len(totals) >= 2 and all("—" in line for line in totals), totals
    # This week's total, nothing beside it but (by unit) the dossiers it is in.
    assert all(ints(line)[0] == v.total and set(ints(line)[1:]) <= {v.dossiers} for line in totals), totals
    body, annex = split_body_annex(pdf)
    assert "Trong đó: vi phạm xác định ngay" in flat(" ".join(body))
    assert "Trong đó: vi phạm xác định ngay" in flat(" ".join(annex))
    # The XLSX: the same cells are the text "—", not last week's figures.
    wb = load_workbook(reports["last"] / "report.xlsx")
    rules = list(wb["Vi phạm theo quy tắc"].iter_rows(values_only=True))
    total = next(r for r in rules if isinstance(r[0], str) and r[0].startswith("Tổng cộng"))
    assert total[3] == v.total and total[4:7] == ("—", "—", "—")
    for row in rules[1:]:
        if row[7] in TIME_TRIGGERED and row[1] == "Vi phạm":
            assert row[4:7] == ("—", "—", "—"), row
    units = list(wb["Vi phạm theo đơn vị"].iter_rows(values_only=True))[1:]
    note = [row[0] for row in units if str(row[0]).startswith("Số liệu tuần này là tạm tính:")]  # and why
    assert len(note) == 1
    assert all(row[3:6] == ("—", "—", "—") for row in units if row[0] and row[0] not in note)


def test_a_final_week_is_compared_with_the_eight_weeks_before(reports: dict[str, Path]) -> None:
    first = flat(pdf_text(reports["mature"] / "report.pdf", first=1, last=1))
    assert "SỐ LIỆU TẠM TÍNH" not in first
    body = flat(" ".join(split_body_annex(reports["mature"] / "report.pdf")[0]))
    # The data start six weeks before it: the averages are over those six, and say so.
    assert "bình quân 6 tuần trước:" in body and "tuần trước:" in body and "8 tuần trước" not in body
    assert "(tạm tính)" not in body


def test_an_incomplete_load_makes_the_week_provisional(province: Province) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(quality_results, "latest_results", lambda wh, week: [])
        report = build_report(province.catalogue, province.header(), province.wh, MATURE_WEEK)
    assert not report.maturity.provisional
    started = datetime(2025, 11, 8, 9, 0, tzinfo=VN_TZ)
    broken = dataclasses.replace(report, unfinished_loads=(new_run("events.jsonl", started, started),))
    assert broken.maturity.provisional
    assert "Có lần nạp dữ liệu chưa hoàn tất." in (broken.provisional_note or "")
    # And data that stop before the week's end plus the maturity days.
    end = datetime.combine(MATURE_WEEK.end, datetime.min.time(), tzinfo=VN_TZ)
    early = dataclasses.replace(
        report, data_through=end + timedelta(days=report.maturity_rule.days) - timedelta(seconds=1)
    )
    late = dataclasses.replace(report, data_through=end + timedelta(days=report.maturity_rule.days))
    assert early.maturity.provisional and not late.maturity.provisional
    assert early.maturity.final_on == MATURE_WEEK.end + timedelta(days=3) == date(2025, 10, 30)


def test_the_html_is_self_contained_printable_and_has_only_the_pdfs_tables(reports: dict[str, Path]) -> None:
    html = (reports["last"] / "report.html").read_text(encoding="utf-8")
    assert "@media print" in html and "size: A4 portrait" in html and "size: A4 landscape" in html
    assert re.findall(r'<img[^>]+src="([^"]{0,22})', html) == ["data:image/png;base64,"] * 2
    assert not re.search(r'<(?:link|script)[^>]+(?:href|src)="', html)
    assert set(html_tables(reports["last"] / "report.html")) <= {
        "province",
        "rules_body",
        "form",
        "ranking",
        "trend",
        "rules",
        "unit_violations",
        "fields",
        "quality",
        "cases",  # only once the console has cases
    }
    assert "(Ký, ghi rõ họ tên)" in html  # no signer name configured: room to sign, as in the PDF
    for part in ("/BC-TKT", "Kính gửi:", "NHẬN ĐỊNH CHÍNH", "III. KIẾN NGHỊ", "Nơi nhận:", "PHỤ LỤC"):
        assert part in html, part


def test_every_xlsx_table_sheet_filters_freezes_prints_and_dates_are_dates(reports: dict[str, Path]) -> None:
    wb = load_workbook(reports["last"] / "report.xlsx")
    summary, *tables, charts = wb.worksheets
    assert charts.title == "Biểu đồ" and len(tables) == 9
    for ws in tables:
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert ws.freeze_panes in ("B2", "C2"), ws.title
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        # Widths come from the table, not from a note under it (a note is longer than any cell).
        assert ws.column_dimensions["A"].width < 60, ws.title
    assert wb["Xếp hạng"].freeze_panes == "C2"  # rank and code stay in view
    # The filter ends above a total row beneath the data: sorted with the units, "TOÀN TỈNH" went among
    # them (review). The trend's province row is last too, below its units.
    totals = {"TOÀN TỈNH", "Tổng cộng"}
    for ws in tables:
        last = int("".join(c for c in ws.auto_filter.ref.split(":")[1] if c.isdigit()))
        after_first = {str(ws.cell(row=r, column=c).value) for r in range(3, last + 1) for c in (1, 2)}
        assert not totals & after_first, ws.title
    unit_sheet = wb["Đơn vị"]
    last = int("".join(c for c in unit_sheet.auto_filter.ref.split(":")[1] if c.isdigit()))
    assert unit_sheet.cell(row=last + 1, column=2).value == "TOÀN TỈNH"
    cells = [c for row in summary.iter_rows() for c in row]
    dated = {c.value for c in cells if isinstance(c.value, datetime)}
    assert {datetime(2025, 11, 3), datetime(2025, 11, 9)} <= dated
    looks_like_date = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}( \d{2}:\d{2})?$")
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and looks_like_date.match(v) for v in row), ws.title


def summary_cells(wb: Any) -> list[Any]:
    return [c for row in wb.worksheets[0].iter_rows() for c in row if c.value is not None]


def test_the_trend_shows_the_weeks_averaged_and_the_summary_wraps(reports: dict[str, Path]) -> None:
    """The averages are over the 8 weeks before; the trend showed 7 of them (the 8th week's rate was in the
    average and nowhere to be checked), and the summary's long paragraphs ran past the printed page in
    column A alone (review of 2026-12-05)."""
    wb = load_workbook(reports["last"] / "report.xlsx")
    weeks = next(wb["Xu hướng 9 tuần"].iter_rows(values_only=True))[2:]
    expected = [WEEK.previous(n) for n in range(8, -1, -1)]
    # The week of a provisional report is marked, as the trend chart marks it (review).
    assert [str(w).removesuffix(" (tạm tính)") for w in weeks] == [f"{w.number}/{w.year}" for w in expected]
    assert [str(w).endswith("(tạm tính)") for w in weeks] == [False] * 8 + [True]
    last = list(wb["Xu hướng 9 tuần"].iter_rows(values_only=True))[-1]
    assert last[1] == "TOÀN TỈNH"  # the province below its units, outside the filter (review)
    assert wb["Xu hướng 9 tuần"].auto_filter.ref.endswith(str(wb["Xu hướng 9 tuần"].max_row - 1))
    for ws in wb.worksheets:  # a sheet printed alone says its week, its state and its page
        assert "tuần 45/2025" in ws.oddHeader.center.text and "tạm tính" in ws.oddHeader.center.text, ws.title
        assert ws.oddFooter.center.text == "&A — Trang &P/&N", ws.title
    # The by-unit table totals its units (the reader added them up), and the summary says how far the data
    # reach, as the HTML does (its time and the quality sheet's differed with no word why: review).
    by_unit = list(wb["Vi phạm theo đơn vị"].iter_rows(values_only=True))
    (at,) = [i for i, row in enumerate(by_unit) if row[1] == "Tổng cộng"]
    total, units = by_unit[at], by_unit[1:at]
    assert units and total[2] == sum(int(str(row[2])) for row in units), total
    assert any(str(c.value).startswith("Số liệu tính đến") for c in summary_cells(wb))
    mature = load_workbook(reports["mature"] / "report.xlsx")
    assert all("tạm tính" not in ws.oddHeader.center.text for ws in mature.worksheets)
    units = mature["Đơn vị"]  # figures in columns as wide as figures: it printed at half size (review)
    widths = {c: units.column_dimensions[c].width for c in "CDEFGHIJK"}
    assert all(w <= 14 for w in widths.values()), widths
    for ws in (wb["Xếp hạng"], wb["Vi phạm theo quy tắc"], wb["Chất lượng dữ liệu"]):  # notes below tables
        (note,) = [c for c in ws["A"][1:] if c.font.italic and c.value]
        assert note.alignment.wrap_text and f"A{note.row}:" in str(ws.merged_cells), ws.title
    summary = wb.worksheets[0]
    long = [c for row in summary.iter_rows() for c in row if isinstance(c.value, str) and len(c.value) > 150]
    assert long
    for cell in long:
        assert cell.alignment.wrap_text and f"A{cell.row}:H{cell.row}" in summary.merged_cells, cell.value
        assert summary.row_dimensions[cell.row].height >= 15 * (len(cell.value) // 140 + 1)


def test_the_report_week_is_what_the_title_and_the_number_say(reports: dict[str, Path]) -> None:
    assert Week.parse("2025-W45") == WEEK
    text = flat(pdf_text(reports["mature"] / "report.pdf", first=1, last=1))
    assert "Số: /BC-TKT" in text
    # Dated the day its figures reach, after the Monday (27/10) when they reach later (a rebuilt week):
    # never before the data it counts; the cut-off is printed under the introduction.
    cutoff = re.search(r"Số liệu tính đến (\d\d) giờ (\d\d) ngày (\d\d)/(\d\d)/(\d{4})", text)
    assert cutoff is not None, text
    day, month, year = (int(cutoff.group(i)) for i in (3, 4, 5))
    assert date(year, month, day) > date(2025, 10, 27)
    assert Texts("vi").place_date("Mẫu", date(year, month, day)) in text  # "ngày 05 tháng 11 năm 2025"
    html = (reports["mature"] / "report.html").read_text(encoding="utf-8")  # the HTML says it too
    # A final week's cut-off is the day it became final, whatever the feeds sent after it: nothing more but
    # the instant its dossiers are counted at, the week's end (review of the statistician's seat).
    judged = "Hồ sơ được tính theo tình trạng lúc hết ngày 26/10/2025 (ngày cuối của tuần báo cáo)"
    assert MATURE_WEEK.end == date(2025, 10, 27)
    assert f'<p id="data-cutoff">{cutoff.group(0)}. {judged}' in html and judged in text
    # A provisional week whose feeds lag behind another: the newest event, and why it is later.
    last = flat(pdf_text(reports["last"] / "report.pdf", first=1, last=1))
    ahead = re.search(r"mọi nguồn dữ liệu đều đã cập nhật đến; sự kiện mới nhất xảy ra lúc \d\d giờ", last)
    assert ahead is not None, last
    assert ahead.group(0) in (reports["last"] / "report.html").read_text(encoding="utf-8")


def test_the_inspectors_cases_are_reported_once_the_console_has_cases(
    province: Province, reports: dict[str, Path], tmp_path: Path
) -> None:
    from reporting import gather
    from warehouse.cases import CaseCounts

    # No case yet (the fixture's warehouse): no section anywhere.
    assert gather.week_cases(province.wh, WEEK) is None
    assert "Kết quả xử lý của đoàn kiểm tra" not in pdf_text(reports["last"] / "report.pdf")
    assert 'id="cases"' not in (reports["last"] / "report.html").read_text(encoding="utf-8")
    seen: list[tuple[int, int, int | None]] = []

    def counts(
        wh: object, *, from_s: int, to_s: int, units: object = None, acted_from_s: int | None = None
    ) -> CaseCounts:
        seen.append((from_s, to_s, acted_from_s))
        return CaseCounts(
            confirmed=7, dismissed=2, awaiting_explanation=3, explained=1, concluded=4, closed=0, acted=5
        )

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(quality_results, "latest_results", lambda wh, week: [])
        mp.setattr(gather, "case_counts", counts)
        write_weekly_report(province.catalogue, province.header(), province.wh, WEEK, tmp_path)
    # The violations found up to the week's end, the cases acted on in the week; the whole province.
    start, end = gather.week_bounds(WEEK)
    assert set(seen) == {(0, end, start)}
    sentence = (
        "Đến hết tuần, trong số các vi phạm đã phát hiện, đoàn kiểm tra đã xác nhận 7 trường hợp (trong đó 4 "
        "trường hợp đã kết luận), bác bỏ 2 trường hợp; 3 trường hợp đang chờ đơn vị giải trình, 1 trường hợp "
        "đơn vị đã giải trình. Trong tuần, 5 trường hợp được đoàn kiểm tra hoặc đơn vị xử lý."
    )
    body, _annex = split_body_annex(tmp_path / "report.pdf")
    text = flat(" ".join(body))
    assert "Kết quả xử lý của đoàn kiểm tra" in text and sentence in text
    assert text.index("II. VI PHẠM") < text.index("Kết quả xử lý của đoàn") < text.index("III. KIẾN NGHỊ")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="cases"' in html and sentence in html
    assert [cells for _, cells in html_tables(tmp_path / "report.html")["cases"]][:3] == [
        ["Đã xác nhận vi phạm", "7"],
        ["Trong đó: đã kết luận", "4"],
        ["Đã bác bỏ", "2"],
    ]
    summary = [c for row in load_workbook(tmp_path / "report.xlsx").worksheets[0].iter_rows(values_only=True)
               for c in row if c is not None]  # fmt: skip
    assert "Kết quả xử lý của đoàn kiểm tra" in summary and sentence in summary
    assert "Chờ đơn vị giải trình" in summary and 3 in summary
    assert "Được xử lý trong tuần" in summary and 5 in summary


def test_every_page_of_every_report_file_says_its_edition_code(reports: dict[str, Path]) -> None:
    """Review of the signed documents: two printouts of one week with other figures could not be told apart
    (same date, same "data up to" line), nor matched with the kept edition (``reporting.editions``). One
    code per edition, from its content: on each PDF page, the HTML and each printed sheet's foot."""
    codes = {}
    for name, folder in reports.items():
        html = (folder / "report.html").read_text(encoding="utf-8")
        (code,) = set(re.findall(r"Mã bản in: ([0-9a-f]{4}-[0-9a-f]{4})", html))
        codes[name] = code
        for page in pages(folder / "report.pdf"):
            assert f"Mã bản in: {code}" in page, page[-300:]
        for ws in load_workbook(folder / "report.xlsx").worksheets:
            assert ws.oddFooter.right.text == f"Mã bản in: {code}", ws.title
    assert codes["last"] != codes["mature"]


def test_a_week_judged_by_two_rulebook_versions_says_so(province: Province, tmp_path: Path) -> None:
    """Review of rules over time: a deployment whose rulebook setting changed holds, for one week, the ended
    dossiers' verdicts of the old version beside the open ones' of the new, and two reports of the week
    could disagree with nothing saying why. The summary names each version with its count."""
    from reporting.rulebook_note import week_rulebook_versions

    assert len(week_rulebook_versions(province.wh, WEEK)) == 1
    far = Week.parse("2030-W02")  # a week of its own: the shared warehouse's weeks stay as they are
    start = datetime(2030, 1, 8, 10, tzinfo=VN_TZ)
    for n, (version, kind) in enumerate(
        (("1", "violation"), ("2", "violation"), ("2", "violation"), ("3", "finding"))
    ):  # a finding: not a violation, not counted
        province.wh.execute(
            "INSERT INTO violations SELECT concat(dossier_id, %(n)s), rule_id, event_id, state, %(k)s, "
            "severity, unit_code, procedure_code, %(at)s, legal_basis, %(v)s, evidence, detail, as_of, "
            "producer, version FROM violations FINAL WHERE state = 'open' LIMIT 1",
            {"n": f"-far{n}", "at": start, "v": version, "k": kind},
        )
    assert week_rulebook_versions(province.wh, far) == (("1", 1), ("2", 2))
    report = dataclasses.replace(build_report(province.catalogue, province.header(), province.wh, WEEK),
                                 rulebook_versions=week_rulebook_versions(province.wh, far))  # fmt: skip
    said = " ".join(report.violation_lines())
    assert "theo 2 phiên bản bộ quy tắc (phiên bản 1: 1 vi phạm; phiên bản 2: 2 vi phạm)" in said
    one = build_report(province.catalogue, province.header(), province.wh, WEEK)
    assert "phiên bản bộ quy tắc" not in " ".join(one.violation_lines())


def test_the_report_s_edition_code_covers_what_only_its_workbook_shows(
    province: Province, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Diff review: the code was the HTML's alone, and the workbook's rule × unit matrix and procedures are
    not in the HTML: two workbooks differing only there carried one code."""
    import reporting.tables

    def code(folder: Path) -> str:
        write_weekly_report(province.catalogue, province.header(), province.wh, WEEK, folder)
        return str(re.findall(r"Mã bản in: ([0-9a-f-]{9})", (folder / "report.html").read_text("utf-8"))[0])

    before = code(tmp_path / "a")
    assert code(tmp_path / "b") == before  # the same content, the same code
    procedures = reporting.tables.procedures_table

    def one_more(report: Any) -> Any:
        table = procedures(report)
        table.rows = table.rows[:-1]
        return table

    monkeypatch.setattr(reporting.tables, "procedures_table", one_more)
    assert code(tmp_path / "c") != before


def test_a_load_that_completes_while_the_report_is_gathered_is_noted(
    province: Province, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review of concurrent operators: the load runs were read last, so a load completing while the report
    gathered its figures (half of them before, half after) left no warning on a report of half the data."""
    from reporting import gather

    started = datetime(2025, 11, 10, 1, tzinfo=VN_TZ)
    running = new_run("/data/week.jsonl", started, started)
    reads = iter([[running], []])  # unfinished when the gathering starts, completed when it ends
    monkeypatch.setattr(gather, "unfinished_loads", lambda wh: next(reads, []))
    report = build_report(province.catalogue, province.header(), province.wh, WEEK)
    assert report.unfinished_loads == (running,) and report.load_warning is not None
    # One that started and completed while the report gathered: in neither read, noted too (diff review).
    quick = new_run("/data/quick.jsonl", datetime.now(UTC) + timedelta(seconds=5), started)
    monkeypatch.setattr(gather, "recorded_runs", lambda wh, limit=20: [quick])
    noted = build_report(province.catalogue, province.header(), province.wh, WEEK)
    assert noted.unfinished_loads == (quick,)
    assert "running while this report was built" in (dataclasses.replace(noted, lang="en").load_warning or "")
