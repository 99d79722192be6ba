"""Per-unit audit packs: every violating dossier with rule, legal basis and evidence timeline, and a
reproducible sample of clean dossiers."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspections.weeks import Week
from reporting.api import weekly_metrics, write_audit_packs
from reporting.evidence_words import legal_text
from reporting.gather import reproducible_sample, week_bounds
from tests.reporting.conftest import WEEK, Province, html_tables, xlsx_cells

SAMPLE = 3


@pytest.fixture(scope="module")
def packs(province: Province, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("packs")
    write_audit_packs(province.catalogue, province.header(), province.wh, WEEK, out, sample_size=SAMPLE)
    return out


@pytest.fixture(scope="module")
def truth(province: Province) -> dict[str, list[tuple[str, str, str]]]:
    """The week's open violations per unit, straight from the table: (dossier, rule, legal basis)."""
    start, end = week_bounds(WEEK)
    rows = province.wh.query(
        "SELECT unit_code, dossier_id, rule_id, legal_basis FROM violations FINAL WHERE state = 'open' "
        "AND toUInt32(occurred_at) >= %(a)s AND toUInt32(occurred_at) < %(b)s",
        {"a": start, "b": end},
    )
    found: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for unit, dossier, rule, basis in rows:
        found[unit].append((dossier, rule, basis))
    assert sum(len(v) for v in found.values()) >= 5  # the fixture's week has violations to show
    return dict(found)


def test_a_pack_per_unit_with_dossiers_or_violations(province: Province, packs: Path, truth) -> None:
    metrics = weekly_metrics(province.catalogue, province.wh, WEEK)
    with_dossiers = {code for code, f in metrics["units"].items() if f["received"]["total"]}
    expected = with_dossiers | set(truth)
    files = sorted(p.name for p in (packs / "units").iterdir())
    assert files == sorted([f"{u}.xlsx" for u in expected] + [f"{u}.html" for u in expected])


def test_every_violating_dossier_is_in_its_units_pack(packs: Path, truth) -> None:
    for unit, violations in truth.items():
        sheets = xlsx_cells(packs / "units" / f"{unit}.xlsx")
        sheet = sheets["Hồ sơ vi phạm"]
        header = next(i for i, row in enumerate(sheet) if row[0] == "Mã hồ sơ")
        column = {name: j for j, name in enumerate(sheet[header])}
        dossier, rule, legal = column["Mã hồ sơ"], column["Mã quy tắc"], column["Căn cứ pháp lý"]
        rows = [row for row in sheet[header + 1 :] if row[0] and row[rule]]
        assert {(row[dossier], row[rule]) for row in rows} == {(d, r) for d, r, _ in violations}, unit
        # The legal basis as the rulebook states it, its confidence marks said in words only.
        bases = {(d, r): legal_text(b) for d, r, b in violations}
        assert all(str(row[legal]).startswith(bases[(row[dossier], row[rule])]) for row in rows)
        html = html_tables(packs / "units" / f"{unit}.html")["violations"]
        # The rule's name leads its cell; its code follows in small print.
        assert {(cells[0], next(r for d, r, _ in violations if d == cells[0] and cells[2].endswith(r)))
                for _, cells in html} == {(d, r) for d, r, _ in violations}  # fmt: skip
        text = (packs / "units" / f"{unit}.html").read_text(encoding="utf-8")
        for dossier_id, _, _ in violations:
            assert f'id="timeline-{dossier_id}"' in text


