"""Amendment 11: `metrics --by unit` groups every dossier under the unit in force at the end of the period
(following successors), so the groups sum to the whole and each group equals `metrics --unit` for that
unit; `--as-recorded` keeps the codes as received. On a simulated province spanning the 1/7/2025 merger."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.cli import app

runner = CliRunner()
CATALOGUE = Platform(load_settings()).catalogue
#: Units that are some unit's parent: `--unit --below` covers their children too.
PARENTS = {u.parent for u in CATALOGUE.units.values() if u.parent is not None}
#: Received 2025-06-20 by a ward merged on 1/7/2025 into 000.10.01.H99, never ended: carried over into
#: every later period under its old code.
OLD_WARD, NEW_WARD = "000.01.01.H99", "000.10.01.H99"
OPEN_OLD = "000.01.01.H99-250620-9999"
NOVEMBER = ("2025-11-01", "2025-12-01")
ACROSS = ("2025-06-16", "2025-07-14")
JUNE = ("2025-06-01", "2025-07-01")


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("merger") / "events.jsonl"
    args = ["simulate", "--out", str(out), "--dossiers", "800", "--seed", "5", "--start", "2025-05-05"]
    result = runner.invoke(app, [*args, "--weeks", "30"])
    assert result.exit_code == 0, result.stderr
    lines = out.read_bytes().splitlines()
    template = next(
        e for e in map(orjson.loads, lines) if e["type"] == "received" and e["unit_code"] == OLD_WARD
    )
    template.update(event_id="open-old-1", dossier_id=OPEN_OLD, occurred_at="2025-06-20T09:00:00+07:00")
    template["data"]["due_at"] = "2025-06-27T17:00:00+07:00"
    out.write_bytes(b"\n".join([*lines, orjson.dumps(template)]) + b"\n")
    return out


def figures(events: Path, period: tuple[str, str], *args: str) -> dict[str, Any]:
    result = runner.invoke(
        app, ["metrics", str(events), "--from", period[0], "--to", period[1], *args, "--json"]
    )
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = orjson.loads(result.stdout)
    return doc


COUNTS = ("received", "resolved", "in_progress")


def summed(forms: dict[str, dict[str, Any]]) -> dict[str, dict[str, int]]:
    return {
        part: {key: sum(f[part][key] for f in forms.values()) for key in next(iter(forms.values()))[part]}
        for part in COUNTS
    }


@pytest.mark.parametrize("period", [NOVEMBER, ACROSS, JUNE], ids=["november", "across", "june"])
def test_groups_sum_to_the_whole_and_each_equals_metrics_unit(events: Path, period: tuple[str, str]) -> None:
    whole = figures(events, period, "--by", "unit")
    groups = whole.pop("groups")
    assert groups["by"] == "unit" and groups["as_recorded"] is False
    forms = groups["forms"]
    assert summed(forms) == {part: whole[part] for part in COUNTS}
    assert whole == figures(events, period)  # grouping changes nothing in the whole
    checked = parents = 0
    for code, form in forms.items():
        if not form["received"]["total"]:
            continue
        assert form == figures(events, period, "--unit", code), code
        checked += 1
        parents += code in PARENTS
    # A parent's group too (review of the statistician's seat: `--unit` of the province office counted the
    # units below it, 164 dossiers against its group's 21; amendment 11 says they are equal).
    assert checked >= 4 and parents >= 1


def test_below_counts_the_units_under_a_unit_too(events: Path) -> None:
    """`--unit P --below` is P's group and the groups of every unit under it (in force at the period's end):
    the form of a district with its communes, or of the province."""
    forms = figures(events, NOVEMBER, "--by", "unit")["groups"]["forms"]
    for parent in sorted(PARENTS):
        under = CATALOGUE.unit_scope(parent) or frozenset()
        parts = {code: form for code, form in forms.items() if code in under}
        if len(parts) < 2:
            continue
        below = figures(events, NOVEMBER, "--unit", parent, "--below")
        assert {part: below[part] for part in COUNTS} == summed(parts), parent
        assert below != figures(events, NOVEMBER, "--unit", parent)
        return
    raise AssertionError("no parent with dossiers under it")


def test_a_unit_merged_by_the_period_end_is_said_to_count_for_its_successor(events: Path) -> None:
    """After 1/7/2025 the old ward's group is empty (its dossiers count for the ward it was merged into):
    `--unit` of it printed all-zero figures without a word, as if it had had no dossiers (review). They are
    still printed (they are its group's), with a note naming the successor and `--below`."""
    result = runner.invoke(app, ["metrics", str(events), "--from", NOVEMBER[0], "--to", NOVEMBER[1],
                                 "--unit", OLD_WARD, "--json"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert orjson.loads(result.stdout)["received"]["total"] == 0
    note = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert note == [
        f"note: {OLD_WARD} was merged into {NEW_WARD} by 2025-11-30: in this period its dossiers count for "
        f"{NEW_WARD} (rulebook v2, amendment 11); give --unit {NEW_WARD}, or --unit {OLD_WARD} --below for "
        "the dossiers recorded under its own code"
    ]
    own = figures(events, NOVEMBER, "--unit", OLD_WARD, "--below")
    assert own["received"]["total"] >= 1  # its open dossier, under its own code
    june = ["--from", JUNE[0], "--to", JUNE[1]]
    before = runner.invoke(app, ["metrics", str(events), *june, "--unit", OLD_WARD])
    assert before.exit_code == 0 and "note:" not in before.stderr  # in force then: its own group


def test_the_warehouse_form_of_a_unit_is_the_files(events: Path, tmp_path: Path) -> None:
    """`metrics --warehouse --unit` counts the same group as the file's (and `--below` the same units)."""
    url = f"chdb://{tmp_path}/wh"
    load = ["warehouse", "load", str(events), "--warehouse", url, "--as-of", "2025-12-01T00:00:00+07:00"]
    for args in (["warehouse", "init", "--warehouse", url], load):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.stderr
    parent = next(p for p in sorted(PARENTS) if len(CATALOGUE.unit_scope(p) or ()) > 2)
    for extra in (["--unit", NEW_WARD], ["--unit", parent], ["--unit", parent, "--below"]):
        period = ["--from", NOVEMBER[0], "--to", NOVEMBER[1]]
        stored = runner.invoke(app, ["metrics", "--warehouse", url, *period, *extra, "--json"])
        assert stored.exit_code == 0, stored.stderr
        got = orjson.loads(stored.stdout)
        want = figures(events, NOVEMBER, *extra)
        assert "note:" not in stored.stderr
        assert {part: got[part] for part in COUNTS} == {part: want[part] for part in COUNTS}, extra


def test_a_merged_ward_rolls_up_into_its_successor(events: Path) -> None:
    rolled = figures(events, NOVEMBER, "--by", "unit")["groups"]["forms"]
    recorded = figures(events, NOVEMBER, "--by", "unit", "--as-recorded")
    assert recorded["groups"]["as_recorded"] is True
    received = {code: f["received"]["total"] for code, f in recorded["groups"]["forms"].items()}
    # As recorded, the old ward keeps its own (open) dossier; rolled up, its successor counts it.
    assert received[OLD_WARD] >= 1
    assert OLD_WARD not in rolled
    merged = [
        c for c in received if CATALOGUE.current_on(c, CATALOGUE.units[NEW_WARD].valid_from) == NEW_WARD
    ]
    assert OLD_WARD in merged and NEW_WARD in merged
    assert rolled[NEW_WARD]["received"]["total"] == sum(received[c] for c in merged)
    assert rolled[NEW_WARD] == figures(events, NOVEMBER, "--unit", NEW_WARD)
    # The whole is the same however it is grouped.
    assert summed(rolled) == summed(recorded["groups"]["forms"])


def test_before_the_merger_the_old_units_stay(events: Path) -> None:
    rolled = figures(events, JUNE, "--by", "unit")["groups"]["forms"]
    recorded = figures(events, JUNE, "--by", "unit", "--as-recorded")["groups"]["forms"]
    assert rolled == recorded and OLD_WARD in rolled
    across = figures(events, ACROSS, "--by", "unit")["groups"]["forms"]
    assert OLD_WARD not in across and across[NEW_WARD]["received"]["carried_over"] >= 1


def test_current_on_follows_successors_only_once_a_unit_has_ended() -> None:
    assert CATALOGUE.current_on(OLD_WARD, date(2025, 6, 30)) == OLD_WARD
    assert CATALOGUE.current_on(OLD_WARD, date(2025, 7, 1)) == NEW_WARD
    assert CATALOGUE.current_on(NEW_WARD, date(2025, 7, 1)) == NEW_WARD
    assert CATALOGUE.current_on("000.01.00.H99", date(2025, 11, 1)) == "000.01.00.H99"  # no successor
    assert CATALOGUE.current_on("unknown", date(2025, 11, 1)) == "unknown"


def test_the_groups_are_in_the_text_too(events: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The text output showed the province's form only, as if --by were ignored (review)."""
    from rich.console import Console

    import dossier_audit.cli.files as files_cli

    forms = figures(events, NOVEMBER, "--by", "unit")["groups"]["forms"]
    # Off a terminal, whole rows however narrow the console (under a full run they were cut to "000.0…").
    monkeypatch.setattr(files_cli, "err", Console(stderr=True, width=40, soft_wrap=True))
    shown = runner.invoke(
        app, ["metrics", str(events), "--from", NOVEMBER[0], "--to", NOVEMBER[1], "--by", "unit"]
    )
    assert shown.exit_code == 0, shown.stderr
    assert "By unit" in shown.stderr
    rows = {line.split("│")[1].strip(): line for line in shown.stderr.splitlines() if line.count("│") == 10}
    assert set(rows) == set(forms)
    for code, form in forms.items():
        cells = [c.strip() for c in rows[code].split("│")[2:-1]]
        assert cells[0] == f"{form['received']['total']:,}" and cells[2] == f"{form['resolved']['early']:,}"
