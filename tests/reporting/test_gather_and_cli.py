"""What the reports count (violations by week in local time, open ones only, merged units, ranking,
data-quality states), the same SQL on ClickHouse 18.16, Vietnamese formatting, and the ``report`` command."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from checks import results as quality_results
from dossier_audit.cli import app
from dossier_audit.jobs.warehouse import init
from inspections.metrics import ReportingForm
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from reporting import gather
from reporting.api import violation_summary, weekly_metrics
from reporting.header import default_place, letterhead, province_unit_name
from reporting.i18n import Texts, short_unit_name
from reporting.packs import gather_packs, pack_file_stem
from tests.reporting.conftest import WEEK, Province, load_province
from tests.warehouse.server import ClickHouseServer
from warehouse import open_warehouse
from warehouse.base import WarehouseError
from warehouse.store import VIOLATION_COLUMNS, violation_row

runner = CliRunner()
UNIT = "000.10.01.H99"


def _violation(dossier: str, rule: str, at: datetime, unit: str = UNIT) -> dict[str, object]:
    return {
        "dossier_id": dossier,
        "rule_id": rule,
        "kind": "violation",
        "severity": "high",
        "unit_code": unit,
        "procedure_code": "1.004988",
        "event_id": f"{dossier}-01",
        "occurred_at": at.isoformat(),
        "legal_basis": "Điều 19 Nghị định 61/2018/NĐ-CP",
        "rulebook_version": "1",
        "evidence": {"note": "test"},
    }


def _store(province: Province, rows: list[tuple[dict[str, object], str, int]]) -> None:
    data = [violation_row(v, state, province.as_of, "detector", version) for v, state, version in rows]
    province.wh.insert("violations", VIOLATION_COLUMNS, [list(col) for col in zip(*data, strict=True)])


def test_violations_count_in_their_local_week_open_only_and_for_successor_units(province: Province) -> None:
    before = violation_summary(province.catalogue, province.wh, WEEK)
    before_next = violation_summary(province.catalogue, province.wh, WEEK.next())
    rule = "REFUSAL_NO_REASON"
    sunday_night = datetime(2025, 11, 9, 23, 30, tzinfo=VN_TZ)  # W45 locally (16:30 UTC)
    monday_early = datetime(2025, 11, 10, 0, 30, tzinfo=VN_TZ)  # W46 locally, still 9 Nov in UTC
    merged = "000.01.01.H99"  # abolished on 2025-07-01, successor 000.10.01.H99
    _store(
        province,
        [
            (_violation("T-1", rule, sunday_night), "open", 1),
            (_violation("T-2", rule, monday_early), "open", 1),
            (_violation("T-3", rule, sunday_night), "open", 1),
            (_violation("T-3", rule, sunday_night), "retracted", 2),  # newer record wins: not counted
            (_violation("T-4", rule, sunday_night, unit=merged), "open", 1),
        ],
    )
    after = violation_summary(province.catalogue, province.wh, WEEK)
    after_next = violation_summary(province.catalogue, province.wh, WEEK.next())
    assert after["total"] == before["total"] + 2  # T-1 and T-4
    assert after_next["total"] == before_next["total"] + 1  # T-2
    rule_row = {r["rule_id"]: r for r in after["by_rule"]}[rule]
    old_rule = {r["rule_id"]: r for r in before["by_rule"]}.get(rule, {"count": 0})
    assert rule_row["count"] == old_rule["count"] + 2
    unit_row = {u["unit_code"]: u for u in after["by_unit"]}[UNIT]
    old_unit = {u["unit_code"]: u for u in before["by_unit"]}.get(UNIT, {"count": 0, "dossiers": 0})
    assert (unit_row["count"], unit_row["dossiers"]) == (old_unit["count"] + 2, old_unit["dossiers"] + 2)
    assert merged not in {u["unit_code"] for u in after["by_unit"]}
    assert after["change"] == after["total"] - after["previous_total"]
    orjson.dumps(after)  # JSON-able
    packs = {p.unit: p for p in gather_packs(province.catalogue, province.wh, WEEK, 2)}
    listed = {v.dossier_id for v in packs[UNIT].violations}
    assert {"T-1", "T-4"} <= listed and not {"T-2", "T-3"} & listed


def test_violation_summary_week_on_week(province: Province) -> None:
    this = violation_summary(province.catalogue, province.wh, WEEK.previous())
    later = violation_summary(province.catalogue, province.wh, WEEK)
    assert later["previous_total"] == this["total"]
    by_rule = {r["rule_id"]: r["count"] for r in this["by_rule"] if r["kind"] == "violation"}
    for r in later["by_rule"]:
        assert r["previous"] == by_rule.get(r["rule_id"], 0)
        assert r["change"] == r["count"] - r["previous"]


def test_weekly_metrics_are_json_and_carry_names(province: Province) -> None:
    metrics = weekly_metrics(province.catalogue, province.wh, WEEK)
    assert orjson.loads(orjson.dumps(metrics)) == metrics
    assert metrics["week"] == "2025-W45"
    assert metrics["names"]["units"]["000.10.02.H99"] == "Ủy ban nhân dân xã Đông Phú Hòa"
    assert set(metrics["progress_points_766"]["units"]) == set(metrics["units"])


def test_ranking_orders_by_rate_then_volume_and_leaves_empty_units_unranked() -> None:
    def form(early: int, late: int) -> ReportingForm:
        return ReportingForm(date(2025, 11, 3), date(2025, 11, 10), resolved_early=early, resolved_late=late)

    ranked = gather.rank_units({"A": form(9, 1), "B": form(18, 2), "C": form(10, 0), "D": form(0, 0),
                                "E": form(9, 1)})  # fmt: skip
    assert [(r.code, r.rank) for r in ranked] == [("C", 1), ("B", 2), ("A", 3), ("E", 3), ("D", None)]


def test_quality_states(province: Province, monkeypatch: pytest.MonkeyPatch) -> None:
    # The checks' own lookup on a warehouse where they never ran.
    assert gather.quality(province.wh, WEEK) == gather.Quality(
        False, reason="no data-quality run covers this week"
    )

    def missing_table(wh: object, week: object) -> list[object]:
        raise WarehouseError("Table default.quality_results does not exist")

    monkeypatch.setattr(quality_results, "latest_results", missing_table)
    assert not gather.quality(province.wh, WEEK).checked
    monkeypatch.setattr(quality_results, "latest_results", lambda wh, week: [])
    assert not gather.quality(province.wh, WEEK).checked

    def stub(wh: object, week: object) -> list[object]:
        raise NotImplementedError

    monkeypatch.setattr(quality_results, "latest_results", stub)
    assert gather.quality(province.wh, WEEK).reason == "the data-quality checks are not implemented"


def test_results_stored_before_a_later_load_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """A report built from checks stored before a load said "passed all checks", with no word of what the
    load stored since (review): Annex VI's line names that load and says it is not checked."""
    from types import SimpleNamespace

    from reporting.model import WeeklyReport

    passed = [SimpleNamespace(success=True, blocking=True)] * 15
    late = datetime(2025, 11, 11, 2, 30, tzinfo=UTC)
    monkeypatch.setattr(quality_results, "latest_results", lambda wh, week: passed)
    monkeypatch.setattr(quality_results, "loaded_since", lambda wh, week: late)
    quality = gather.quality(object(), WEEK)  # type: ignore[arg-type]
    assert quality.checked and quality.loaded_since == late
    line = WeeklyReport.quality_line(SimpleNamespace(texts=Texts("vi"), quality=quality))  # type: ignore[arg-type]
    assert line == (
        "Dữ liệu nạp lúc 11/11/2025 09:30 chưa được kiểm tra: kết quả dưới đây có từ trước lần nạp đó. "
        "Dữ liệu đạt tất cả 15 kiểm tra chất lượng."
    )
    monkeypatch.setattr(quality_results, "loaded_since", lambda wh, week: None)
    fresh = gather.quality(object(), WEEK)  # type: ignore[arg-type]
    line = WeeklyReport.quality_line(SimpleNamespace(texts=Texts("en"), quality=fresh))  # type: ignore[arg-type]
    assert line == "The data passed all 15 quality checks."


