"""Catalogue model, YAML loader/dumper, national importer and the bundled sample province."""

from __future__ import annotations

import json
import re
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspections.catalogue import Catalogue, CatalogueMeta, Procedure, Publication, TimeLimit, Unit
from inspections.files.catalogue import (
    CatalogueError,
    dump_catalogue,
    load_catalogue,
    loads_catalogue,
    sample_catalogue,
    write_catalogue,
)
from inspections.files.national import import_national, write_national_catalogue
from inspections.timeunits import NO_LIMIT, ProcessingTime, TimeUnit
from schemas.unseen import unseen
from tests.depth import examples

DATA = Path("/work/shared/data")
EXAMPLES = Path("/work/shared/contract/examples.jsonl")
REFORM = date(2025, 7, 1)

# A minimal valid file; each bad case below edits one spot. Line numbers matter: keep it stable.
GOOD = textwrap.dedent(
    """\
    catalogue:
      name: Test
    fields:
    - code: F1
      name: Lĩnh vực 1
    units:
    - code: P
      name: Tỉnh
      level: province
      valid_from: 2020-01-01
    - code: C1
      name: Xã 1
      parent: P
      level: commune
      valid_from: 2020-01-01
      valid_to: 2025-07-01
      successor: C2
    - code: C2
      name: Xã 2
      parent: P
      level: commune
      valid_from: 2025-07-01
    procedures:
    - code: '1.000001'
      name: Thủ tục 1
      field: F1
      max_time: {amount: 7, unit: working_days}
      components:
      - {code: A, name: Tờ khai}
      - {code: B, name: Bản sao, mandatory: false}
      publications:
      - {level: commune, valid_from: 2020-01-01}
      - {unit: P, valid_from: 2021-01-01, valid_to: 2022-01-01}
    """
)


def problems(text: str) -> list[str]:
    with pytest.raises(CatalogueError) as info:
        loads_catalogue(text, "t.yaml")
    return [str(p) for p in info.value.problems]


def one_problem(text: str) -> str:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


# --- loader: acceptance ---------------------------------------------------------------------------


def test_good_file_loads_with_both_max_time_forms() -> None:
    cat = loads_catalogue(GOOD, "t.yaml")
    assert cat.procedure("1.000001") is not None
    assert cat.procedures["1.000001"].max_time == ProcessingTime(7, TimeUnit.WORKING_DAYS)
    short = loads_catalogue(GOOD.replace("{amount: 7, unit: working_days}", '"3 calendar_days"'))
    assert short.procedures["1.000001"].max_time == ProcessingTime(3, TimeUnit.CALENDAR_DAYS)
    none = loads_catalogue(GOOD.replace("{amount: 7, unit: working_days}", "none"))
    assert none.procedures["1.000001"].max_time == NO_LIMIT


