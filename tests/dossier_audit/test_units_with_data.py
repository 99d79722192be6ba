"""``--unit`` takes a unit that has data even when the catalogue does not know it (issue 13 review, item 4).

Unknown unit codes "stay themselves" in the domain (``Catalogue.current_on``, ``descendants``): their
dossiers are audited and counted, and ``metrics --by unit --as-recorded`` shows them. ``--unit`` refused
them, because it looked at the catalogue only: it must refuse a unit only when neither the catalogue nor
the data holds it (from a file: the dossiers read; from a warehouse: the stored dossiers), suggesting close
codes of both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner, Result

from dossier_audit.cli import app

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples.jsonl"
NEW = "NEWUNIT"
PERIOD = ["--from", "2025-11-03", "--to", "2025-11-24"]


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def one_error_line(result: Result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stderr, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def figures(result: Result) -> Any:
    assert result.exit_code == 0, (result.stderr, result.exception)
    return orjson.loads(result.stdout.splitlines()[0])


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The contract's examples with one unit's code changed to one the catalogue does not know."""
    path = tmp_path_factory.mktemp("units") / "events.jsonl"
    path.write_bytes(EXAMPLES.read_bytes().replace(b'"000.10.02.H99"', f'"{NEW}"'.encode()))
    return path


@pytest.fixture(scope="module")
def warehouse(events: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"chdb://{tmp_path_factory.mktemp('wh') / 'warehouse'}"
    loaded = cli("warehouse", "load", str(events), "--warehouse", url, "--as-of", "2025-11-24")
    assert loaded.exit_code == 0, loaded.stderr
    return url


def test_metrics_of_a_unit_only_the_data_holds(events: Path) -> None:
    grouped = figures(cli("metrics", str(events), *PERIOD, "--by", "unit", "--as-recorded", "--json"))
    group = grouped["groups"]["forms"][NEW]
    assert group["received"]["total"] > 0
    one = figures(cli("metrics", str(events), *PERIOD, "--unit", NEW, "--json"))
    assert {k: one[k] for k in group} == group  # the unit's own form is its group


def test_a_unit_in_neither_is_refused_with_close_codes_of_both(events: Path) -> None:
    line = one_error_line(cli("metrics", str(events), *PERIOD, "--unit", "NEWUNlT"))
    assert "--unit 'NEWUNlT' is not a unit of the catalogue nor of the data" in line
    assert f"did you mean {NEW}" in line
    line = one_error_line(cli("metrics", str(events), *PERIOD, "--unit", "000.10.01.H98"))
    assert "did you mean 000.10.01.H99" in line  # the catalogue's codes are still suggested


def test_the_warehouse_takes_a_unit_it_stores(events: Path, warehouse: str) -> None:
    from_file = figures(cli("metrics", str(events), *PERIOD, "--unit", NEW, "--json"))
    stored = figures(cli("metrics", "--warehouse", warehouse, *PERIOD, "--unit", NEW, "--json"))
    assert stored["received"] == from_file["received"] and stored["received"]["total"] > 0
    listed = cli("violations", "--warehouse", warehouse, "--unit", NEW, "--all", "--json")
    assert listed.exit_code == 0, listed.stderr
    units = {orjson.loads(line)["unit_code"] for line in listed.stdout.splitlines()}
    assert units <= {NEW}


def test_the_warehouse_refuses_a_unit_it_does_not_store(warehouse: str) -> None:
    for args in (["violations"], ["metrics", *PERIOD]):
        line = one_error_line(cli(*args, "--warehouse", warehouse, "--unit", "NEWUNlT"))
        assert "not a unit of the catalogue nor of the data" in line and f"did you mean {NEW}" in line
    # A unit whose code holds SQL is a bound value: it is looked for, not run.
    line = one_error_line(cli("violations", "--warehouse", warehouse, "--unit", "x' OR 1=1 --"))
    assert "not a unit of the catalogue nor of the data" in line


def test_metrics_names_the_files_unit_codes_the_catalogue_does_not_know(tmp_path: Path) -> None:
    """A unit code copied from a spreadsheet with a no-break or zero-width space is another unit to the
    contract (any string), judged against no publication; `metrics --by unit` printed rows that all read
    "000.10.01.H99" and said nothing (review of real exports). One warning names them as Python writes
    them, with the code they look like."""
    import json

    lines = Path("/work/shared/contract/examples.jsonl").read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]
    events[1]["unit_code"] += "\u00a0"
    events[5]["unit_code"] += "\u200b"
    path = tmp_path / "padded.jsonl"
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in events) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["metrics", str(path), "--from", "2025-11-03", "--to", "2025-11-10"])
    assert result.exit_code == 0, result.stderr
    (warning,) = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert warning.startswith("warning: 2 unit code(s) of the file are not in the catalogue"), warning
    for shown in ("'000.10.01.H99\\xa0'", "'000.10.01.H99\\u200b'"):
        assert f"{shown} (000.10.01.H99 with a blank or an invisible character)" in warning, warning
    clean = tmp_path / "clean.jsonl"
    clean.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["metrics", str(clean), "--from", "2025-11-03", "--to", "2025-11-10"])
    assert result.exit_code == 0 and "warning: " not in result.stderr, result.stderr