def test_vietnamese_and_english_formats() -> None:
    vi, en = Texts("vi"), Texts("en")
    assert (vi.integer(1234567), en.integer(1234567)) == ("1.234.567", "1,234,567")
    assert (vi.percent(0.853), en.percent(0.853)) == ("85,3 %", "85.3%")
    assert (vi.decimal(18.857), en.decimal(1234.5)) == ("18,86", "1,234.50")
    assert vi.decimal(1234.5) == "1.234,50"
    assert vi.percent(None) == "—"
    # A half rounds up, as a reader and the spreadsheet round (review of 2026-12-04: "7,2" beside the
    # XLSX's 7,3); a rate's half is its own decimal's (29/400 is 7,25 %, though 0.0725 * 100 is 7.2499…).
    assert [vi.decimal(x, 1) for x in (7.25, 8.25, 6.75, -7.25, -0.04)] == [
        "7,3",
        "8,3",
        "6,8",
        "-7,3",
        "0,0",
    ]
    assert (vi.percent(29 / 400), en.percent(0.0725), vi.percent(0.0724999)) == ("7,3 %", "7.3%", "7,2 %")
    assert vi.decimal(0.1 + 0.2, 16) == "0,3000000000000000"  # the float's shortest decimal, not a half
    from reporting.table_cells import make_cell

    points = make_cell(vi, 18.125, "points")  # 29 of 32 on time: the cell holds what its text says
    assert (points.text, points.value) == ("18,13", 18.13)
    assert en.percent(1.1334175675318425e50, 0) == "11,334,175,675,318,425" + ",000" * 12 + "%"  # 53 digits
    assert vi.place_date("Mẫu", date(2025, 11, 10)) == "Mẫu, ngày 10 tháng 11 năm 2025"
    assert vi.place_date("Mẫu", date(2025, 2, 3)) == "Mẫu, ngày 03 tháng 02 năm 2025"
    assert vi.change(5, 7) == "giảm 2" and en.change(7, 5) == "up 2"
    assert vi.rule_title("LATE_NO_APOLOGY") == "Trễ hạn không có phiếu xin lỗi"
    assert en.rule_title("NOT_A_RULE") == "NOT_A_RULE"
    assert short_unit_name("Ủy ban nhân dân Phường Đông Mẫu") == "UBND Phường Đông Mẫu"
    with pytest.raises(ValueError, match="choose vi or en"):
        Texts("fr")


