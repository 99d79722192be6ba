"""Review finding 8 and wiring task C of issue 15: the outputs besides the report mark a provisional week
(the trend chart's last point and label, the main job's terminal summary), and the summary ends with the
commands that open the console on the run's results."""

from __future__ import annotations

import io
import subprocess
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.jobs import summary
from reporting import charts, findings
from reporting import reach as reach_module
from reporting.reach import Reach
from tests.reporting.test_findings import FINAL, IMMATURE, WEEK, make_report

UNITS = {"000.00.01.H99": (80, 10, 10, 0, 0), "000.00.02.H99": (95, 5, 0, 0, 0)}


def test_the_trend_chart_marks_a_provisional_week(tmp_path: Path) -> None:
    provisional = make_report(UNITS, UNITS, {}, IMMATURE)
    assert charts.trend_labels(provisional)[-1] == "45/2025\n(tạm tính)"
    assert "Điểm rỗng của tuần cuối: số liệu tạm tính." in findings.chart_note(provisional, "trend")
    final = make_report(UNITS, UNITS, {}, FINAL)
    assert charts.trend_labels(final)[-1] == "45/2025"
    assert "tạm tính" not in findings.chart_note(final, "trend")
    assert charts.trend_chart(provisional, tmp_path / "t.png").stat().st_size > 0


