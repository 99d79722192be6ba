"""The weekly report's three formats against the warehouse metrics; Vietnamese text, embedded fonts, the
empty week, the English option and the blocking data-quality banner."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from checks import results as quality_results
from checks.results import CheckResult
from dossier_audit.jobs.warehouse import metrics_warehouse
from inspections.metrics import ReportingForm
from reporting.api import weekly_metrics, write_weekly_report
from reporting.model import TIME_TRIGGERED
from tests.reporting.conftest import (
    EMPTY_WEEK,
    WEEK,
    Province,
    all_strings,
    html_tables,
    ints,
    pdf_fonts,
    pdf_section,
    pdf_text,
    xlsx_cells,
)

MOTTO = "Độc lập - Tự do - Hạnh phúc"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


def form_ints(form: ReportingForm) -> list[int]:
    """The integers of a reporting-form row, in the report's column order."""
    return [
        form.carried_over,
        form.new_online,
        form.new_direct_postal,
        form.received_total,
        form.resolved_early,
        form.resolved_on_time,
        form.resolved_late,
        form.in_progress_within_time,
        form.in_progress_overdue,
    ]


def vi_percent(rate: float | None) -> str:
    assert rate is not None
    return f"{rate * 100:.1f}".replace(".", ",") + " %"


def vi_points(points: float | None) -> str:
    assert points is not None
    return f"{points:.2f}".replace(".", ",")