def test_header_defaults_from_the_catalogue(province: Province) -> None:
    catalogue = province.platform.catalogue
    assert province_unit_name(catalogue) == "Ủy ban nhân dân tỉnh Mẫu"
    assert default_place(catalogue) == "Mẫu"


def test_header_is_configurable(province: Province, tmp_path: Path) -> None:
    from bootstrap.platform import Platform
    from bootstrap.settings import load_settings

    platform = Platform(load_settings(report_issuer="SỞ NỘI VỤ", report_team="ĐOÀN KIỂM TRA SỐ 2",
                                      report_place="Cần Thơ"))  # fmt: skip
    header = letterhead(platform.report_header("vi"), WEEK)
    assert (header.issuer, header.team, header.place, header.issued_on) == (
        "SỞ NỘI VỤ", "ĐOÀN KIỂM TRA SỐ 2", "Cần Thơ", date(2025, 11, 10)
    )  # fmt: skip


def test_report_sql_gives_the_same_figures_on_clickhouse_18(
    province: Province, clickhouse_server: ClickHouseServer
) -> None:
    database = "reporting_equal"
    clickhouse_server.admin_execute(f"CREATE DATABASE IF NOT EXISTS {database}")
    try:
        with open_warehouse(clickhouse_server.url(database)) as server:
            # Loaded before the extra rows another test may add: compare weeks those rows do not touch.
            load_province(province.platform, server, province.events, province.as_of)
            week = WEEK.previous()
            assert weekly_metrics(province.catalogue, server, week) == weekly_metrics(
                province.catalogue, province.wh, week
            )
            assert violation_summary(province.catalogue, server, week) == violation_summary(
                province.catalogue, province.wh, week
            )
            assert gather.newest_event(server) == gather.newest_event(province.wh)
            on_server = gather_packs(province.catalogue, server, week, 3)
            embedded = gather_packs(province.catalogue, province.wh, week, 3)
            assert [(p.unit, p.sample, [v.dossier_id for v in p.violations]) for p in on_server] == [
                (p.unit, p.sample, [v.dossier_id for v in p.violations]) for p in embedded
            ]
            assert [len(p.timelines[d]) for p in on_server for d in p.timelines] == [
                len(p.timelines[d]) for p in embedded for d in p.timelines
            ]
    finally:
        clickhouse_server.admin_execute(f"DROP DATABASE IF EXISTS {database}")


