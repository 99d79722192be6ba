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
#: Units that are some unit's parent: `--unit` covers their children too, so their own group is smaller.
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
    checked = 0
    for code, form in forms.items():
        if code in PARENTS or not form["received"]["total"]:
            continue
        assert form == figures(events, period, "--unit", code), code
        checked += 1
    assert checked >= 4


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