def test_load_from_path(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_catalogue(path) == loads_catalogue(GOOD)
    path.write_text(GOOD.replace("working_days}", "weeks}"), encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    assert str(info.value.problems[0]).startswith(f"{path}:27:")


# --- loader: every error kind with its line -------------------------------------------------------


def test_bad_enum_is_reported_at_its_line_and_path() -> None:
    msg = one_problem(GOOD.replace("unit: working_days}", "unit: weeks}"))
    assert msg.startswith("t.yaml:27:")
    assert "procedures[0].max_time.unit: 'weeks' is not one of" in msg


def test_bad_short_max_time() -> None:
    msg = one_problem(GOOD.replace("{amount: 7, unit: working_days}", "seven days"))
    assert msg.startswith("t.yaml:27:13: procedures[0].max_time:")


def test_missing_required_key_points_at_its_mapping() -> None:
    msg = one_problem(GOOD.replace("  level: province\n", ""))
    assert msg.startswith("t.yaml:7:3: units[0].level:")
    assert "required" in msg


def test_unknown_key_points_at_the_key() -> None:
    msg = one_problem(GOOD.replace("  name: Xã 2\n", "  name: Xã 2\n  colour: red\n"))
    assert msg == "t.yaml:20:3: units[2].colour: unknown key"


def test_unquoted_numeric_code_gets_a_hint() -> None:
    msg = one_problem(GOOD.replace("- code: '1.000001'", "- code: 1.000001"))
    assert msg.startswith("t.yaml:24:9: procedures[0].code:") and "quote codes" in msg


def test_duplicate_codes() -> None:
    dup_unit = GOOD.replace("- code: C2\n  name: Xã 2", "- code: C1\n  name: Xã 2").replace(
        "successor: C2", "successor: C1"
    )
    found = problems(dup_unit)
    assert any(
        p.startswith("t.yaml:18:9: units[2].code: duplicate unit code 'C1' (first at line 11)") for p in found
    ), found
    dup_component = GOOD.replace("{code: B, name", "{code: A, name")
    assert one_problem(dup_component).startswith("t.yaml:30:12: procedures[0].components[1].code: duplicate")
    dup_proc = GOOD + GOOD[GOOD.index("- code: '1.000001'") :]
    assert one_problem(dup_proc).startswith("t.yaml:34:9: procedures[1].code: duplicate procedure code")
    dup_field = GOOD.replace("fields:\n", "fields:\n- {code: F1, name: x}\n")
    assert one_problem(dup_field).startswith("t.yaml:5:9: fields[1].code: duplicate field code 'F1'")


def test_publication_naming_an_unknown_unit() -> None:
    msg = one_problem(GOOD.replace("{unit: P,", "{unit: NOPE,"))
    assert msg.startswith("t.yaml:33:12: procedures[0].publications[1].unit:")
    assert "'NOPE'" in msg


def test_publication_with_neither_or_both_targets() -> None:
    msg = one_problem(GOOD.replace("{unit: P,", "{unit: P, level: commune,"))
    assert msg.startswith("t.yaml:33:5: procedures[0].publications[1]:") and "exactly one" in msg


def test_unknown_parent_and_successor() -> None:
    text = GOOD.replace(
        "parent: P\n  level: commune\n  valid_from: 2025", "parent: X\n  level: commune\n  valid_from: 2025"
    )
    assert one_problem(text).startswith("t.yaml:20:11: units[2].parent:")
    assert one_problem(GOOD.replace("successor: C2", "successor: C9")).startswith(
        "t.yaml:17:14: units[1].successor: successor 'C9' is not a unit"
    )


#: Each place of ``GOOD`` a code is written, as (its text there, its problem's location).
_CODE_SPOTS = (
    ("- code: F1\n", "fields[0].code"),
    ("- code: C2\n", "units[2].code"),
    ("  parent: P\n  level: commune\n  valid_from: 2020", "units[1].parent"),
    ("successor: C2", "units[1].successor"),
    ("- code: '1.000001'", "procedures[0].code"),
    ("field: F1", "procedures[0].field"),
    ("{code: A, name", "procedures[0].components[0].code"),
    ("{unit: P,", "procedures[0].publications[1].unit"),
)
#: Blanks and invisible characters real exports carry: no-break space, ideographic space, tab-free spaces,
#: zero-width space and joiners, byte order mark, soft hyphen, word joiner, bidirectional marks.
_BLEMISHES = st.sampled_from(
    [" ", "\u00a0", "\u3000", "\u2009", "\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad", "\u2060", "\u200e"]
)


@settings(max_examples=examples(60), deadline=None)
@given(st.sampled_from(_CODE_SPOTS), _BLEMISHES, st.sampled_from(["start", "end", "inside"]))
def test_a_code_with_a_blank_at_an_end_or_an_invisible_character_is_located(spot, blemish, where) -> None:
    """A code copied from a spreadsheet with a trailing no-break space or a zero-width space matched no event:
    every dossier of such a procedure was judged against no procedure (``UNKNOWN_PROCEDURE``, never late),
    every dossier of such a unit was ``UNPUBLISHED_PROCEDURE``, and ``catalogue check`` said "ok" (review of
    real exports). Each is a problem at its line. A space inside a code is a character like another (no
    invisible one): left alone."""
    text, loc = spot
    code = re.search(r"(?:code: |parent: |successor: |field: |unit: )'?([^'\s,]+)", text)
    assert code is not None
    old = code.group(1)
    new = {"start": blemish + old, "end": old + blemish, "inside": old[:1] + blemish + old[1:]}[where]
    if where == "inside" and not unseen(blemish):
        return  # a visible space inside a code is the code's own
    quoted = new if text[code.start(1) - 1] == "'" else f"'{new}'"
    edited = GOOD.replace(text, text[: code.start(1)] + quoted + text[code.end(1) :], 1)
    assert edited != GOOD
    found = [p for p in problems(edited) if "which no code has" in p]
    assert len(found) == 1 and f" {loc}: " in found[0], found
    assert (f"U+{ord(blemish):04X}" in found[0]) == unseen(blemish), found


def test_unknown_field() -> None:
    msg = one_problem(GOOD.replace("field: F1", "field: F9"))
    assert msg.startswith("t.yaml:26:10: procedures[0].field:")


def test_successor_cycle() -> None:
    text = GOOD.replace("  valid_from: 2025-07-01\n", "  valid_from: 2025-07-01\n  successor: C1\n")
    msg = one_problem(text)
    assert msg.startswith("t.yaml:17:14: units[1].successor: cycle in successors: C1 -> C2 -> C1")
    self_loop = GOOD.replace("successor: C2", "successor: C1")
    assert "cycle in successors: C1 -> C1" in one_problem(self_loop)


def test_parent_cycle() -> None:
    text = GOOD.replace("  level: province\n", "  level: province\n  parent: C2\n")
    assert "cycle in parents" in one_problem(text)


def test_valid_to_not_after_valid_from() -> None:
    unit = GOOD.replace("valid_to: 2025-07-01", "valid_to: 2020-01-01")
    assert one_problem(unit).startswith("t.yaml:16:13: units[1].valid_to: valid_to 2020-01-01 is not after")
    pub = GOOD.replace("valid_to: 2022-01-01", "valid_to: 2020-06-01")
    assert one_problem(pub).startswith("t.yaml:33:49: procedures[0].publications[1].valid_to:")


def test_yaml_syntax_error_has_its_line() -> None:
    msg = one_problem(GOOD.replace("  name: Xã 2\n", "  name: [Xã 2\n"))
    assert re.match(r"t\.yaml:2[0-9]:\d+: YAML syntax:", msg), msg


def test_duplicate_yaml_key() -> None:
    msg = one_problem(GOOD.replace("  name: Xã 2\n", "  name: Xã 2\n  name: Xã 3\n"))
    assert msg.startswith("t.yaml:20:3: duplicate key 'name' (first at line 19)")


def test_every_problem_is_listed_in_file_order() -> None:
    text = GOOD.replace("unit: working_days}", "unit: weeks}").replace("successor: C2", "successor: C9")
    text = text.replace("fields:\n", "fields:\n- {code: F1, name: x}\n")
    found = problems(text)
    assert [int(p.split(":")[1]) for p in found] == [5, 18, 28]


def test_not_a_mapping_and_unknown_section() -> None:
    assert one_problem("- a\n- b\n").startswith("t.yaml:1:1:")
    assert one_problem(GOOD + "extras: 1\n").startswith("t.yaml:34:1: extras: unknown top-level key")
    assert "missing top-level key 'catalogue'" in one_problem("fields: []\n")


def test_base_catalogue_makes_references_known() -> None:
    overlay = textwrap.dedent(
        """\
        catalogue: {name: Overlay}
        procedures:
        - code: '9.999999'
          name: Thủ tục riêng
          field: F1
          max_time: 2 working_days
          publications: [{unit: C2, valid_from: 2025-07-01}]
        """
    )
    assert any("unknown unit" in p for p in problems(overlay))
    base = loads_catalogue(GOOD)
    merged = base.merge(loads_catalogue(overlay, "o.yaml", base=base))
    assert merged.is_published("9.999999", "C2", date(2025, 8, 1))
    assert merged.procedure("1.000001") is not None


# --- dump / round-trip ----------------------------------------------------------------------------


def test_dump_round_trips_the_sample(tmp_path: Path) -> None:
    sample = sample_catalogue()
    assert loads_catalogue(dump_catalogue(sample)) == sample
    path = tmp_path / "s.yaml"
    write_catalogue(sample, path)
    assert load_catalogue(path) == sample
    assert "&id" not in path.read_text(encoding="utf-8")


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)
#: A code as a catalogue may hold one: no blank at either end, no character a reader does not see.
_code = _text.filter(lambda c: c == c.strip() and not any(map(unseen, c)))
_times = st.one_of(
    st.just(NO_LIMIT),
    st.builds(
        ProcessingTime,
        st.integers(1, 60).map(float),
        st.sampled_from([TimeUnit.WORKING_DAYS, TimeUnit.CALENDAR_DAYS, TimeUnit.WORKING_HOURS]),
    ),
    st.just(ProcessingTime(0.5, TimeUnit.WORKING_DAYS)),
)


@given(
    name=_text,
    code=_code,
    max_time=_times,
    weight=st.none() | st.integers(0, 10**9),
    fin=st.booleans(),
    start=st.dates(date(2000, 1, 1), date(2030, 1, 1)),
    days=st.none() | st.integers(1, 900),
    changes=st.lists(
        st.tuples(st.dates(date(2000, 1, 1), date(2030, 1, 1)), _times), max_size=3, unique_by=lambda c: c[0]
    ),
)
def test_round_trip_property(*, name, code, max_time, weight, fin, start, days, changes) -> None:
    end = None if days is None else start + timedelta(days=days)
    base = loads_catalogue(GOOD)
    proc = Procedure(
        code=code,
        name=name,
        field="F1",
        max_time=max_time,
        weight=weight,
        financial_obligation=fin,
        publications=(Publication(unit="C1", valid_from=start, valid_to=end),),
        time_limits=tuple(TimeLimit(valid_from=on, max_time=limit) for on, limit in sorted(changes)),
    )
    cat = base.merge(Catalogue([proc], [], [], CatalogueMeta(name=name, version=code)))
    assert loads_catalogue(dump_catalogue(cat)) == cat


# --- queries --------------------------------------------------------------------------------------


def test_publication_by_level_and_unit_with_validity_edges() -> None:
    cat = loads_catalogue(GOOD)
    # by level: commune C1 valid until 2025-07-01 (exclusive), C2 from it
    assert cat.is_published("1.000001", "C1", date(2020, 1, 1))
    assert not cat.is_published("1.000001", "C1", date(2019, 12, 31))
    assert cat.is_published("1.000001", "C1", date(2025, 6, 30))
    assert not cat.is_published("1.000001", "C1", REFORM)
    assert not cat.is_published("1.000001", "C2", date(2025, 6, 30))
    assert cat.is_published("1.000001", "C2", REFORM)
    # by unit: the province, only during 2021
    assert not cat.is_published("1.000001", "P", date(2020, 12, 31))
    assert cat.is_published("1.000001", "P", date(2021, 1, 1))
    assert not cat.is_published("1.000001", "P", date(2022, 1, 1))
    assert not cat.is_published("nope", "C1", date(2021, 1, 1))
    assert not cat.is_published("1.000001", "nope", date(2021, 1, 1))
    # datetimes are taken at their Vietnamese date: 2025-06-30T20:00Z is 2025-07-01 in Hanoi
    assert cat.is_published("1.000001", "C2", datetime(2025, 6, 30, 20, tzinfo=UTC))


def test_components_and_field() -> None:
    cat = loads_catalogue(GOOD)
    assert cat.component_codes("1.000001") == frozenset({"A", "B"})
    assert cat.component_codes("nope") is None
    assert cat.field_of("1.000001") == "F1"
    assert cat.field_of("nope") is None
    assert cat.unit("C1") is not None and cat.unit("nope") is None


def test_descendants_and_current_across_the_reform() -> None:
    cat = sample_catalogue()
    assert cat.descendants("000.10.01.H99") == {"000.10.01.H99", "000.01.01.H99", "000.01.02.H99"}
    assert cat.descendants("000.01.00.H99") == {"000.01.00.H99", *(f"000.01.0{i}.H99" for i in range(1, 5))}
    assert cat.descendants("000.00.00.H99") == frozenset(cat.units)
    assert cat.descendants("unknown") == {"unknown"}
    # The unit as the reports count it: the units merged into it, never its children.
    assert cat.merged_into("000.10.01.H99") == {"000.10.01.H99", "000.01.01.H99", "000.01.02.H99"}
    assert cat.merged_into("000.01.00.H99") == {"000.01.00.H99"}
    assert cat.merged_into("000.00.00.H99") == {"000.00.00.H99"}
    assert cat.merged_into("unknown") == {"unknown"}
    assert all(cat.merged_into(code) <= cat.descendants(code) for code in cat.units)
    assert cat.current("000.02.04.H99") == "000.10.04.H99"
    assert cat.current("000.10.04.H99") == "000.10.04.H99"
    assert cat.current("unknown") == "unknown"


def test_successor_chains_are_followed_transitively() -> None:
    units = [
        Unit(
            code="A",
            name="a",
            level="commune",
            valid_from=date(2000, 1, 1),
            valid_to=date(2010, 1, 1),
            successor="B",
        ),
        Unit(
            code="B",
            name="b",
            level="commune",
            valid_from=date(2010, 1, 1),
            valid_to=date(2020, 1, 1),
            successor="C",
        ),
        Unit(code="C", name="c", level="commune", valid_from=date(2020, 1, 1)),
    ]
    cat = Catalogue([], units, [], CatalogueMeta(name="x"))
    assert cat.current("A") == "C"
    assert cat.descendants("C") == {"A", "B", "C"}


def test_merge_later_wins() -> None:
    base = loads_catalogue(GOOD)
    changed = base.procedures["1.000001"].model_copy(update={"name": "Đổi tên"})
    overlay = Catalogue([changed], [], [], CatalogueMeta(name="Overlay", source="mine"))
    merged = base.merge(overlay)
    assert merged.procedures["1.000001"].name == "Đổi tên"
    assert set(merged.units) == set(base.units)
    assert merged.meta.name == "Overlay" and merged.meta.source == "mine"
    assert sample_catalogue().merge(overlay).meta.sample


# --- sample province ------------------------------------------------------------------------------


def test_sample_is_marked_and_shaped() -> None:
    cat = sample_catalogue()
    assert cat is sample_catalogue()  # cached
    assert cat.meta.sample and cat.meta.name == "Tỉnh Mẫu (dữ liệu mẫu)"
    assert 38 <= len(cat.procedures) <= 50
    levels_before = [u.level for u in cat.units.values() if u.valid_on(date(2025, 6, 30))]
    levels_after = [u.level for u in cat.units.values() if u.valid_on(REFORM)]
    expected_before = ["province"] + ["department"] * 3 + ["district"] * 2 + ["commune"] * 8
    assert sorted(levels_before) == sorted(expected_before)
    assert sorted(levels_after) == sorted(["province"] + ["department"] * 3 + ["commune"] * 4)
    wards = [u for u in cat.units.values() if u.name.startswith("Ủy ban nhân dân phường")]
    assert any(u.valid_to == REFORM for u in wards)
    for code in ("000.10.01.H99", "000.10.02.H99"):
        assert cat.units[code].level == "commune" and cat.units[code].valid_from == REFORM
    for u in cat.units.values():
        assert u.code.endswith(".H99") and (u.valid_from <= date(2020, 1, 1) or u.valid_from == REFORM)
    new_communes = [u.code for u in cat.units.values() if u.level == "commune" and u.valid_to is None]
    for code in new_communes:
        assert len(cat.descendants(code)) == 3


def test_sample_procedures_are_real_and_varied() -> None:
    cat = sample_catalogue()
    listed = json.loads((DATA / "national_procedures.json").read_text(encoding="utf-8"))["procedures"]
    national = {p["code"]: p for p in listed}
    for p in cat.procedures.values():
        assert p.name == national[p.code]["name"] and p.weight == national[p.code]["portal_weight"]
        assert 1 <= len(p.components) <= 6 and p.field in cat.fields
    units = {p.max_time.unit for p in cat.procedures.values()}
    assert units == set(TimeUnit)
    assert sum(p.financial_obligation for p in cat.procedures.values()) >= 3
    assert any(not c.mandatory for p in cat.procedures.values() for c in p.components)
    # every unit has several procedures when valid
    for u in cat.units.values():
        on = u.valid_from if u.valid_to is None else u.valid_to - timedelta(days=1)
        on = max(on, date(2025, 11, 1)) if u.valid_to is None else on
        assert sum(cat.is_published(p, u.code, on) for p in cat.procedures) >= 1, u.code
        if u.level in ("commune", "district"):
            assert sum(cat.is_published(p, u.code, on) for p in cat.procedures) >= 5, u.code
    # one procedure becomes published late, so UNPUBLISHED_PROCEDURE can happen
    late = [p for p in cat.procedures.values() if p.publications[0].valid_from == date(2025, 9, 1)]
    assert late and not cat.is_published(late[0].code, "000.10.01.H99", date(2025, 8, 31))
    assert cat.is_published(late[0].code, "000.10.01.H99", date(2025, 9, 1))
    # district procedures move to communes at the reform
    assert cat.is_published("2.000720", "000.01.00.H99", date(2025, 6, 30))
    assert not cat.is_published("2.000720", "000.01.01.H99", date(2025, 6, 30))
    assert cat.is_published("2.000720", "000.10.01.H99", REFORM)


def test_sample_covers_the_contract_examples() -> None:
    cat = sample_catalogue()
    assert {"CT01", "GT-CHO-O"} <= cat.component_codes("1.004222")  # type: ignore[operator]
    hkd = cat.component_codes("1.001612")
    assert hkd is not None and {"GIAY-DE-NGHI", "CCCD-BAN-SAO"} <= hkd and "SO-HO-KHAU" not in hkd
    assert {"TO-KHAI", "KHAI-SINH-BAN-SAO"} <= cat.component_codes("2.000635")  # type: ignore[operator]
    old_commune = "000.01.01.H99"
    for code in ("1.004222", "1.001612", "2.000635"):
        for day in (date(2023, 1, 1), date(2025, 6, 30)):
            assert cat.is_published(code, old_commune, day)
        for day in (REFORM, date(2026, 12, 31)):
            assert cat.is_published(code, "000.10.02.H99", day)
    for line in EXAMPLES.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        assert cat.unit(event["unit_code"]) is not None
        if "procedure_code" in event["data"]:
            on = datetime.fromisoformat(event["occurred_at"])
            assert cat.is_published(event["data"]["procedure_code"], event["unit_code"], on)
        code = event["data"].get("procedure_code")
        docs = event["data"].get("documents", []) + event["data"].get("requested_documents", [])
        if code is not None:
            assert set(docs) - {"SO-HO-KHAU"} <= cat.component_codes(code)  # type: ignore[operator]


# --- national importer ----------------------------------------------------------------------------


def test_import_national(tmp_path: Path) -> None:
    cat = import_national(DATA / "national_procedures.json", DATA / "national_fields.json")
    assert len(cat.procedures) == 2395
    assert cat.meta.incomplete and not cat.meta.sample and "incomplete" in cat.meta.source.lower()
    p = cat.procedures["1.004222"]
    assert p.name == "Đăng ký thường trú" and p.weight == 8781419
    assert p.max_time == NO_LIMIT and p.components == () and p.field in cat.fields
    assert len(cat.fields) == 490  # 489 national fields + the unclassified placeholder
    out = tmp_path / "national.yaml"
    written = write_national_catalogue(DATA / "national_procedures.json", out)
    assert len(written.fields) == 1
    assert load_catalogue(out) == written


def test_documented_example_loads() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "catalogue-format.md").read_text(encoding="utf-8")
    example = doc.split("## Example\n```yaml\n", 1)[1].split("```", 1)[0]
    cat = loads_catalogue(example, "doc")
    assert cat.current("000.01.01.H99") == "000.10.01.H99"
    assert cat.is_published("1.004222", "000.00.00.H99", date(2024, 1, 1))
    limits = [cat.procedure("1.004222", day) for day in (date(2025, 6, 30), date(2025, 7, 1))]
    assert [p.max_time.amount for p in limits if p is not None] == [7, 5]