# -- CLI ----------------------------------------------------------------------------------------------------
def test_cli_report_writes_and_prints_the_files(province: Province, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["report", "--warehouse", province.url, "--week", "2025-W45", "--out", str(tmp_path), "--no-packs"],
    )
    assert result.exit_code == 0, result.stderr + result.stdout
    printed = result.stdout.split()
    assert [Path(p).name for p in printed[:3]] == ["report.html", "report.pdf", "report.xlsx"]
    assert all(Path(p).exists() for p in printed)
    assert not (tmp_path / "units").exists()
    assert "report for 2025-W45" in result.stderr


def test_a_report_into_a_folder_with_earlier_packs_keeps_none_of_them_unsaid(
    province: Province, tmp_path: Path
) -> None:
    """Review of 2026-12-06: written with --no-packs into a folder of an earlier week's report, the report
    stood beside that week's packs without a word. With packs, a pack of a unit that has none this time is
    removed (no file of the week is another run's); with --no-packs, the packs left are said."""
    units = tmp_path / "units"
    units.mkdir()
    stale = units / "000.99.99.H99.html"
    stale.write_text("an earlier week's pack")
    args = ["report", "--warehouse", province.url, "--week", "2025-W45", "--out", str(tmp_path)]
    kept = runner.invoke(app, [*args, "--no-packs"])
    assert kept.exit_code == 0, kept.stderr
    said = " ".join(kept.stderr.split())
    assert "warning: 1 audit-pack files of an earlier run are still in" in said and stale.exists()
    full = runner.invoke(app, args)
    assert full.exit_code == 0, full.stderr
    assert not stale.exists() and any(units.glob("*.html")) and "earlier run" not in full.stderr
    # Kept first, as every file a report takes away (``reporting.editions``).
    (edition,) = (tmp_path / "editions").iterdir()
    assert (edition / "units" / stale.name).read_text() == "an earlier week's pack"


