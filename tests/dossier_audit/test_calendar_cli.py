"""``dossier-audit calendar draft`` and ``calendar check``: the yearly runbook's two steps from the command
line (docs/calendar.md); every bad file is one ``error:`` line, exit 2, whatever its bytes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspections.files.calendar_draft import draft_year
from tests.depth import examples
from tests.dossier_audit.test_clear_errors import cli, one_error_line

SHIPPED = Path(__file__).parents[2] / "inspections" / "calendars" / "vn"


def test_a_draft_written_then_checked(tmp_path: Path) -> None:
    out = tmp_path / "2027.yaml"
    written = cli("calendar", "draft", "2027", "--out", str(out))
    assert written.exit_code == 0, written.stderr
    assert written.stderr == f"wrote {out}: the statutory pattern of 2027, to edit\n"
    assert out.read_text(encoding="utf-8") == draft_year(2027) == cli("calendar", "draft", "2027").stdout
    checked = cli("calendar", "check", str(out))
    assert checked.exit_code == 0, checked.stderr
    assert checked.stderr == (
        f"{out}: ok — 2027: 14 days off, 0 make-up days; beside the statutory pattern: 0 days off added, "
        "0 dropped\n"
    )


def test_a_draft_never_overwrites_a_file(tmp_path: Path) -> None:
    out = tmp_path / "2027.yaml"
    out.write_text("the notice, half typed\n", encoding="utf-8")
    line = one_error_line(cli("calendar", "draft", "2027", "--out", str(out)))
    assert line == f"error: {out} exists; the draft never overwrites a file (remove it or choose another)"
    assert out.read_text(encoding="utf-8") == "the notice, half typed\n"


def test_a_draft_to_dash_is_standard_output_and_to_a_folder_is_one_line(tmp_path: Path) -> None:
    """``--out -`` wrote a file named ``-``, and a folder read "exists; the draft never overwrites a file"."""
    assert cli("calendar", "draft", "2027", "--out", "-").stdout == draft_year(2027)
    line = one_error_line(cli("calendar", "draft", "2027", "--out", str(tmp_path)))
    assert line == f"error: cannot write {tmp_path}: it is a directory"
    assert list(tmp_path.iterdir()) == []


def test_a_year_past_the_lunar_table_is_one_line() -> None:
    line = one_error_line(cli("calendar", "draft", "2051"))
    assert line == "error: no lunar dates for 2051: the calendar covers 2000–2050"


def test_a_check_lists_what_the_year_changes_of_the_pattern() -> None:
    checked = cli("calendar", "check", str(SHIPPED / "2026.yaml"))
    assert checked.exit_code == 0, checked.stderr
    lines = checked.stderr.splitlines()
    said = "ok — 2026: 15 days off, 2 make-up days; beside the statutory pattern: 3 days off added, 0 dropped"
    assert lines[0] == f"{SHIPPED / '2026.yaml'}: {said}"
    assert lines[1:] == [
        "  + 2026-01-02 Fri swapped: Hoán đổi ngày làm việc (nghỉ thứ Sáu, làm bù thứ Bảy 10/1) (S)",
        "  + 2026-08-31 Mon swapped: Hoán đổi ngày làm việc (nghỉ thứ Hai, làm bù thứ Bảy 22/8) (S)",
        "  + 2026-11-24 Tue statutory: Ngày Văn hóa Việt Nam (U)",
        "  make-up 2026-01-10 Sat, for 2026-01-02 (S)",
        "  make-up 2026-08-22 Sat, for 2026-08-31 (S)",
    ]


def test_a_year_without_its_tet_is_one_line_naming_the_day(tmp_path: Path) -> None:
    doc = yaml.safe_load(draft_year(2027))
    doc["holidays"] = [h for h in doc["holidays"] if h["date"] != date(2027, 2, 6)]
    path = tmp_path / "2027.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    line = one_error_line(cli("calendar", "check", str(path)))
    said = "2027.yaml lacks days off the Labour Code gives every year: 2027-02-06 (Tết (1/1 âm lịch))"
    assert line.startswith(f"error: {said}; ")


def test_an_override_checks_as_one(tmp_path: Path) -> None:
    path = tmp_path / "hcm.yaml"
    path.write_text("remove: [2026-11-24]\n", encoding="utf-8")
    checked = cli("calendar", "check", str(path))
    assert checked.exit_code == 0, checked.stderr
    said = "ok — province override: 0 days off added, 0 make-up days, 1 date removed"
    assert checked.stderr == f"{path}: {said}\n"
    # A date that is no day off is nothing to remove: it said "1 date removed" (review). A warning, not an
    # error: a day off a later data release drops (24/11/2026 is unconfirmed) would stop every command.
    path.write_text("remove: [2026-11-24, 2026-11-25]\n", encoding="utf-8")
    checked = cli("calendar", "check", str(path))
    assert checked.exit_code == 0, checked.stderr
    assert checked.stderr.splitlines() == [
        f"{path}: ok — province override: 0 days off added, 0 make-up days, 1 date removed",
        f"warning: {path}: remove: 2026-11-25 is not a day off of the calendar: nothing removed",
    ]


def test_removing_a_swapped_day_off_alone_is_one_line(tmp_path: Path) -> None:
    """It was "ok — 1 date removed", and Fri 2/1/2026 and its make-up Sat 10/1 were both working days."""
    path = tmp_path / "hcm.yaml"
    path.write_text("remove: [2026-01-02]\n", encoding="utf-8")
    line = one_error_line(cli("calendar", "check", str(path)))
    assert line.startswith(f"error: {path}: remove: 2026-01-02 is the day off that make-up day 2026-01-10 ")
    path.write_text("remove: [2026-01-02, 2026-01-10]\n", encoding="utf-8")
    checked = cli("calendar", "check", str(path))
    assert checked.exit_code == 0, checked.stderr
    assert checked.stderr.endswith("2 dates removed\n")


def test_an_overrides_make_up_day_for_a_working_day_is_one_line(tmp_path: Path) -> None:
    """It was "ok — 1 make-up day", and every due date across it came a day early (review)."""
    path = tmp_path / "hcm.yaml"
    path.write_text(
        "lam_bu:\n  - {date: 2026-03-14, replaces: 2026-03-10, source: x, confidence: C}\n", "utf-8"
    )
    line = one_error_line(cli("calendar", "check", str(path)))
    assert line.startswith(
        f"error: {path}: make-up day 2026-03-14 replaces 2026-03-10, which is not a day off"
    )


def test_no_file_or_a_folder_is_one_line(tmp_path: Path) -> None:
    assert one_error_line(cli("calendar", "check", str(tmp_path / "2027.yaml"))).endswith(": no such file")
    assert one_error_line(cli("calendar", "check", str(tmp_path))).endswith(": it is a directory")


_FRAGMENTS = st.sampled_from([
    "year: 2027\n", "holidays:\n", "  - date: 2027-02-30\n", "  - {date: 2027-01-01}\n", "lam_bu: [1]\n",
    "remove: [x]\n", "kind: odd\n", "[", "{", ": :", "\t", "\xa0", "confidence: Z\n", "- - -\n", "&a [*a]\n",
])  # fmt: skip


@settings(
    max_examples=examples(15), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(["2027.yaml", "2019.yaml", "override.yaml"]),
    text=st.lists(_FRAGMENTS, max_size=8).map("".join) | st.binary(max_size=60).map(repr),
    raw=st.binary(max_size=40),
)
def test_any_file_is_checked_or_one_line(tmp_path: Path, name: str, text: str, raw: bytes) -> None:
    path = tmp_path / name
    for content in (text.encode(), raw):
        path.write_bytes(content)
        result = cli("calendar", "check", str(path))
        if result.exit_code != 0:
            one_error_line(result)


def test_a_draft_under_another_years_name_is_refused(tmp_path: Path) -> None:
    """``draft 2027 --out 2028.yaml`` wrote a file that ``calendar check`` then refused ("'year' must be
    2028"), and the product would read it as 2028's (review). Any other name is an override's, as given."""
    out = tmp_path / "2028.yaml"
    line = one_error_line(cli("calendar", "draft", "2027", "--out", str(out)))
    assert line == "error: --out 2028.yaml is the file of 2028: name the draft of 2027 2027.yaml"
    assert not out.exists()
    cli("calendar", "draft", "2027", "--out", str(tmp_path / "draft-2027.yaml"))