def test_the_trend_charts_legend_stays_clear_of_the_axis_title(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A provisional week's two-line label pushed the axis title ("Tuần") onto the legend (review)."""
    drawn: list[object] = []
    save = charts._save

    def keep(fig: object, path: Path) -> Path:
        drawn.append(fig)
        return save(fig, path)  # type: ignore[arg-type]

    monkeypatch.setattr(charts, "_save", keep)
    for maturity in (IMMATURE, FINAL):
        charts.trend_chart(make_report(UNITS, UNITS, {}, maturity), tmp_path / "t.png")
    for fig in drawn:
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        (ax,) = fig.axes  # type: ignore[attr-defined]
        title = ax.xaxis.label.get_window_extent(renderer)
        legend = ax.get_legend().get_window_extent(renderer)
        assert legend.y1 < title.y0, (legend, title)  # the legend wholly below the title


def test_the_rules_chart_compares_only_what_the_tables_compare(tmp_path: Path) -> None:
    """A provisional week's time-triggered rule is drawn alone and labelled "tạm tính", as its table row
    shows "—" for the week before; a rule fixed when it occurs keeps its bar for the week before."""
    rules = {"LATE_NO_APOLOGY": (39, 37, 36.0), "EXCESS_DOCUMENTS": (20, 38, 34.0)}
    provisional = make_report(UNITS, UNITS, rules, IMMATURE)
    assert charts.rules_bars(provisional) == [
        ("Trễ hạn không có phiếu xin lỗi (tạm tính)", 39, None),
        ("Nhận dư / yêu cầu ngoài thành phần hồ sơ", 20, 38),
    ]
    final = make_report(UNITS, UNITS, rules, FINAL)
    assert charts.rules_bars(final) == [
        ("Trễ hạn không có phiếu xin lỗi", 39, 37),
        ("Nhận dư / yêu cầu ngoài thành phần hồ sơ", 20, 38),
    ]
    assert charts.rules_chart(provisional, tmp_path / "r.png").stat().st_size > 0
    # A time-triggered rule with none this week has nothing to draw in a provisional week (its bar of last
    # week alone would be set against an empty one the tables do not compare).
    gone = make_report(UNITS, UNITS, rules | {"APOLOGY_TOO_LATE": (0, 5, 4.0)}, IMMATURE)
    assert [label for label, _, _ in charts.rules_bars(gone)] == [
        label for label, _, _ in charts.rules_bars(provisional)
    ]
    assert any(
        label == "Xin lỗi muộn"
        for label, _, _ in charts.rules_bars(
            make_report(UNITS, UNITS, rules | {"APOLOGY_TOO_LATE": (0, 5, 4.0)}, FINAL)
        )
    )


def printed(platform: Platform, wh: object | None, lang: str = "vi") -> str:
    out = Console(record=True, width=200, file=io.StringIO())
    summary.print_summary(
        out,
        platform,
        WEEK,
        FINAL,
        {},
        Counter(),
        Counter(),
        lang,
        wh=wh,  # type: ignore[arg-type]
    )
    return out.export_text()


@pytest.mark.parametrize(("reach", "provisional"), [(IMMATURE, True), (FINAL, False)])
def test_the_summary_marks_a_provisional_week(
    monkeypatch: pytest.MonkeyPatch, reach: datetime, provisional: bool
) -> None:
    ahead = datetime(2025, 11, 20, tzinfo=UTC)  # another feed is past the week's end
    monkeypatch.setattr(reach_module, "week_reach", lambda *args: Reach(reach, "unit:000.10.03.H99", ahead))
    monkeypatch.setattr(reach_module, "unfinished_runs", lambda wh: [])
    text = printed(Platform(load_settings()), object())
    assert ("Số liệu tuần 45/2025 là tạm tính" in text) is provisional
    assert ("13/11/2025" in text) is provisional  # when the figures will be final
    assert ("dữ liệu của Ủy ban nhân dân xã Tây Sơn sau khi" in " ".join(text.split())) is provisional


@pytest.mark.parametrize("system", ["[/x]", "[link=http://e.vil]here[/link]", "\x1b]0;PWNED\x1b\\\x1b[2J"])
def test_a_feeds_name_is_printed_as_it_reads(monkeypatch: pytest.MonkeyPatch, system: str) -> None:
    """A lagging feed's name is an event's ``source.system``, any text: ``[/x]`` stopped the main job at its
    summary (Rich read it as markup) on every run after, a link tag made a link, an escape sequence retitled
    the terminal and cleared it (review of hostile text)."""
    ahead = datetime(2025, 11, 20, tzinfo=UTC)
    monkeypatch.setattr(reach_module, "week_reach", lambda *args: Reach(IMMATURE, f"system:{system}", ahead))
    monkeypatch.setattr(reach_module, "unfinished_runs", lambda wh: [])
    text = printed(Platform(load_settings()), object())
    assert "\x1b" not in text and "Số liệu tuần 45/2025 là tạm tính" in text
    shown = system.replace("\x1b", "[U+001B]")
    assert shown in " ".join(text.split())


def test_the_summary_ends_with_the_console_commands() -> None:
    lines = printed(Platform(load_settings()), None).rstrip().splitlines()
    add = "dossier-audit users add LOGIN --role inspector # một lần: tạo tài khoản (hỏi mật khẩu)"
    serve = "dossier-audit console # bảng điều khiển: http://127.0.0.1:8080"
    assert [" ".join(line.split()) for line in lines[-2:]] == [add, serve]
    assert lines[-2].index("#") == lines[-1].index("#")  # the comments line up


def test_a_workdir_not_the_default_is_named_in_both_commands(tmp_path: Path) -> None:
    settings = load_settings(workdir=tmp_path / "w")
    url = f"chdb://{(tmp_path / 'w' / 'warehouse').resolve()}"
    add, serve = summary.console_commands(settings, "en")
    assert add.startswith(f"dossier-audit users add LOGIN --role inspector --warehouse {url} ")
    assert serve.startswith(f"dossier-audit console --warehouse {url} ")
    assert add.endswith("# once: create an account (asks for a password)")
    assert serve.endswith("# the console: http://127.0.0.1:8080")
    assert datetime.now(UTC) > FINAL


def test_the_units_violations_of_a_provisional_week_say_why_they_are_not_compared(tmp_path: Path) -> None:
    """Three columns of "—" under each unit, without a word why, where Kiến nghị 1 quoted the units'
    comparable figures (review of 2026-12-04): a note under the table, in every format."""
    from reporting.html import write_report_html
    from reporting.pdf import write_report_pdf
    from reporting.xlsx import write_report_xlsx

    rules = {"LATE_NO_APOLOGY": (39, 37, 36.0), "EXCESS_DOCUMENTS": (20, 38, 34.0)}
    provisional = make_report(UNITS, UNITS, rules, IMMATURE)
    note = provisional.unit_violations_note
    assert note is not None and note.startswith("Số liệu tuần này là tạm tính: số vi phạm của mỗi đơn vị")
    assert make_report(UNITS, UNITS, rules, FINAL).unit_violations_note is None
    charts_dir = tmp_path / "charts"
    charts_dir.mkdir()
    drawn = charts.write_charts(provisional, charts_dir)
    html = write_report_html(provisional, drawn, tmp_path / "r.html").read_text(encoding="utf-8")
    assert f'<p class="note" id="unit-violations-note">{note}</p>' in html
    pdf = write_report_pdf(provisional, drawn, tmp_path / "r.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Số liệu tuần này là tạm tính: số vi phạm của mỗi đơn vị" in " ".join(text.split())
    from openpyxl import load_workbook

    sheet = load_workbook(write_report_xlsx(provisional, drawn, tmp_path / "r.xlsx"))["Vi phạm theo đơn vị"]
    assert note in [cell.value for row in sheet.iter_rows() for cell in row]