def test_an_interrupted_report_leaves_the_folder_as_it_was(
    province: Province, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review: a report stopped while it wrote left this week's HTML and charts beside the previous run's PDF
    and XLSX (into a new folder: two charts). Its files are written beside the folder's and moved over them
    only once all are written."""
    import dossier_audit.cli.reports as report_cli

    out = tmp_path / "week"
    args = ["report", "--warehouse", province.url, "--out", str(out), "--no-packs"]
    assert runner.invoke(app, [*args, "--week", "2025-W45"]).exit_code == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert Path("report.pdf") in before

    def stopped(*args: object, **kwargs: object) -> list[Path]:
        raise KeyboardInterrupt  # Ctrl-C, or SIGTERM (mapped to it), once the report is written

    with monkeypatch.context() as patched:
        patched.setattr(report_cli, "write_audit_packs", stopped)
        for folder in (out, tmp_path / "new" / "nested"):
            other = ["report", "--warehouse", province.url, "--out", str(folder), "--week", "2025-W44"]
            assert runner.invoke(app, other).exit_code != 0
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in out.iterdir()) == sorted(str(p) for p in before)  # nothing staged left
    assert not (tmp_path / "new").exists()  # the folders it made, left empty: removed

    # Only its own files are replaced: a units/ folder of the user's keeps their files (review: it was
    # replaced whole, "report --out ." deleted units/my-notes.txt).
    notes = out / "units" / "my-notes.txt"
    notes.parent.mkdir()
    notes.write_text("ghi chú của đoàn", encoding="utf-8")
    packed = runner.invoke(
        app, ["report", "--warehouse", province.url, "--out", str(out), "--week", "2025-W45"]
    )
    assert packed.exit_code == 0, packed.stderr
    assert notes.read_text(encoding="utf-8") == "ghi chú của đoàn" and len(list(notes.parent.iterdir())) > 1


def test_a_killed_reports_staging_is_swept_and_a_live_one_refuses_a_second_report(
    province: Province, tmp_path: Path
) -> None:
    """A report killed with SIGKILL left its hidden staging folder for good (review); two reports writing
    one folder at once would mix their files."""
    import fcntl
    import os

    from reporting.staging import LOCK

    out = tmp_path / "week"
    staging = out / ".report.staging"
    (staging / "files").mkdir(parents=True)
    (staging / "files" / "report.html").write_text("half", encoding="utf-8")
    (staging / LOCK).touch()  # its writer is gone: nobody holds the lock
    args = ["report", "--warehouse", province.url, "--out", str(out), "--week", "2025-W45", "--no-packs"]
    assert runner.invoke(app, args).exit_code == 0
    assert not staging.exists() and "half" not in (out / "report.html").read_text(encoding="utf-8")

    staging.mkdir()
    (staging / LOCK).touch()
    held = os.open(staging / LOCK, os.O_RDONLY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)  # a live writer
        busy = runner.invoke(app, args)
        assert busy.exit_code == 2 and f"another report is being written into {out}" in busy.stderr
        assert staging.exists()
    finally:
        os.close(held)


def test_a_report_into_a_folder_left_half_replaced_says_so_and_replaces_it(
    province: Province, tmp_path: Path
) -> None:
    """A report killed while it moved its files left a mix of two runs, marked (crash review): the next
    report into the folder says so, and its whole set takes the mark away."""
    from reporting.staging import INCOMPLETE

    out = tmp_path / "week"
    out.mkdir()
    dagster = out / "BAO-CAO-CHUA-HOAN-TAT-audit_packs.txt"  # a Dagster asset's, left the same way
    for mark in (out / INCOMPLETE, dagster):
        mark.write_text("…", encoding="utf-8")
    args = ["report", "--warehouse", province.url, "--out", str(out), "--week", "2025-W45"]
    done = runner.invoke(app, [*args, "--no-packs"])
    assert done.exit_code == 0, done.stderr
    said = " ".join(done.stderr.split())
    assert f"the last report into {out} stopped while replacing its files" in said, said
    assert not (out / INCOMPLETE).exists() and (out / "report.pdf").exists()
    assert dagster.exists()  # its packs are not replaced without packs: still said
    assert "stopped while replacing" in runner.invoke(app, [*args, "--no-packs"]).stderr
    packed = runner.invoke(app, args)  # every file of the week: no mark left
    assert packed.exit_code == 0 and not dagster.exists()
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "stopped while replacing" not in again.stderr


def test_cli_report_default_week_and_packs(province: Province, tmp_path: Path) -> None:
    newest = gather.newest_event(province.wh)
    assert newest is not None
    expected = Week.last_complete(newest)  # newest event 2025-11-07 (W45) → W44
    result = runner.invoke(
        app,
        ["report", "--warehouse", province.url, "--out", str(tmp_path), "--lang", "en", "--sample-size", "2"],
    )
    assert result.exit_code == 0, result.stderr + result.stdout
    assert f"report for {expected}" in result.stderr
    assert str(expected) == "2025-W44"
    assert f"week {expected.number}/{expected.year} (" in (tmp_path / "report.html").read_text()
    assert any(line.endswith(".xlsx") and "/units/" in line for line in result.stdout.splitlines())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "2025-45"], "is not a week"),
        (["--week", "2025-W54"], "has no week 54"),
        (["--lang", "fr"], "choose vi or en"),
    ],
)
def test_cli_report_bad_input(province: Province, tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["report", "--warehouse", province.url, "--out", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_cli_report_into_a_file_is_a_clear_error(province: Province, tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("not a directory")
    result = runner.invoke(
        app, ["report", "--warehouse", province.url, "--week", "2025-W45", "--out", str(blocker)]
    )
    assert result.exit_code == 2
    said = f"cannot write the report into {blocker}: it is a file, not a folder"
    assert said in " ".join(result.stderr.split())


def test_cli_report_on_an_empty_warehouse_asks_for_a_week(province: Province, tmp_path: Path) -> None:
    # Another chdb directory cannot be opened while the module's is: an empty database on the same engine.
    url = province.url + "?database=empty_one"
    with open_warehouse(url, create_database=True) as wh:
        init(province.platform, wh)
    result = runner.invoke(app, ["report", "--warehouse", url, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "the warehouse holds no events; give --week" in result.stderr


def test_packs_name_the_units_their_dossiers_went_to(province: Province) -> None:
    packs = gather_packs(province.catalogue, province.wh, WEEK, 3)
    sent = {e.data["to_unit_code"] for p in packs for events in p.timelines.values() for e in events
            if e.type == "transferred"}  # fmt: skip
    known = {code for code in sent if province.catalogue.unit(code) is not None}
    assert known, "the province's dossiers go through transfers"
    for pack in packs:
        assert {c: pack.units[c] for c in known} == {c: province.catalogue.unit(c).name for c in known}  # type: ignore[union-attr]


def test_the_packs_bear_the_reports_date(province: Province, tmp_path: Path) -> None:
    """The packs were dated the Monday after the week beside a report dated the day its figures were final
    (Thursday): one week's documents, two dates (review)."""
    result = runner.invoke(
        app,
        ["report", "--warehouse", province.url, "--week", "2025-W44", "--out", str(tmp_path), "--lang", "vi"],
    )
    assert result.exit_code == 0, result.stderr
    dated = re.compile(r"ngày (\d{2}) tháng (\d{1,2}) năm (\d{4})")
    (day, month, year), *_ = dated.findall((tmp_path / "report.html").read_text(encoding="utf-8"))
    report = date(int(year), int(month), int(day))
    # Unless a pack prints a later event (its timelines show each dossier to its end): then that day, never
    # before what it reports (review).
    week = Week.parse("2025-W44")
    expected = {}
    for gathered in gather_packs(province.catalogue, province.wh, week, 10):
        # ... or the instant its open dossiers are judged at, which their evidence states ("tính đến …").
        instants = [e.occurred_at for events in gathered.timelines.values() for e in events]
        instants += [f.as_of for f in gathered.facts.values() if f.end_type is None and f.as_of is not None]
        newest = max(instants, default=None)
        local = newest.replace(tzinfo=UTC).astimezone(VN_TZ).date() if newest is not None else report
        expected[pack_file_stem(gathered.unit)] = max(report, local)
    packs = {}
    for page in (tmp_path / "units").glob("*.html"):
        (day, month, year), *_ = dated.findall(page.read_text(encoding="utf-8"))
        packs[page.stem] = date(int(year), int(month), int(day))
    assert packs and packs == expected and report in packs.values(), (report, packs)
