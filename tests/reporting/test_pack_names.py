"""Issue 13, item 14: audit pack file names are injective over unit codes (``a/b``, ``a_b`` and the empty
code used to share ``units/a_b.xlsx``), also where the file system folds case (Windows, macOS), each is one
safe path component everywhere, and the usual codes keep their own name."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import load_workbook

from inspections.files.catalogue import sample_catalogue
from inspections.weeks import Week
from reporting import packs
from reporting.header import make_header
from reporting.packs import UnitPack, pack_file_stem, write_packs
from reporting.reach import WeekFigures, week_maturity
from tests.reporting.conftest import WEEK

DEVICES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {f"COM{n}" for n in range(10)}
DEVICES |= {f"LPT{n}" for n in range(10)}
SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,63}")

#: Codes built from the characters that collided, in both cases, with device names and dots around.
CONFUSABLE = st.text(alphabet="aAbB/_\\.- :H9", max_size=8)
DEVICE_LIKE = st.builds(
    lambda name, suffix: name + suffix,
    st.sampled_from(sorted(DEVICES | {d.lower() for d in DEVICES})),
    st.sampled_from(["", ".", ".x", ".H99", " ", "_", "..", ".tar.gz"]),
)
ANY_CODE = st.text(st.characters(exclude_categories=()), max_size=90)  # surrogates and controls included
CODES = st.one_of(CONFUSABLE, DEVICE_LIKE, ANY_CODE, st.from_regex(r"[0-9A-Z.]{1,70}", fullmatch=True))
NATIONAL = st.from_regex(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}", fullmatch=True)


def assert_safe_component(stem: str) -> None:
    for name in (stem, f"{stem}.xlsx", f"{stem}.html"):
        assert PurePosixPath(name).name == name and PureWindowsPath(name).name == name
        assert not name.endswith((".", " "))
    assert SAFE_NAME.fullmatch(stem), stem  # ASCII: no normalisation (NFC/NFD) can change it
    assert stem.partition(".")[0].upper() not in DEVICES, stem


@given(st.lists(CODES, unique=True, max_size=12))
@example(["a/b", "a_b", ""])
@example(["a/b", "A/B", "a_b", "A_B", "a:b"])
@example(["CON", "con", "CON.x", "CON_.x", ".CON.x"])
@example(["A.", "A", "A..", "-5", "5"])
@example(["x" * 64, "x" * 65, "x" * 66])
def test_names_are_injective_even_when_case_is_folded(codes: list[str]) -> None:
    stems = [pack_file_stem(code) for code in codes]
    assert len({stem.casefold() for stem in stems}) == len(codes), dict(zip(codes, stems, strict=True))
    for stem in stems:
        assert_safe_component(stem)


@given(CODES)
@example("")
@example("a/b")
@example("../../etc/passwd")
@example("C:\\x")
@example("NUL.tar.gz")
@example("Phường Bến Nghé")
def test_every_name_is_one_safe_path_component_and_the_same_each_time(code: str) -> None:
    stem = pack_file_stem(code)
    assert_safe_component(stem)
    assert pack_file_stem(code) == stem


@given(NATIONAL)
def test_national_codes_keep_their_own_name(code: str) -> None:
    assert pack_file_stem(code) == code


def test_the_sample_catalogues_units_keep_their_own_name() -> None:
    for code in sample_catalogue().units:
        assert pack_file_stem(code) == code


def test_other_codes_stay_readable() -> None:
    assert pack_file_stem("a/b").startswith("a_b_")
    assert pack_file_stem("Phường Bến Nghé").startswith("Phuong_Ben_Nghe_")
    assert pack_file_stem("CON").startswith("CON__")


def test_colliding_units_each_get_their_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``write_packs`` names files with ``pack_file_stem``: the units that shared one file get one each,
    and the list it returns (what the CLI prints and Dagster publishes) is those files."""
    units = ["a/b", "a_b", "", "A_B", "000.10.01.H99"]
    found = [UnitPack(u, f"Đơn vị {u}", [], [], 0, f"{u}/{WEEK}", {}, {}) for u in units]
    monkeypatch.setattr(packs, "gather_packs", lambda *_: found)

    def no_figures(t: Any, _: Any, __: Any, week: Week, rule: Any, ___: Any) -> Any:  # nor load runs
        return WeekFigures(None, "", None), week_maturity(t, week, None, rule, False)

    monkeypatch.setattr(packs, "figures_and_maturity", no_figures)  # no warehouse: no figures to date
    monkeypatch.setattr(packs, "calendar_box", lambda *_: None)  # nor a calendar stored
    catalogue = sample_catalogue()
    written = write_packs(catalogue, make_header(catalogue, "en"), None, WEEK, tmp_path, 0)  # type: ignore[arg-type]
    assert sorted(written) == sorted((tmp_path / "units").iterdir())
    assert len(written) == 2 * len(units)
    for unit in units:
        path = tmp_path / "units" / f"{pack_file_stem(unit)}.xlsx"
        title = load_workbook(path).properties.title
        assert title.endswith(f"Đơn vị {unit} ({unit})"), title
        html = path.with_suffix(".html").read_text(encoding="utf-8")
        assert f"Đơn vị {unit} ({unit})" in html