def test_a_field_name_gets_a_space_before_a_glued_bracket() -> None:
    """The national portal writes "Việc làm(Bộ Nội vụ)"; the reports printed it so (review of 2026-12-04)."""
    from inspections.catalogue import ProcedureField

    names = {
        "Việc làm(Bộ Nội vụ)": "Việc làm (Bộ Nội vụ)",
        "Thành lập (hộ kinh doanh)(Bộ Tài chính)": "Thành lập (hộ kinh doanh) (Bộ Tài chính)",
        "Đường bộ (Bộ Xây dựng)": "Đường bộ (Bộ Xây dựng)",
        "((x))": "((x))",
    }
    assert {name: ProcedureField(code="F", name=name).name for name in names} == names
    cat = import_national(DATA / "national_procedures.json", DATA / "national_fields.json")
    assert not [f.name for f in cat.fields.values() if re.search(r"\S\(", f.name.replace("((", ""))]


def test_names_are_composed_wherever_they_come_from() -> None:
    """The national list writes 38 procedure names and some field names with separate combining marks (NFD):
    copied as they were, the reports' font placed the marks beside their letters and a search typed as usual
    (NFC) found nothing (review of real exports). Every name of a catalogue is composed; codes are not
    touched."""
    import unicodedata

    raw = json.loads((DATA / "national_procedures.json").read_text(encoding="utf-8"))["procedures"]
    decomposed = {str(e["code"]) for e in raw if unicodedata.normalize("NFC", e["name"]) != e["name"]}
    assert len(decomposed) >= 30  # the real list's, as found
    cat = import_national(DATA / "national_procedures.json", DATA / "national_fields.json")
    names = [p.name for p in cat.procedures.values()] + [f.name for f in cat.fields.values()]
    assert all(unicodedata.is_normalized("NFC", name) for name in names)
    assert decomposed <= set(cat.procedures)
    nfd = GOOD.replace("name: Xã 2", "name: " + unicodedata.normalize("NFD", "Xã Đông Mẫu"))
    nfd = nfd.replace("name: Thủ tục 1", "name: " + unicodedata.normalize("NFD", "Thủ tục 1"))
    loaded = loads_catalogue(nfd)
    assert loaded.units["C2"].name == "Xã Đông Mẫu" and loaded.procedures["1.000001"].name == "Thủ tục 1"


def test_import_national_refuses_a_field_id_it_would_drop(tmp_path: Path) -> None:
    """A field id listed twice under another name, or named UNCLASSIFIED, was dropped silently (review)."""
    procedures = tmp_path / "p.json"
    procedures.write_text('{"procedures": [{"code": "1.0", "name": "x"}]}', encoding="utf-8")
    fields = tmp_path / "f.json"
    twice = [{"id": "1", "name": "A"}, {"id": "1", "name": "B"}]
    for listed, said in (
        (twice, "field id '1' is listed twice, as 'A' and 'B'"),
        ([{"id": "UNCLASSIFIED", "name": "A"}], "field id 'UNCLASSIFIED' is the imported procedures' field"),
    ):
        fields.write_text(json.dumps({"fields": listed}), encoding="utf-8")
        with pytest.raises(ValueError, match=re.escape(said)):
            import_national(procedures, fields)
    fields.write_text(json.dumps({"fields": [{"id": "1", "name": "A"}] * 2}), encoding="utf-8")
    assert [f.code for f in import_national(procedures, fields).fields.values()] == ["UNCLASSIFIED", "1"]