def test_the_printed_pack_states_each_legal_basis_once_and_numbers_it_in_its_rows(packs: Path, truth) -> None:
    """Every row of section A gave its legal basis in full, 10–14 printed lines, for about a dozen texts a
    pack (one unit's 104 violations printed on 62 pages). The printed column names a basis by number,
    linked to the table under section A that states each once (numbered in order of first use) with the
    rules resting on it; each row's number leads to the text the workbook gives that row in full."""
    for unit in sorted(truth):
        path = packs / "units" / f"{unit}.html"
        tables, text = html_tables(path), path.read_text(encoding="utf-8")
        sheet = xlsx_cells(packs / "units" / f"{unit}.xlsx")["Hồ sơ vi phạm"]
        header = next(i for i, row in enumerate(sheet) if row[0] == "Mã hồ sơ")
        legal = sheet[header].index("Căn cứ pháp lý")
        full = [str(row[legal]) for row in sheet[header + 1 :] if row[0] and row[legal]]
        numbers = [cells[6] for _, cells in tables["violations"]]
        bases = {cells[0]: (cells[1], cells[2]) for _, cells in tables["bases"]}
        assert len(numbers) == len(full) and list(bases) == [f"({n})" for n in range(1, len(bases) + 1)]
        assert [bases[n][0] for n in numbers] == full, unit  # the same rows in the same order
        assert len(set(full)) == len(bases)  # each text once
        assert list(dict.fromkeys(numbers)) == list(bases)  # numbered in order of first use
        for n, (_, rules) in bases.items():  # "Trễ hạn không có phiếu xin lỗi (3); …": the rows citing it
            counts = [int(part.rsplit("(", 1)[1].rstrip(")")) for part in rules.split("; ")]
            assert sum(counts) == numbers.count(n)
            k = n.strip("()")
            assert f'<a href="#basis-{k}">{n}</a>' in text and f'id="basis-{k}"' in text


def test_the_workbook_holds_the_on_site_checks_and_signatures_too(packs: Path, truth) -> None:
    """Section D of the printed pack (what to ask the unit for, per rule), its forms' note, the sample's
    on-site sentence and the signature block were missing from the workbook, which the docs say holds the
    same (review of 2026-12-05): a workbook of Circular 01 dossiers asked for "mẫu 05" without naming it."""
    for unit in sorted(truth):
        html_path, sheets = packs / "units" / f"{unit}.html", xlsx_cells(packs / "units" / f"{unit}.xlsx")
        assert list(sheets) == ["Hồ sơ vi phạm", "Diễn biến hồ sơ", "Mẫu kiểm tra", "Kiểm tra tại chỗ"]
        onsite = sheets["Kiểm tra tại chỗ"]
        html = html_path.read_text(encoding="utf-8")
        note = str(onsite[0][0])
        assert note.startswith("Với mỗi hồ sơ ở mục A") and f'<p class="note">{note}</p>' in html
        header = next(i for i, row in enumerate(onsite) if row[0] == "Nội dung vi phạm")
        rows = [row for row in onsite[header + 1 :] if row[1] is not None]
        printed = html_tables(html_path)["onsite"]
        assert [(str(r[0]), r[1], r[2]) for r in rows] == [
            (cells[0].removesuffix(key or ""), int(cells[1]), cells[2]) for key, cells in printed
        ]
        signatures = [row for row in onsite if row[0] == "ĐẠI DIỆN ĐƠN VỊ ĐƯỢC KIỂM TRA"]
        assert len(signatures) == 1 and signatures[0][2] == "ĐẠI DIỆN TỔ KIỂM TRA CẢI CÁCH HÀNH CHÍNH"
        sample = [str(row[0]) for row in sheets["Mẫu kiểm tra"] if row[0]]
        assert any(line.startswith("Với hồ sơ trong mẫu, đối chiếu: ") and line in html for line in sample)