@pytest.fixture(autouse=True)
def not_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unless a test says otherwise, no data-quality run exists (the checks' own stub behaviour)."""

    def stub(wh: object, week: object) -> list[CheckResult]:
        raise NotImplementedError

    monkeypatch.setattr(quality_results, "latest_results", stub)


@pytest.fixture(scope="module")
def vi_report(province: Province, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report_vi")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(quality_results, "latest_results", lambda wh, week: [])
        written = write_weekly_report(province.catalogue, province.header(), province.wh, WEEK, out)
    assert {p.name for p in written} >= {"report.html", "report.pdf", "report.xlsx"}
    assert all(p.exists() and p.stat().st_size > 0 for p in written)
    return out


@pytest.fixture(scope="module")
def expected(province: Province) -> dict[str, ReportingForm]:
    """The warehouse's own figures: the province and each unit (`metrics_warehouse`, SQL)."""
    platform, wh = province.platform, province.wh
    forms = {"": metrics_warehouse(platform, wh, WEEK.start, WEEK.end)}
    for code in weekly_metrics(platform.catalogue, wh, WEEK)["units"]:
        if code == "000.00.00.H99":  # the province unit's filter covers every unit under it
            continue
        forms[code] = metrics_warehouse(platform, wh, WEEK.start, WEEK.end, unit=code)
    return forms


def test_weekly_metrics_equal_the_warehouse_metrics(province: Province, expected) -> None:
    metrics = weekly_metrics(province.catalogue, province.wh, WEEK)
    assert metrics["province"] == expected[""].to_json_dict()
    assert metrics["province"]["received"]["total"] > 40  # the fixture has a real week to report
    for code, form in expected.items():
        if code:
            assert metrics["units"][code] == form.to_json_dict(), code
    units = list(metrics["units"].values())
    assert sum(f["received"]["total"] for f in units) == metrics["province"]["received"]["total"]
    assert sum(f["resolved"]["late"] for f in units) == metrics["province"]["resolved"]["late"]
    assert metrics["progress_points_766"]["province"] == expected[""].to_json_dict()["progress_points_766"]
    ranked = [r for r in metrics["ranking"] if r["rank"] is not None]
    rates = [r["on_time_rate"] for r in ranked]
    assert rates == sorted(rates, reverse=True)
    fields_total = sum(f["received"]["total"] for f in metrics["fields"].values())
    procedures_total = sum(f["received"]["total"] for f in metrics["procedures"].values())
    assert fields_total == procedures_total == metrics["province"]["received"]["total"]


def test_pdf_numbers_equal_the_warehouse_metrics(vi_report: Path, expected) -> None:
    text = pdf_text(vi_report / "report.pdf")
    section = pdf_section(text, "Phụ lục I. Kết quả giải quyết", "Phụ lục II. Xếp hạng")
    lines = section.splitlines()
    for code, form in expected.items():
        if not code:
            continue
        (line,) = [line for line in lines if line.strip().startswith(code)]
        assert ints(line) == form_ints(form), line
        assert vi_percent(form.on_time_rate) in line
        assert vi_points(form.progress_points_766) in line
    (total,) = [line for line in lines if "TOÀN TỈNH" in line]
    province = expected[""]
    assert ints(total) == form_ints(province)
    assert vi_percent(province.on_time_rate) in total
    # The body (before the annex): the summary figures, indicator 2.1 defined by its own figures.
    body = pdf_section(text, "BÁO CÁO", "PHỤ LỤC")
    (received,) = [line for line in body.splitlines() if "Tổng số phải giải quyết" in line]
    assert ints(received) == [province.received_total]
    flat = " ".join(body.split())
    assert f"Trong tuần, toàn tỉnh có {province.received_total} hồ sơ" in flat
    assert (
        f"{vi_percent(province.on_time_rate)}, tương ứng {vi_points(province.progress_points_766)}/20" in flat
    )
    good = province.resolved_early + province.resolved_on_time + province.in_progress_within_time
    assert (
        f"({province.resolved_early} + {province.resolved_on_time} + {province.in_progress_within_time}) / "
        f"({province.resolved_total} + {province.in_progress_total}) = {vi_percent(province.on_time_rate)}"
    ) in flat
    assert good / (province.resolved_total + province.in_progress_total) == pytest.approx(
        province.on_time_rate
    )


def test_html_numbers_equal_the_warehouse_metrics(vi_report: Path, expected) -> None:
    rows = html_tables(vi_report / "report.html")["form"]
    by_key = {key: cells for key, cells in rows if key}
    for code, form in expected.items():
        if not code:
            continue
        cells = by_key[code]
        assert [int(c) for c in cells[2:11]] == form_ints(form)
        assert cells[11] == vi_percent(form.on_time_rate)
        assert cells[12] == vi_points(form.progress_points_766)
    total = next(cells for key, cells in rows if cells[1] == "TOÀN TỈNH")
    assert [int(c) for c in total[2:11]] == form_ints(expected[""])
    province = {key: cells[1] for key, cells in html_tables(vi_report / "report.html")["province"]}
    assert province["h_received"] == str(expected[""].received_total)


def test_the_xlsx_summary_has_the_reports_headings_in_its_order(vi_report: Path) -> None:
    """The summary sheet ran the findings, the handling and the violations together and then "III. KIẾN
    NGHỊ", with no I. or II. before it (2026-12-03 note, reported again by the review of 2026-12-04)."""
    from openpyxl import load_workbook

    sheet = load_workbook(vi_report / "report.xlsx").worksheets[0]
    column = [str(c.value) for c in sheet["A"] if c.value is not None]
    headings = ["NHẬN ĐỊNH CHÍNH", "I. TÌNH HÌNH TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ", "II. VI PHẠM ĐƯỢC PHÁT HIỆN",
                "III. KIẾN NGHỊ"]  # fmt: skip
    at = [column.index(h) for h in headings]
    assert at == sorted(at) and at[1] + 1 < at[2] < at[3] - 1  # each part has its lines under it
    bold = {str(c.value) for c in sheet["A"] if c.value in headings and c.font.bold}
    assert bold == set(headings)


def test_xlsx_numbers_equal_the_warehouse_metrics(vi_report: Path, expected) -> None:
    sheets = xlsx_cells(vi_report / "report.xlsx")
    rows = sheets["Đơn vị"]
    assert rows[0][0] == "Mã đơn vị"
    by_code = {row[0]: row for row in rows[1:] if row[0]}
    for code, form in expected.items():
        if not code:
            continue
        row = by_code[code]
        assert row[2:11] == form_ints(form)
        assert row[11] == pytest.approx(form.on_time_rate)
        assert row[12] == pytest.approx(form.progress_points_766, abs=0.005)
    total = next(row for row in rows if row[1] == "TOÀN TỈNH")
    assert total[2:11] == form_ints(expected[""])


def test_vietnamese_text_survives_every_format(vi_report: Path) -> None:
    pdf = pdf_text(vi_report / "report.pdf", first=1, last=1)
    html = (vi_report / "report.html").read_text(encoding="utf-8")
    xlsx = all_strings(xlsx_cells(vi_report / "report.xlsx"))
    html_text = re.sub(r"<[^>]+>", "", html)  # the letterhead's words are spans (``line_units``)
    for text in (pdf, html_text, xlsx):
        assert NATION in text
        assert MOTTO in text
        assert "ỦY BAN NHÂN DÂN TỈNH MẪU" in text
        assert "Mẫu, ngày 10 tháng 11 năm 2025" in text
    # Decree 30: the type in capitals, the subject in ordinary case (bold) under it.
    # What the report is about first, then when (it opened with the week: review of 2026-12-05).
    subject = (
        "Tình hình vi phạm trong giải quyết thủ tục hành chính tuần 45/2025 (từ ngày 03/11/2025 đến ngày "
        "09/11/2025)"
    )
    assert f"BÁO CÁO {subject}" in " ".join(pdf.split())
    assert f'BÁO CÁO<br><span class="subject">{subject}</span>' in html
    assert f"BÁO CÁO {subject}" in xlsx
    everything = pdf_text(vi_report / "report.pdf")
    for name in ("UBND xã Đông Phú Hòa", "Sở Xây dựng tỉnh Mẫu", "Trễ hạn không có phiếu xin lỗi"):
        assert name in everything and name in html and name in xlsx, name


def test_pdf_embeds_serif_fonts(vi_report: Path) -> None:
    from reporting.fonts import serif_family

    fonts = pdf_fonts(vi_report / "report.pdf")
    assert fonts
    for row in fonts:
        # name type... encoding emb sub uni object-id generation
        assert row[-5] == "yes", row
        assert "Serif" in row[0], row  # every face is the serif (no sans left over)
    family = serif_family()
    assert any(family.name in row[0] for row in fonts)
    if Path("/usr/share/fonts/truetype/liberation2").is_dir():  # installed by .ci/run and the Dockerfile
        assert family.times_metrics and any("LiberationSerif" in row[0] for row in fonts)


def test_charts_are_images_in_every_format(vi_report: Path) -> None:
    import base64
    import re

    html = (vi_report / "report.html").read_text(encoding="utf-8")
    for chart in ("chart_trend.png", "chart_violations_by_rule.png", "chart_unit_ranking.png"):
        assert (vi_report / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f'src="{chart}"' not in html  # the HTML travels alone (e-mail): no file references
    # The body's two charts (trend, ranking) are embedded, byte for byte.
    embedded = re.findall(r'<img class="chart" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert [base64.b64decode(e) for e in embedded] == [
        (vi_report / "chart_trend.png").read_bytes(),
        (vi_report / "chart_unit_ranking.png").read_bytes(),
    ]
    assert not re.search(r'<img[^>]+src="(?!data:)', html)
    pdf = (vi_report / "report.pdf").read_bytes()
    assert pdf.count(b"/Subtype /Image") >= 2
    from openpyxl import load_workbook

    wb = load_workbook(vi_report / "report.xlsx")
    charts = wb["Biểu đồ"]
    assert len(charts._images) == 3
    # Each chart on a printed page of its own, no taller than one, the PDF's note under it (review of the
    # leadership's XLSX: the ranking chart was cut between two pages, the rules chart taller than one).
    rows = [image.anchor._from.row + 1 for image in charts._images]
    breaks = [b.id for b in charts.row_breaks.brk]
    assert len(breaks) == 2 and rows[0] <= breaks[0] < rows[1] <= breaks[1] < rows[2], (rows, breaks)
    shown = [(image.anchor.ext.cx / 9525, image.anchor.ext.cy / 9525) for image in charts._images]  # EMU
    assert all(width <= 900 and height <= 500 for width, height in shown), shown
    usable = 595.3 - 72 - 72  # pt: A4 landscape less the default margins
    for image_row, note_row, (_, height) in zip(rows, breaks, shown, strict=False):
        above = (note_row - image_row) * 15  # the chart's rows and the one below it, 15 pt (20 px) each
        assert height <= above / 0.75 and above + charts.row_dimensions[note_row].height <= usable
    notes = [charts.cell(row=b, column=1).value for b in breaks]
    assert "Trục dọc không bắt đầu từ 0 %" in notes[0] and "Trục ngang không bắt đầu từ 0 %" in notes[1]


def test_ranking_and_violations_in_the_report(province: Province, vi_report: Path) -> None:
    from reporting.api import violation_summary

    summary = violation_summary(province.catalogue, province.wh, WEEK)
    rows = {key: cells for key, cells in html_tables(vi_report / "report.html")["rules"] if key}
    for rule in summary["by_rule"]:
        cells = rows[rule["rule_id"]]
        # The name first (marked "tạm tính" for a time-triggered rule of a provisional week), the code last.
        assert cells[0].startswith(rule["title_vi"]) and cells[-1] == rule["rule_id"]
        # The fixture's week is provisional: a time-triggered rule's week before is not compared ("—").
        immature = rule["kind"] == "violation" and rule["rule_id"] in TIME_TRIGGERED
        assert int(cells[3]) == rule["count"]
        assert cells[4] == ("—" if immature else str(rule["previous"]))
    sheets = xlsx_cells(vi_report / "report.xlsx")
    xlsx_rules = {row[-1]: row for row in sheets["Vi phạm theo quy tắc"][1:] if row[-1]}
    for rule in summary["by_rule"]:
        immature = rule["kind"] == "violation" and rule["rule_id"] in TIME_TRIGGERED
        compared = ["—", "—"] if immature else [rule["previous"], rule["change"]]
        assert xlsx_rules[rule["rule_id"]][3:6] == [rule["count"], *compared]
    text = " ".join(pdf_text(vi_report / "report.pdf").split())
    assert f"Phát hiện {summary['total']} vi phạm tại {summary['dossiers']} hồ sơ" in text


def test_each_violations_table_of_the_annex_has_its_caption_above_it(vi_report: Path) -> None:
    """Phụ lục IV holds two tables; the second, by unit, started the next page with no caption, and read as
    nobody's table (review of W29). Each is captioned, the caption on the table's own page, in the PDF and
    in the HTML."""
    pages = pdf_text(vi_report / "report.pdf").split("\f")
    for caption, first_heading in (("1. Theo quy tắc", "Nội dung vi phạm"), ("2. Theo đơn vị", "Mã đơn vị")):
        (page,) = [p for p in pages if caption in p]
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        after = lines[lines.index(caption) + 1 : lines.index(caption) + 4]  # a heading row of 1–3 lines
        assert any(line.startswith(first_heading) for line in after), (caption, after)
    text = (vi_report / "report.html").read_text(encoding="utf-8")
    assert text.index("<h3>1. Theo quy tắc</h3>") < text.index("<h3>2. Theo đơn vị</h3>")


def test_the_rule_by_unit_sheet_names_rules_and_units(province: Province, vi_report: Path) -> None:
    """The matrix sheet showed rule codes down and unit codes across, which a chairman cannot read (noted
    2026-12-04): rules and units are named as in the other tables, the code last, and a row totals each unit
    (its counts those of the violations table)."""
    from reporting.api import violation_summary
    from reporting.model import Names

    summary = violation_summary(province.catalogue, province.wh, WEEK)
    rows = xlsx_cells(vi_report / "report.xlsx")["Vi phạm quy tắc × đơn vị"]
    names = Names(province.catalogue)
    head = [str(h) for h in rows[0]]
    body = [[int(n) if isinstance(n, int) else str(n) for n in row] for row in rows[1:-1]]
    total = rows[-1]
    assert head[0] == "Nội dung vi phạm" and head[-2:] == ["Tổng cộng", "Mã quy tắc"]
    named = {names.unit(code): code for code in province.catalogue.units}
    assert head[1:-2] and all(h in named and h != named[h] for h in head[1:-2]), head
    assert [named[h] for h in head[1:-2]] == sorted(named[h] for h in head[1:-2])  # in the units' order
    by_code = {row[-1]: row for row in body}
    for rule in summary["by_rule"]:
        if rule["kind"] == "violation" and rule["count"]:
            row = by_code[rule["rule_id"]]
            assert str(row[0]).startswith(rule["title_vi"]) and row[-2] == rule["count"]
    counts = [[n for n in row if isinstance(n, int)] for row in body]  # each unit's, then the rule's total
    assert total[0] == "Tổng cộng" and total[1:-1] == [sum(column) for column in zip(*counts, strict=True)]


def test_empty_week_renders_a_clear_no_dossiers_report(province: Province, tmp_path: Path) -> None:
    written = write_weekly_report(province.catalogue, province.header(), province.wh, EMPTY_WEEK, tmp_path)
    assert {p.name for p in written} >= {"report.html", "report.pdf", "report.xlsx"}
    # The province's data begin after it: never loaded, not "no dossiers" (review of 2026-12-04).
    message = "Chưa nạp dữ liệu của tuần này: dữ liệu đã nạp bắt đầu từ ngày"
    assert message in " ".join(pdf_text(tmp_path / "report.pdf", first=1, last=1).split())
    assert 'id="empty-week"' in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert message in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert message in all_strings(xlsx_cells(tmp_path / "report.xlsx"))
    assert 'id="data-cutoff"' not in (tmp_path / "report.html").read_text(encoding="utf-8")  # no figures
    # Nothing to look at, rather than nothing found, in every part; and no cut-off in the XLSX either.
    whole = " ".join(pdf_text(tmp_path / "report.pdf").split())
    assert "Không phát hiện vi phạm" not in whole and "Không có số liệu để xét vi phạm" in whole
    assert "Không phát hiện vi phạm" not in (tmp_path / "report.html").read_text(encoding="utf-8")
    cells = all_strings(xlsx_cells(tmp_path / "report.xlsx"))
    assert "Không phát hiện vi phạm" not in cells
    rows = [row for sheet in xlsx_cells(tmp_path / "report.xlsx").values() for row in sheet]
    (through,) = [row for row in rows if row and row[0] == "Dữ liệu cập nhật đến"]
    assert all(value is None for value in through[1:])  # no date the figures reach: there are none
    assert "tuần 30/2025 (từ ngày" in " ".join(pdf_text(tmp_path / "report.pdf", first=1, last=1).split())


def test_english_option(province: Province, tmp_path: Path, expected) -> None:
    write_weekly_report(province.catalogue, province.header("en"), province.wh, WEEK, tmp_path)
    pdf = pdf_text(tmp_path / "report.pdf")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    xlsx = all_strings(xlsx_cells(tmp_path / "report.xlsx"))
    province_form = expected[""]
    rate = f"{province_form.on_time_rate * 100:.1f}%"
    for text in (pdf, html, xlsx):
        assert "SOCIALIST REPUBLIC OF VIETNAM" in text
        assert "Independence - Freedom - Happiness" in text
        assert "REPORT" in text and "week 45/2025 (" in " ".join(text.split())
        assert rate in text
    assert f"This week the province had {province_form.received_total} dossiers" in " ".join(pdf.split())
    assert "Data quality not checked for this week." in html
    assert 'lang="en"' in html
    assert "Độc lập" not in html
    sheets = xlsx_cells(tmp_path / "report.xlsx")
    assert "Units" in sheets


def test_unknown_language_is_refused(province: Province, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'fr' is not supported"):
        write_weekly_report(province.catalogue, province.header("fr"), province.wh, WEEK, tmp_path)


def _check(success: bool, blocking: bool, name: str) -> CheckResult:
    return CheckResult(
        suite="events",
        expectation=name,
        column="event_id",
        success=success,
        blocking=blocking,
        unexpected_count=0 if success else 3,
        element_count=2196,
        message_vi="Mã sự kiện bị trùng" if not success else "Mã sự kiện duy nhất",
        message_en="Duplicate event ids" if not success else "Unique event ids",
        checked_at=datetime(2025, 11, 10, 0, 30, tzinfo=UTC),
        week=str(WEEK),
    )


def test_blocking_failure_is_announced_on_the_first_page(
    province: Province, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = [_check(False, True, "event_id is unique"), _check(True, False, "types are known")]
    monkeypatch.setattr(quality_results, "latest_results", lambda wh, week: results)
    write_weekly_report(province.catalogue, province.header(), province.wh, WEEK, tmp_path)
    first = " ".join(pdf_text(tmp_path / "report.pdf", first=1, last=1).split())
    assert "CẢNH BÁO: dữ liệu của báo cáo này không đạt 1 kiểm tra chất lượng bắt buộc" in first
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.index('id="blocking-warning"') < html.index("<h1>")
    quality = html_tables(tmp_path / "report.html")["quality"]
    assert [cells[2] for _, cells in quality] == ["Không đạt", "Đạt"]
    assert [cells[1] for _, cells in quality] == ["Mã sự kiện bị trùng", "Mã sự kiện duy nhất"]
    assert [cells[4:] for _, cells in quality] == [["3", "2.196"], ["0", "2.196"]]
    # In the workbook, two numbers an analyst can sum and sort (one "3/2.196" text cell before).
    sheet = load_workbook(tmp_path / "report.xlsx")["Chất lượng dữ liệu"]
    heading = next(r for r in sheet.iter_rows() if r[0].value == "Nhóm kiểm tra")
    assert [c.value for c in heading[4:6]] == ["Bản ghi lỗi", "Bản ghi kiểm tra"]
    assert [
        [c.value for c in r[4:6]]
        for r in sheet.iter_rows(min_row=heading[0].row + 1, max_row=heading[0].row + 2)
    ] == [[3, 2196], [0, 2196]]
    # The expectation's English id is not shown (it stays only in the rows' data-key attribute).
    assert all("event_id is unique" not in cell for _, cells in quality for cell in cells)
    assert "1/2 kiểm tra không đạt (1 kiểm tra bắt buộc)." in html
    # What each check counts, under the table (totals of 10.079 and 14.482 events, without a word why).
    scopes = "Mỗi kiểm tra đếm trên phạm vi của nó: sự kiện xảy ra trong tuần;"
    assert f'<p class="note" id="quality-scopes">{scopes}' in html
    assert scopes in " ".join(pdf_text(tmp_path / "report.pdf").split())
    sheet = xlsx_cells(tmp_path / "report.xlsx")["Chất lượng dữ liệu"]
    assert any(scopes in str(cell) for row in sheet for cell in row if cell)
    summary = xlsx_cells(tmp_path / "report.xlsx")["Tổng hợp"]
    assert any(str(row[0]).startswith("CẢNH BÁO") for row in summary if row[0])


def test_non_blocking_failure_has_no_banner(
    province: Province, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = [_check(False, False, "freshness"), _check(True, True, "event_id is unique")]
    monkeypatch.setattr(quality_results, "latest_results", lambda wh, week: results)
    write_weekly_report(province.catalogue, province.header(), province.wh, WEEK, tmp_path)
    assert "CẢNH BÁO" not in pdf_text(tmp_path / "report.pdf")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="blocking-warning"' not in html
    assert "1/2 kiểm tra không đạt (0 kiểm tra bắt buộc)." in html


def test_quality_not_checked_is_said(province: Province, tmp_path: Path) -> None:
    write_weekly_report(
        province.catalogue, province.header(), province.wh, WEEK, tmp_path
    )  # latest_results raises (stub)
    text = "Chưa kiểm tra chất lượng dữ liệu cho tuần này."
    assert text in pdf_text(tmp_path / "report.pdf")
    assert text in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert text in all_strings(xlsx_cells(tmp_path / "report.xlsx"))


def test_a_final_weeks_report_is_the_same_whenever_it_is_made_again(province: Province) -> None:
    """Dated by how far its figures reach, a final week's report took a new date and cut-off each time it
    was made again (a retry, a backfill months later): its figures reach only to the instant they are final
    (review of this change)."""
    from datetime import timedelta

    from inspections.classification import local_midnight
    from reporting.model import build_report

    week = WEEK.previous(2)  # long final by the province's as-of
    made = [
        build_report(province.catalogue, province.header(), province.wh, week, as_of=province.as_of + later)
        for later in (timedelta(0), timedelta(days=90))
    ]
    assert made[0].header.issued_on == made[1].header.issued_on
    assert made[0].data_through == made[1].data_through and not made[0].maturity.provisional
    final = local_midnight(week.end + timedelta(days=province.header().maturity_days))
    assert made[0].data_through == final and made[0].header.issued_on == final.date()  # not the data's end
