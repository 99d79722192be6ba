"""The warehouse end to end on both backends: migrations, loads, status, and equality of the SQL figures
and the warehouse audit with the file-based ones."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner, Result

from dossier_audit.cli import app
from warehouse.base import Warehouse
from warehouse.migrate import discover, migrate, schema_version

runner = CliRunner()
CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
EXAMPLES = CONTRACT / "examples.jsonl"
INVALID = CONTRACT / "invalid.jsonl"


def cli(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr + result.stdout
    return result


def test_migrations_are_idempotent(warehouse: Warehouse) -> None:
    first = migrate(warehouse)
    assert [m.version for m in first] == [m.version for m in discover()]
    assert migrate(warehouse) == []
    assert schema_version(warehouse) == discover()[-1].version
    tables = {row[0] for row in warehouse.query("SHOW TABLES")}
    assert {"events", "rejected_events", "dossiers", "dossier_outcomes", "violations", "units",
            "procedures", "calendar_days", "report_runs", "schema_migrations"} <= tables  # fmt: skip


def test_a_migration_killed_before_its_record_runs_again(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration adding a column, killed after its ALTER and before its record (``init`` under a
    restarting container), made every later ``init`` fail "DUPLICATE_COLUMN" (review): such an ALTER is
    skipped when its column is there."""
    last = [m for m in discover() if "ADD COLUMN" in m.sql][-1]  # the case: the latest adding a column
    record = warehouse.insert

    def killed(table: str, *args: object, **kwargs: object) -> object:
        if table == "schema_migrations" and args[1][0] == [last.version]:  # type: ignore[index]
            raise KeyboardInterrupt
        return record(table, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(warehouse, "insert", killed)
    with pytest.raises(KeyboardInterrupt):
        migrate(warehouse)
    monkeypatch.undo()
    assert schema_version(warehouse) == last.version - 1
    later = [m.version for m in discover() if m.version >= last.version]
    assert [m.version for m in migrate(warehouse)] == later
    assert schema_version(warehouse) == discover()[-1].version


def test_two_processes_migrating_at_once_both_succeed(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review of concurrent operators: of two `init`s at once, one failed "column already exists" (another
    process added it between its look and its ALTER). The ALTER failing so is taken as done once the column
    is there; any other failure is raised."""
    import warehouse.migrate as migrating

    migrate(warehouse)
    last = [m for m in discover() if "ADD COLUMN" in m.sql][-1]
    done = migrating.applied(warehouse)
    monkeypatch.setattr(migrating, "applied", lambda wh: {v: c for v, c in done.items() if v != last.version})
    looks = [False]  # the first look: before the other process's ALTER
    real = migrating._added_already

    def look(wh: Warehouse, statement: str) -> bool:
        return looks.pop() if looks else real(wh, statement)

    monkeypatch.setattr(migrating, "_added_already", look)
    assert [m.version for m in migrate(warehouse)] == [last.version]


def test_every_column_a_migration_adds_is_recognised() -> None:
    """The re-run of a killed migration skips an ADD COLUMN whose column is there: every migration's
    ADD COLUMN must be recognised, whatever its layout or type (review of the diff)."""
    from warehouse.migrate import added_columns

    for migration in discover():
        for statement in migration.statements():
            if "ADD COLUMN" in statement.upper():
                assert added_columns(statement) is not None, (migration.label, statement)
    shapes = {
        "ALTER TABLE t ADD COLUMN a String DEFAULT ''": ("t", ["a"]),
        "ALTER TABLE t\n  ADD COLUMN at DateTime64(3, 'UTC')": ("t", ["at"]),
        "alter table t add column m Map(String, String), add column n UInt8": ("t", ["m", "n"]),
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS x UInt8": ("t", ["x"]),
        "ALTER TABLE t DROP COLUMN a": None,
        "CREATE TABLE IF NOT EXISTS t (a String) ENGINE = Log": None,
    }
    for statement, expected in shapes.items():
        assert added_columns(statement) == expected, statement


def test_init_says_when_it_stores_the_bundled_sample_catalogue(warehouse_url: str, tmp_path: Path) -> None:
    """A compose deployment upgraded with its settings left in .env (they moved to settings.env) lost its
    catalogue setting, and init stored the sample province's without a word (upgrade review)."""
    sample = runner.invoke(app, ["warehouse", "init", "--warehouse", warehouse_url])
    assert sample.exit_code == 0 and "stored the bundled SAMPLE catalogue" in " ".join(sample.stderr.split())
    own = tmp_path / "catalogue.yaml"
    text = (Path(__file__).resolve().parents[2] / "inspections" / "data" / "sample_province.yaml").read_text(
        encoding="utf-8"
    )
    own.write_text(text, encoding="utf-8")  # a copy of the sample, given: named as the file it is
    args = ["warehouse", "init", "--warehouse", warehouse_url, "--catalogue", str(own)]
    copy = " ".join(runner.invoke(app, args).stderr.split())
    assert "which says it is SAMPLE data (sample: true)" in copy and "no DOSSIER_AUDIT_CATALOGUE" not in copy
    own.write_text(text.replace("sample: true", "sample: false"), encoding="utf-8")
    province = runner.invoke(app, args)
    assert province.exit_code == 0, province.stderr
    assert "SAMPLE" not in province.stderr


def test_init_stores_the_catalogue_only_when_it_differs_from_the_newest_snapshot(
    warehouse_url: str, tmp_path: Path
) -> None:
    """The compose file runs ``init`` on every start, and each stored the same catalogue as a new snapshot
    (review of the upgrade seat): it now stores one as a load does, when the files differ."""
    first = orjson.loads(cli("warehouse", "init", "--warehouse", warehouse_url).stdout)
    assert first["catalogue_snapshot_stored"] == first["catalogue_snapshot"] is not None
    again = orjson.loads(cli("warehouse", "init", "--warehouse", warehouse_url).stdout)
    assert again["catalogue_snapshot_stored"] is None
    assert again["catalogue_snapshot"] == first["catalogue_snapshot"]
    text = (Path(__file__).resolve().parents[2] / "inspections" / "data" / "sample_province.yaml").read_text(
        encoding="utf-8"
    )
    own = tmp_path / "catalogue.yaml"
    own.write_text(text.replace("sample: true", "sample: false"), encoding="utf-8")
    args = ["warehouse", "init", "--warehouse", warehouse_url, "--catalogue", str(own)]
    edited = orjson.loads(cli(*args).stdout)
    assert edited["catalogue_snapshot_stored"] == edited["catalogue_snapshot"] > first["catalogue_snapshot"]


def test_a_load_stores_the_catalogue_it_judged_with_when_it_differs(
    warehouse_url: str, tmp_path: Path
) -> None:
    """A catalogue edited (a time limit changed) and loaded without ``warehouse init``: the load judged with
    it while the detectors and checks read the snapshot before (review of rules over time). It now stores it,
    says so, and stores nothing when the newest snapshot holds it already."""
    from warehouse import open_warehouse
    from warehouse.catalogue_read import load_stored_catalogue

    cli("warehouse", "init", "--warehouse", warehouse_url)
    text = (Path(__file__).resolve().parents[2] / "inspections" / "data" / "sample_province.yaml").read_text(
        encoding="utf-8"
    )
    edited = text.replace(
        "  max_time: 7 working_days\n",
        "  max_time: 7 working_days\n  time_limits:\n"
        "  - {valid_from: 2025-11-01, max_time: 5 working_days}\n",
        1,
    )
    assert edited != text
    own = tmp_path / "catalogue.yaml"
    own.write_text(edited, encoding="utf-8")
    args = ["warehouse", "load", str(EXAMPLES), "--warehouse", warehouse_url, "--as-of", "2025-11-20"]
    first = cli(*args, "--catalogue", str(own))
    snapshot = orjson.loads(first.stdout)["catalogue_snapshot_stored"]
    assert snapshot and f"as snapshot {snapshot}" in " ".join(first.stderr.split())
    # Still the sample's meta (sample: true): said as init does, but as the file given, which it is. It read
    # "the bundled SAMPLE catalogue (no DOSSIER_AUDIT_CATALOGUE or --catalogue)" though --catalogue was given.
    said = " ".join(first.stderr.split())
    assert "which says it is SAMPLE data (sample: true)" in said and "no DOSSIER_AUDIT_CATALOGUE" not in said
    with open_warehouse(warehouse_url) as wh:
        stored = load_stored_catalogue(wh)
    assert stored.snapshot == snapshot and stored.catalogue.procedure("1.004222").time_limits  # type: ignore[union-attr]
    again = cli(*args, "--catalogue", str(own))
    assert orjson.loads(again.stdout)["catalogue_snapshot_stored"] is None and "snapshot" not in again.stderr
    # The catalogue before, given again, is stored again: the newest snapshot is what the load judged with.
    back = orjson.loads(cli(*args).stdout)["catalogue_snapshot_stored"]
    assert back is not None and back > snapshot


def test_load_twice_stores_everything_once(warehouse_url: str, tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(EXAMPLES.read_bytes() + INVALID.read_bytes())
    cli("warehouse", "init", "--warehouse", warehouse_url)
    load = orjson.loads(cli("warehouse", "load", str(mixed), "--warehouse", warehouse_url,
                            "--as-of", "2025-11-20").stdout)  # fmt: skip
    assert (load["valid"], load["rejected"]) == (24, 14)
    status = orjson.loads(cli("warehouse", "status", "--warehouse", warehouse_url).stdout)
    assert (status["events"], status["dossiers"], status["rejected_events"]) == (24, 6, 14)
    assert status["open_violations"] == 9
    cli("warehouse", "load", str(mixed), "--warehouse", warehouse_url, "--as-of", "2025-11-20")
    again = orjson.loads(cli("warehouse", "status", "--warehouse", warehouse_url).stdout)
    assert again == status


def test_rejected_lines_keep_their_reason_and_no_clear_applicant(warehouse: Warehouse, warehouse_url: str,
                                                                 tmp_path: Path) -> None:  # fmt: skip
    bad = tmp_path / "bad.jsonl"
    line = orjson.loads(EXAMPLES.read_bytes().splitlines()[5])
    line["data"]["channel"] = "fax"
    bad.write_bytes(orjson.dumps(line) + b"\n")
    cli("warehouse", "load", str(bad), "--warehouse", warehouse_url, "--as-of", "2025-11-20")
    rows = warehouse.query("SELECT source_offset, reason_code, reason, raw FROM rejected_events FINAL")
    assert [(r[0], r[1]) for r in rows] == [(1, "field.invalid")]
    assert "data.channel" in rows[0][2]
    assert "Nguyễn Văn A" not in rows[0][3]


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("province") / "events.jsonl"
    result = runner.invoke(app, ["simulate", "--out", str(out), "--dossiers", "1500", "--seed", "4"])
    assert result.exit_code == 0, result.stderr
    meta = orjson.loads(out.with_suffix(".truth.jsonl").read_bytes().splitlines()[0])["meta"]
    return out, meta["as_of"]


@pytest.mark.slow(18)
def test_sql_metrics_and_warehouse_audit_equal_the_file_ones(warehouse_url: str, province) -> None:
    events, as_of = province
    cli("warehouse", "load", str(events), "--warehouse", warehouse_url, "--as-of", as_of)
    periods = [("2025-06-09", "2025-06-16"), ("2025-07-28", "2025-08-04"), ("2025-06-01", "2025-09-08")]
    for start, end in periods:
        for unit in ([], ["--unit", "000.10.01.H99"], ["--unit", "000.01.00.H99"]):
            args = ["metrics", "--from", start, "--to", end, *unit, "--json"]
            from_file = orjson.loads(cli(*args, str(events)).stdout)
            from_sql = orjson.loads(cli(*args, "--warehouse", warehouse_url).stdout)
            assert from_sql == from_file, (start, end, unit)
    file_audit = sorted(cli("audit", str(events), "--as-of", as_of, "--json").stdout.splitlines())
    wh_audit = sorted(
        cli("audit", "--warehouse", warehouse_url, "--as-of", as_of, "--json").stdout.splitlines()
    )
    assert wh_audit == file_audit
    assert len(file_audit) > 100
    # The configured warehouse, without --warehouse: a deployment keeps its URL (and password) in
    # DOSSIER_AUDIT_WAREHOUSE, which audit and metrics ignored (review of 2026-12-06).
    env = {"DOSSIER_AUDIT_WAREHOUSE": warehouse_url}
    configured = runner.invoke(app, ["audit", "--as-of", as_of, "--json"], env=env)
    assert configured.exit_code == 0, configured.stderr
    assert sorted(configured.stdout.splitlines()) == file_audit
    args = ["metrics", "--from", "2025-06-09", "--to", "2025-06-16", "--json"]
    from_env = runner.invoke(app, args, env=env)
    assert orjson.loads(from_env.stdout) == orjson.loads(cli(*args, str(events)).stdout)


def test_loads_in_two_halves_fold_to_the_same_answers(warehouse_url: str, province, tmp_path: Path) -> None:
    """Each dossier's events arrive split across two loads (odd lines, then even lines): the second load
    re-folds them — histories rewritten, stale rows emptied, violations opened or retracted — and the
    warehouse answers exactly as the whole file does."""
    events, as_of = province
    lines = events.read_bytes().splitlines(keepends=True)
    first, second = tmp_path / "odd.jsonl", tmp_path / "even.jsonl"
    first.write_bytes(b"".join(lines[1::2]))
    second.write_bytes(b"".join(lines[0::2]))
    cli("warehouse", "load", str(first), "--warehouse", warehouse_url, "--as-of", as_of)
    load = orjson.loads(
        cli("warehouse", "load", str(second), "--warehouse", warehouse_url, "--as-of", as_of).stdout
    )
    assert load["violations_retracted"] > 0
    for start, end in [("2025-06-09", "2025-06-16"), ("2025-07-07", "2025-08-11")]:
        args = ["metrics", "--from", start, "--to", end, "--json"]
        assert orjson.loads(cli(*args, "--warehouse", warehouse_url).stdout) == orjson.loads(
            cli(*args, str(events)).stdout
        )
    file_audit = sorted(cli("audit", str(events), "--as-of", as_of, "--json").stdout.splitlines())
    wh_audit = sorted(
        cli("audit", "--warehouse", warehouse_url, "--as-of", as_of, "--json").stdout.splitlines()
    )
    assert wh_audit == file_audit