def test_evidence_timeline_holds_every_event_of_the_dossier(province: Province, packs: Path, truth) -> None:
    unit, violations = next(iter(sorted(truth.items())))
    dossier = violations[0][0]
    events = province.wh.query(
        "SELECT toString(type) FROM events FINAL WHERE dossier_id = %(d)s "
        "ORDER BY occurred_at, occurred_at_us",
        {"d": dossier},
    )
    timeline = xlsx_cells(packs / "units" / f"{unit}.xlsx")["Diễn biến hồ sơ"]
    rows = [row for row in timeline[1:] if row[0] == dossier]
    assert len(rows) == len(events) >= 2
    assert rows[0][2] in ("Nộp hồ sơ", "Tiếp nhận")  # Vietnamese event names, in event-time order
    assert "Tiếp nhận" in [row[2] for row in rows]
    text = (packs / "units" / f"{unit}.html").read_text(encoding="utf-8")
    assert f'<tr data-key="{dossier}" class="alert">' in text  # the triggering event is highlighted


def test_sample_is_clean_reproducible_and_of_the_unit(
    province: Province, packs: Path, tmp_path: Path
) -> None:
    write_audit_packs(province.catalogue, province.header(), province.wh, WEEK, tmp_path, sample_size=SAMPLE)
    violating = {
        row[0]
        for row in province.wh.query("SELECT DISTINCT dossier_id FROM violations FINAL WHERE state = 'open'")
    }
    sampled_any = False
    for path in sorted((packs / "units").glob("*.xlsx")):
        first = xlsx_cells(path)["Mẫu kiểm tra"]
        again = xlsx_cells(tmp_path / "units" / path.name)["Mẫu kiểm tra"]
        assert first == again  # a rerun picks the same dossiers
        ids = [str(row[0]) for row in first[1:] if row[0] and str(row[0]).startswith("000.")]
        assert len(ids) <= SAMPLE
        assert not set(ids) & violating
        # Dossier ids start with the receiving unit's code in the simulator.
        assert all(i.startswith(path.stem) for i in ids), (path.name, ids)
        sampled_any |= bool(ids)
    assert sampled_any


def test_pack_reproducible_with_a_different_sample_size(province: Province, tmp_path: Path) -> None:
    """A bigger sample keeps the smaller one as its prefix (each dossier's place is fixed by its hash)."""
    write_audit_packs(province.catalogue, province.header(), province.wh, WEEK, tmp_path / "a", sample_size=2)
    write_audit_packs(province.catalogue, province.header(), province.wh, WEEK, tmp_path / "b", sample_size=5)
    unit = "000.00.02.H99"
    small = [r[0] for r in xlsx_cells(tmp_path / "a" / "units" / f"{unit}.xlsx")["Mẫu kiểm tra"][1:3]]
    big = [r[0] for r in xlsx_cells(tmp_path / "b" / "units" / f"{unit}.xlsx")["Mẫu kiểm tra"][1:6]]
    assert big[:2] == small


def test_negative_sample_size_is_refused(province: Province, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sample_size must be >= 0"):
        write_audit_packs(province.catalogue, province.header(), province.wh, WEEK, tmp_path, sample_size=-1)


def test_english_pack(province: Province, tmp_path: Path, truth) -> None:
    write_audit_packs(province.catalogue, province.header("en"), province.wh, WEEK, tmp_path, sample_size=1)
    unit = next(iter(sorted(truth)))
    sheets = xlsx_cells(tmp_path / "units" / f"{unit}.xlsx")
    assert set(sheets) == {"Violating dossiers", "Timelines", "Verification sample", "On site"}
    html = (tmp_path / "units" / f"{unit}.html").read_text(encoding="utf-8")
    assert "AUDIT PACK, WEEK 45/2025" in html


@given(st.sets(st.text(alphabet="0123456789.-H", min_size=1, max_size=12), max_size=30), st.integers(0, 40))
def test_sample_ignores_input_order(ids: set[str], size: int) -> None:
    week = Week.parse("2025-W45")
    forward = reproducible_sample(sorted(ids), "U", week, size)
    backward = reproducible_sample(sorted(ids, reverse=True), "U", week, size)
    assert forward == backward
    assert len(forward) == min(size, len(ids))
    assert set(forward) <= ids
    other_week = reproducible_sample(sorted(ids), "U", week.previous(), len(ids))
    assert sorted(other_week) == sorted(ids)
