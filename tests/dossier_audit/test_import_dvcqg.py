"""``dossier-audit import dvcqg``: files and folders in, events and rejections out, and the audit of them.

The end-to-end test imports payloads built from the documented DVCQG field set and runs ``validate`` and
``audit`` on the result: the violations the payloads hold must be found, and nothing the format cannot
show may be reported as a violation once the rulebook knows ``source.unknown``.
"""

from __future__ import annotations

import io
import os
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

import dossier_audit.cli.warehouse as command
from dossier_audit.cli import app, common, progress
from tests.sources.payloads import (
    CLEAR_VALUES,
    UNIT,
    dossier,
    encode,
    progress_body,
    row,
    sync_body,
)
from warehouse import open_warehouse

ENV = {"DOSSIER_AUDIT_PSEUDONYM_KEY": "import-test-key-0123456789abcdef", "DOSSIER_AUDIT_BATCH_WORKERS": "2"}
runner = CliRunner()


def cli(*args: str, code: int = 0, env: dict[str, str] | None = None) -> Result:
    result = runner.invoke(app, list(args), env=ENV if env is None else env)
    assert result.exit_code == code, result.stderr + result.stdout
    return result


def dossier_id(n: int) -> str:
    return f"{UNIT}-251103-{n:04d}"


LATE, SUPPLEMENTED, REFUSED, MOVED, CLEAN = (dossier_id(n) for n in range(1, 6))


def province(folder: Path) -> Path:
    """A payload log of five dossiers: two snapshots and the progress rows, plus one broken file."""
    first = sync_body(
        # Received 3/11, due 12/11 (7 working days): processed on 14/11, no apology.
        dossier(LATE, status="9", ended="20251114100000"),
        dossier(SUPPLEMENTED, status="4"),
        # Refused at reception, no reason given.
        dossier(REFUSED, status="3", received=None, refused="20251103100000", note=""),
        dossier(MOVED, status="4"),
        dossier(CLEAN, status="10", ended="20251106100000", returned="20251106150000", method="1"),
    )
    second = sync_body(
        dossier(SUPPLEMENTED, status="10", ended="20251111100000", returned="20251111150000"),
        # "Reset appointment date": the due date moves to 14/11 with no history row and no apology.
        dossier(MOVED, status="10", due="20251114170000", ended="20251110100000", returned="20251110150000"),
    )
    rows = progress_body(
        row(SUPPLEMENTED, status="5", at="20251104090000", text="Đề nghị bổ sung tờ khai CT01"),
        row(SUPPLEMENTED, status="4", at="20251105090000"),
        row(SUPPLEMENTED, status="9", at="20251106090000", text="Cán bộ trả hồ sơ bổ sung"),
        row(SUPPLEMENTED, status="4", at="20251107090000"),
        row(CLEAN, status="4", at="20251103100000", step_due="20251105170000"),
    )
    logs = folder / "logs"
    (logs / "2025-11-07").mkdir(parents=True)
    (logs / "2025-11-03").mkdir()
    (logs / "2025-11-03" / "DongBoHoSoMC.json").write_bytes(encode(first))
    (logs / "2025-11-07" / "CapNhatTienDoHoSoMC.json").write_bytes(encode(rows))
    (logs / "2025-11-07" / "DongBoHoSoMC.jsonl").write_bytes(encode(second))
    (logs / "2025-11-07" / "broken.json").write_bytes(b'{"service": "DongBoHoSoMC", "data": [{"MaHoSo": ')
    (logs / "2025-11-07" / "notes.txt").write_text("not a payload")
    return logs


def test_import_writes_events_and_rejected_records(tmp_path: Path) -> None:
    logs = province(tmp_path)
    out = tmp_path / "events.jsonl"
    result = cli("import", "dvcqg", str(logs), "--out", str(out), "--json")
    summary = orjson.loads(result.stdout)
    assert summary["files"] == 4  # notes.txt is no payload file
    assert summary["records_by_kind"] == {"dossier": 7, "history": 5}
    assert summary["dossiers"] == 5
    assert summary["rejected_by_reason"] == {"json.invalid": 1}
    assert summary["inferred_by_kind"] == {
        "due_date_changed_between_snapshots": 1, "supplement_completed_from_resume": 2,
    }  # fmt: skip
    assert summary["rewrites_undone"] == {"supplement_request": 1}
    assert {s["id"] for s in summary["blind_spots"]} >= {"supplement_details_empty", "due_date_reset_seen"}
    assert summary["out"] == str(out) and summary["rejected_out"] == str(tmp_path / "events.rejected.jsonl")
    events = out.read_bytes().splitlines()
    assert len(events) == summary["events"] == sum(summary["events_by_type"].values())
    rejected = [orjson.loads(line) for line in (tmp_path / "events.rejected.jsonl").read_bytes().splitlines()]
    assert [(r["reason_code"], Path(r["source"]).name) for r in rejected] == [("json.invalid", "broken.json")]
    assert "Blind spots" in result.stderr and "json.invalid" in result.stderr
    text = out.read_text() + (tmp_path / "events.rejected.jsonl").read_text() + result.stdout + result.stderr
    for value in CLEAR_VALUES:
        assert value not in text
    validated = orjson.loads(cli("validate", str(out), "--json").stdout)
    assert validated["rejected"] == 0 and validated["duplicates"] == 0 and validated["dossiers"] == 5


def test_re_importing_gives_byte_identical_files(tmp_path: Path) -> None:
    logs = province(tmp_path)
    outputs = []
    for n in range(2):
        out = tmp_path / f"run{n}.jsonl"
        cli("import", "dvcqg", str(logs), "--out", str(out))
        outputs.append((out.read_bytes(), (tmp_path / f"run{n}.rejected.jsonl").read_bytes()))
    assert outputs[0] == outputs[1]
    # Files named one by one, progress first: the same events (dossier-sync files are read first).
    files = sorted(p for p in logs.rglob("*.json*") if "Tien" in p.name) + sorted(
        p for p in logs.rglob("*.json*") if "Tien" not in p.name and "broken" not in p.name
    )
    out = tmp_path / "named.jsonl"
    cli("import", "dvcqg", *map(str, files), "--out", str(out), "--rejected", str(tmp_path / "named.rej"))
    assert out.read_bytes() == outputs[0][0]


def test_the_audit_finds_what_the_payloads_hold(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    cli("import", "dvcqg", str(province(tmp_path)), "--out", str(out))
    result = cli("audit", str(out), "--as-of", "2025-11-20", "--json")
    rows = [orjson.loads(line) for line in result.stdout.splitlines()]
    violations = {(r["dossier_id"], r["rule_id"]) for r in rows if r["kind"] == "violation"}
    expected = {
        (LATE, "LATE_NO_APOLOGY"),
        (SUPPLEMENTED, "REPEATED_SUPPLEMENT"),
        (SUPPLEMENTED, "LATE_NO_APOLOGY"),  # more than one supplement request counts as late
        (MOVED, "DUE_DATE_CHANGED"),
    }
    assert expected <= violations
    # A refusal with no note and no row: the format gives no reason, so "refusal without reason" is not
    # checkable, not a violation of high severity the unit could not answer (review of the audited unit).
    assert (REFUSED, "REFUSAL_NO_REASON") not in violations
    # What the format cannot carry (notice numbers) is not checkable, never a violation, once the rulebook
    # reads source.unknown; before that, only those rules may fire beyond the expected ones.
    unknowable = {"REFUSAL_UNWRITTEN", "SUPPLEMENT_UNWRITTEN"}
    assert {rule for _, rule in violations - expected} <= unknowable
    assert not any(d == CLEAN for d, _ in violations)
    not_checkable = {(r["dossier_id"], r["rule_id"]) for r in rows if r["kind"] == "not_checkable"}
    if not_checkable:
        assert (REFUSED, "REFUSAL_UNWRITTEN") in not_checkable
        assert (REFUSED, "REFUSAL_NO_REASON") in not_checkable
        assert (SUPPLEMENTED, "SUPPLEMENT_UNWRITTEN") in not_checkable
        assert not {rule for _, rule in violations} & unknowable


def test_a_units_mapping_resolves_names(tmp_path: Path) -> None:
    payload = tmp_path / "p.json"
    payload.write_bytes(encode(sync_body(dossier("HS-7", unit_name="Một cửa Đông Mẫu"))))
    units = tmp_path / "units.yaml"
    units.write_text(f"Một cửa Đông Mẫu: {UNIT}\n", encoding="utf-8")
    out = tmp_path / "e.jsonl"
    # Every record rejected, nothing imported: exit 1, and one line saying so (review of 2026-12-06: exit 0).
    rejected = cli("import", "dvcqg", str(payload), "--out", str(out), "--json", code=1)
    assert orjson.loads(rejected.stdout)["rejected_by_reason"] == {"unit.unresolved": 1}
    assert "error: nothing imported: every record read was rejected (1)" in rejected.stderr
    summary = orjson.loads(
        cli("import", "dvcqg", str(payload), "--out", str(out), "--units", str(units), "--json").stdout
    )
    assert summary["rejected"] == 0 and orjson.loads(out.read_bytes())["unit_code"] == UNIT


def test_bad_arguments_are_one_line_and_exit_2(tmp_path: Path) -> None:
    payload = tmp_path / "p.json"
    payload.write_bytes(encode(sync_body(dossier())))
    (tmp_path / "empty").mkdir()
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    (tmp_path / "broken.yaml").write_text("a: [\n")
    # A code the catalogue does not hold: its dossiers were judged against no unit (review of 2026-12-06).
    (tmp_path / "unknown.yaml").write_text("UBND xã Tây Sơn: 000.99.99.H99\n", encoding="utf-8")
    # A unit named twice: PyYAML kept the second code, and the first went unsaid.
    twice = f"UBND xã Tây Sơn: {UNIT}\nSở Tư pháp: {UNIT}\nUBND xã Tây Sơn: 000.20.01.H99\n"
    (tmp_path / "twice.yaml").write_text(twice, encoding="utf-8")
    # ... or twice in two spellings the importer reads as one name (review of the diff).
    two_ways = f"UBND xã Tây Sơn: {UNIT}\nỦy ban nhân dân  xã TÂY SƠN: 000.20.01.H99\n"
    (tmp_path / "two_ways.yaml").write_text(two_ways, encoding="utf-8")
    out = str(tmp_path / "e.jsonl")
    cases = [
        (["import", "dvcqg", str(tmp_path / "missing.json"), "--out", out], "no such file or folder"),
        (["import", "dvcqg", str(tmp_path / "empty"), "--out", out], "holds no payload file"),
        (["import", "dvcqg", "-", "--out", out], "not standard input"),
        (["import", "dvcqg", str(payload)], "give --out FILE"),
        (
            ["import", "dvcqg", str(payload), "--out", out, "--bootstrap-servers", "localhost:9"],
            "not --out and --bootstrap-servers",
        ),
        (
            ["import", "dvcqg", str(payload), "--out", out, "--warehouse", f"chdb://{tmp_path / 'wh'}"],
            "not --out and --warehouse",
        ),
        (["import", "dvcqg", str(payload), "--out", out, "--as-of", "2025-11-20"], "--as-of goes with"),
        (["import", "dvcqg", str(payload), "--rejected", out], "--rejected goes with --out"),
        (["import", "dvcqg", str(payload), "--out", str(tmp_path / "no" / "e.jsonl")], "no such folder"),
        (["import", "dvcqg", str(payload), "--out", str(tmp_path)], "is a directory"),
        (
            ["import", "dvcqg", str(payload), "--out", out, "--units", str(tmp_path / "nope.yaml")],
            "cannot read",
        ),
        (["import", "dvcqg", str(payload), "--out", out, "--units", str(tmp_path / "list.yaml")], "must map"),
        (["import", "dvcqg", str(payload), "--out", out, "--units", str(tmp_path / "broken.yaml")], "YAML"),
        (
            ["import", "dvcqg", str(payload), "--out", out, "--units", str(tmp_path / "twice.yaml")],
            f"{tmp_path / 'twice.yaml'}: line 3, column 1: 'UBND xã Tây Sơn' is repeated (first at line 1)",
        ),
        (
            ["import", "dvcqg", str(payload), "--out", out, "--units", str(tmp_path / "two_ways.yaml")],
            "'UBND xã Tây Sơn' and 'Ủy ban nhân dân  xã TÂY SƠN' are one unit name written two ways",
        ),
        (
            ["import", "dvcqg", str(payload), "--out", out, "--units", str(tmp_path / "unknown.yaml")],
            "000.99.99.H99 is no unit code of the catalogue",
        ),
        (
            ["import", "dvcqg", str(payload), "--out", out, "--catalogue", str(tmp_path / "c.yaml")],
            "catalogue",
        ),
        (["import", "dvcqg", str(payload), "--out", str(payload)], "would be overwritten"),
    ]
    for args, words in cases:
        result = runner.invoke(app, args, env=ENV)
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and words in lines[0], (args, lines)
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "e.jsonl").exists() and not (tmp_path / "wh").exists()


def test_a_rejected_file_that_is_the_out_file_under_another_name_is_refused(tmp_path: Path) -> None:
    """``--rejected`` a hard link to an earlier ``--out``: two names of one file, which the run would write
    twice over (the same path, or one resolving to it through a symbolic link, was refused already)."""
    payload = tmp_path / "p.json"
    payload.write_bytes(encode(sync_body(dossier())))
    out, linked = tmp_path / "e.jsonl", tmp_path / "e.rejected.jsonl"
    out.write_text("earlier\n")
    os.link(out, linked)
    for rejected in (out, linked):
        result = cli("import", "dvcqg", str(payload), "--out", str(out), "--rejected", str(rejected), code=2)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "--rejected must be another file than --out" in lines[0], lines
    assert out.read_text() == "earlier\n"


def test_an_output_file_that_is_an_input_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    """Named as an input beside others, or a payload in a folder given as input: writing would destroy it
    before it is read (it was left out of the inputs and overwritten, with exit 0). An earlier --out in the
    folder is this command's own output, skipped and written again."""
    logs = province(tmp_path)
    first, progress = (
        logs / "2025-11-03" / "DongBoHoSoMC.json",
        logs / "2025-11-07" / "CapNhatTienDoHoSoMC.json",
    )
    before = first.read_bytes()
    linked = tmp_path / "linked.json"  # another name of the same file (a hard link resolves to itself)
    os.link(first, linked)
    for args in (
        [str(first), str(progress), "--out", str(first)],
        [str(first), str(progress), "--out", str(linked)],
        [str(logs), "--out", str(tmp_path / "e.jsonl"), "--rejected", str(linked)],
        [str(logs), "--out", str(first)],
        [str(logs), "--out", str(tmp_path / "e.jsonl"), "--rejected", str(first)],
    ):
        result = cli("import", "dvcqg", *args, code=2)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "would be overwritten" in lines[0], (args, lines)
        assert first.read_bytes() == before
    out = logs / "events.jsonl"
    cli("import", "dvcqg", str(logs), "--out", str(out))
    written = out.read_bytes(), (logs / "events.rejected.jsonl").read_bytes()
    cli("import", "dvcqg", str(logs), "--out", str(out))  # again: its own earlier output is not an input
    assert (out.read_bytes(), (logs / "events.rejected.jsonl").read_bytes()) == written


def test_a_json_lines_log_with_a_broken_line_loses_only_that_line(tmp_path: Path) -> None:
    """A ``.jsonl`` log holds one body per line: a line that is not JSON (here not UTF-8) is one rejected
    record, and the bodies after it are imported (they were dropped without a count)."""
    lines = [encode(sync_body(dossier(dossier_id(n)))).rstrip(b"\n") for n in range(1, 6)]
    lines[1] = lines[1].replace(dossier_id(2).encode(), dossier_id(2).encode() + b"\xea")
    (tmp_path / "log.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "e.jsonl"
    summary = orjson.loads(
        cli("import", "dvcqg", str(tmp_path / "log.jsonl"), "--out", str(out), "--json").stdout
    )
    assert summary["records_read"] == 4 and summary["dossiers"] == 4  # the broken line is a rejection
    assert summary["rejected_by_reason"] == {"json.invalid": 1}
    assert {orjson.loads(line)["dossier_id"] for line in out.read_bytes().splitlines()} == {
        dossier_id(n) for n in (1, 3, 4, 5)
    }


def test_an_unreadable_file_is_refused_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked.json"
    locked.write_bytes(b"[]")
    locked.chmod(0)
    real_open = Path.open

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:  # root reads a mode-0 file: refuse as a user's
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    result = runner.invoke(app, ["import", "dvcqg", str(locked), "--out", str(tmp_path / "e.jsonl")], env=ENV)
    assert result.exit_code == 2 and "Permission denied" in result.stderr


def test_producing_to_kafka_sends_events_and_dead_letters(tmp_path: Path) -> None:
    from streams.broker import EmbeddedBroker
    from streams.messages import DeadLetter
    from tests.streams.conftest import read_topic

    logs = province(tmp_path)
    out = tmp_path / "events.jsonl"
    expected = cli("import", "dvcqg", str(logs), "--out", str(out)).stderr
    assert expected
    with EmbeddedBroker(log_file=tmp_path / "broker.log") as broker:
        result = cli("import", "dvcqg", str(logs), "--bootstrap-servers", broker.bootstrap_servers, "--json")
        events = read_topic(broker.bootstrap_servers, "dossier-events")
        letters = [
            DeadLetter.decode(r.value) for r in read_topic(broker.bootstrap_servers, "dossier-dead-letters")
        ]
    summary = orjson.loads(result.stdout)
    assert summary["events_topic"] == "dossier-events"
    lines = out.read_bytes().splitlines()
    assert len(events) == len(lines) == summary["events"]
    assert {orjson.loads(r.value)["event_id"] for r in events} == {
        orjson.loads(line)["event_id"] for line in lines
    }
    assert all(r.key.decode() == orjson.loads(r.value)["dossier_id"] for r in events)
    assert [(d.reason_code, Path(d.source).name) for d in letters] == [("json.invalid", "broken.json")]


@pytest.mark.parametrize("doc", ["dvcqg-import.md"])  # the README section is checked with the README
def test_the_import_docs_show_real_commands(doc: str) -> None:
    """Every `dossier-audit` command in the import's docs resolves to a real command and options (as the
    README's are checked by tests/project/test_docs.py)."""
    from tests.commands import resolve
    from tests.project.test_docs import ROOT, commands, dossier_audit_argvs

    found = [argv for command in commands(ROOT / "docs" / doc) for argv in dossier_audit_argvs(command)]
    assert found
    for argv in found:
        resolve(argv, placeholders=True)


def test_an_input_that_cannot_be_read_further_is_a_counted_rejection(tmp_path: Path) -> None:
    from dossier_audit.jobs.importer import import_outputs
    from inspections.files.catalogue import sample_catalogue
    from schemas.pseudonym import Pseudonymiser
    from sources.dvcqg import DvcqgImporter, EventLine, RejectedRecord, UnitResolver

    good = tmp_path / "good.json"
    good.write_bytes(encode(sync_body(dossier())))
    imp = DvcqgImporter(UnitResolver(sample_catalogue()), Pseudonymiser(b"k" * 32))
    outputs = list(import_outputs([tmp_path, good], imp))  # a folder where a file was expected
    assert [(o.code, o.source) for o in outputs if isinstance(o, RejectedRecord)] == [
        ("file.unreadable", str(tmp_path))
    ]
    assert [o.type for o in outputs if isinstance(o, EventLine)] == ["received"]


def test_every_dossier_record_is_read_before_any_history_row_in_the_order_the_logs_are_given(
    tmp_path: Path,
) -> None:
    """Logs holding both kinds, one body per line (DVCQG review): a file whose first body was a progress body
    was read after every other file, so its dossier snapshot came after the next day's (the due dates 12 →
    14 read as 14 → 12: a reversed change and a false OLD_DUE_DATE_MISMATCH), and its rows before their
    own record in it (a refusal of a received dossier said at the reception stage)."""
    first, second = tmp_path / "2025-11-03.jsonl", tmp_path / "2025-11-05.jsonl"
    first.write_bytes(encode(progress_body(row(status="3", at="20251105100000", text="Hồ sơ không hợp lệ")),
                             sync_body(dossier(due="20251112170000"))))  # fmt: skip
    second.write_bytes(encode(sync_body(dossier(due="20251114170000"))))
    out = tmp_path / "events.jsonl"
    result = cli("import", "dvcqg", str(tmp_path), "--out", str(out), "--json")
    summary = orjson.loads(result.stdout)
    assert summary["rejected"] == 0 and summary["files"] == 2
    events = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    changes = [(e["data"]["old_due_at"][:10], e["data"]["new_due_at"][:10]) for e in events
               if e["type"] == "due_date_changed"]  # fmt: skip
    assert changes == [("2025-11-12", "2025-11-14")]
    (refused,) = [e for e in events if e["type"] == "refused"]
    assert refused["data"]["stage"] == "processing"


def test_a_fifo_is_read_once(tmp_path: Path) -> None:
    """`import dvcqg <(zcat log.json.gz)`: a stream is not opened to check or to peek at it."""
    import os
    import threading

    fifo = tmp_path / "payload.fifo"
    os.mkfifo(fifo)
    payload = encode(sync_body(dossier()))

    def write() -> None:
        with fifo.open("wb") as fh:
            fh.write(payload)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    out = tmp_path / "e.jsonl"
    summary = orjson.loads(cli("import", "dvcqg", str(fifo), "--out", str(out), "--json").stdout)
    writer.join(timeout=10)
    assert summary["events_by_type"] == {"received": 1} and summary["rejected"] == 0


def test_a_folders_fifo_is_passed_over_and_a_broken_link_is_one_rejection(tmp_path: Path) -> None:
    """In a folder, a FIFO made the import wait for a writer for ever, and a link leading nowhere aborted
    it, every other file unread (review); named on the command line, each is still read or refused."""
    folder = tmp_path / "payloads"
    folder.mkdir()
    (folder / "a.json").write_bytes(encode(sync_body(dossier())))
    os.mkfifo(folder / "b.json")
    (folder / "c.json").symlink_to(tmp_path / "nowhere.json")
    out = tmp_path / "e.jsonl"
    summary = orjson.loads(cli("import", "dvcqg", str(folder), "--out", str(out), "--json").stdout)
    assert summary["events_by_type"] == {"received": 1}
    assert summary["rejected_by_reason"] == {"file.unreadable": 1}
    line = cli("import", "dvcqg", str(folder / "c.json"), "--out", str(out), code=2).stderr
    assert line.startswith("error: cannot read ") and "c.json" in line


def test_a_gzip_compressed_payload_is_said_so(tmp_path: Path) -> None:
    """It read as two "lexical error"s, as if it were broken JSON (review)."""
    import gzip

    packed = tmp_path / "log.json.gz"
    packed.write_bytes(gzip.compress(encode(sync_body(dossier()))))
    plain = tmp_path / "b.json"
    plain.write_bytes(encode(sync_body(dossier(f"{UNIT}-251103-0009"))))
    out = tmp_path / "e.jsonl"
    done = cli("import", "dvcqg", str(packed), str(plain), "--out", str(out), "--json")
    summary = orjson.loads(done.stdout)
    assert summary["events_by_type"] == {"received": 1}
    assert summary["rejected_by_reason"] == {"json.invalid": 1}
    rejected = orjson.loads(out.with_name("e.rejected.jsonl").read_bytes())
    assert rejected["reason"] == "the file is gzip-compressed: decompress it first (gunzip -k FILE)"


STORED = (
    "SELECT count() FROM events FINAL",
    "SELECT count() FROM dossiers FINAL",
    "SELECT rule_id, dossier_id, event_id, kind FROM violations FINAL WHERE state = 'open' "
    "ORDER BY rule_id, dossier_id, event_id",
    "SELECT reason_code, source FROM rejected_events FINAL ORDER BY source",
)


def _stored(url: str) -> list[Any]:
    with open_warehouse(url) as wh:
        return [wh.query(sql) for sql in STORED]


def _import(logs: Path, url: str) -> dict[str, Any]:
    args = ["import", "dvcqg", str(logs), "--warehouse", url, "--as-of", "2025-11-20", "--json"]
    summary: dict[str, Any] = orjson.loads(cli(*args).stdout)
    return summary


def test_importing_into_the_warehouse_equals_loading_the_imported_file(
    tmp_path: Path, warehouse_url: str, request: pytest.FixtureRequest
) -> None:
    """``--warehouse`` goes through the load's own path (issue 18): the warehouse holds what `warehouse load`
    of the ``--out`` file stores (events, dossiers, open violations by kind), the rejected records in its
    rejected_events; importing again changes nothing (deterministic ids, one row per rejected record)."""
    logs = province(tmp_path)
    out = tmp_path / "events.jsonl"
    cli("import", "dvcqg", str(logs), "--out", str(out))
    if warehouse_url.startswith("chdb://"):
        reference = f"chdb://{tmp_path / 'reference'}"
    else:  # a second database on the same server
        server = request.getfixturevalue("clickhouse_server")
        database = f"reference_{uuid.uuid4().hex[:12]}"
        server.admin_execute(f"CREATE DATABASE {database}")
        request.addfinalizer(lambda: server.admin_execute(f"DROP DATABASE IF EXISTS {database}"))
        reference = server.url(database)
    cli("warehouse", "load", str(out), "--warehouse", reference, "--as-of", "2025-11-20")
    summary = _import(logs, warehouse_url)
    assert summary["warehouse"] and "open violations" in summary["load"] and summary["rejected"] == 1
    once = _stored(warehouse_url)
    assert once[:3] == _stored(reference)[:3] and once[0][0][0] == summary["events"] > 0 and once[2]
    assert [(code, Path(source).name) for code, source in once[3]] == [("json.invalid", "broken.json")]
    _import(logs, warehouse_url)
    assert _stored(warehouse_url) == once


def test_importing_into_the_warehouse_shows_the_loads_stages_after_the_payloads_bar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal, for large payloads (here: any size), the payloads' bar, then the load's stages as
    `warehouse load` shows them (one display at a time: the bar stops where the load starts)."""

    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    for module in (common, progress, command):
        monkeypatch.setattr(module, "err", terminal)
    for module in (progress, command):
        monkeypatch.setattr(module, "PROGRESS_BYTES", 0)
    url = f"chdb://{tmp_path / 'wh'}"
    cli("import", "dvcqg", str(province(tmp_path)), "--warehouse", url, "--as-of", "2025-11-20")
    shown = screen.getvalue()
    assert "4 payload file(s)" in shown
    for stage in (
        "judging 4 payload file(s)",
        "storing last events",
        "checking other writers",
        "storing dossiers",
    ):
        assert stage in shown, shown
    assert shown.index("payload file(s) ") < shown.index("judging 4 payload file(s)")


def test_a_later_snapshot_imported_alone_keeps_the_stored_receipt(tmp_path: Path) -> None:
    """docs/dvcqg-import.md: a later snapshot imported alone cannot know the earlier due date, and its
    ``received`` (the same id, another due date) is rejected as a conflict. Through ``--warehouse`` it was
    stored over the first: the original appointment was lost, and no DUE_DATE_CHANGED could be found."""
    logs = province(tmp_path)
    url = f"chdb://{tmp_path / 'wh'}"
    first = logs / "2025-11-03" / "DongBoHoSoMC.json"
    second = logs / "2025-11-07" / "DongBoHoSoMC.jsonl"
    for payload in (first, second):
        cli("import", "dvcqg", str(payload), "--warehouse", url, "--as-of", "2025-11-20")
    with open_warehouse(url) as wh:
        conflicts = wh.query("SELECT raw FROM rejected_events FINAL WHERE reason_code = 'event_id.conflict'")
        received = wh.query(
            "SELECT data FROM events FINAL WHERE dossier_id = %(d)s AND type = 'received'", {"d": MOVED}
        )
    assert [orjson.loads(raw)["dossier_id"] for (raw,) in conflicts] == [MOVED]
    ((data,),) = received
    assert orjson.loads(data)["due_at"].startswith("2025-11-1")  # the first snapshot's, not 14/11
    assert not orjson.loads(data)["due_at"].startswith("2025-11-14")


def test_an_unreachable_kafka_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As ``ingest``: nothing read or sent is a setting or a server down, exit 2, not 1 (review of
    2026-12-04). The topics' creation is made to fail at once (a closed port takes kafka-python 30 s)."""
    from streams import topics
    from streams.topics import TopicError

    def unreachable(*args: object, **kwargs: object) -> None:
        raise TopicError("KafkaTimeoutError: Unable to bootstrap from 127.0.0.1:1")

    monkeypatch.setattr(topics, "ensure_topics", unreachable)
    result = cli("import", "dvcqg", str(province(tmp_path)), "--bootstrap-servers", "127.0.0.1:1", code=2)
    assert "cannot reach Kafka at 127.0.0.1:1" in result.stderr


def test_a_record_it_cannot_map_is_scrubbed_as_the_warehouse_scrubs_it(tmp_path: Path) -> None:
    """The rejected file and the dead letters kept the import's own scrubbing of a record it could not map:
    an address, a phone in brackets and a passport number stayed in clear, where the warehouse's
    rejections, scrubbed again, had none (review). The --out rejected file is scrubbed the same way."""
    bad = dossier(dossier_id(7), due="2025-13-45", DiaChi="số 12 ngõ zqx402addr", SDT="(090) 340-2456",
                  HoChieu="C7531402", HoTenNguoiNop="zqx402 marker")  # fmt: skip
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "DongBoHoSoMC.json").write_bytes(encode(sync_body(bad)))
    out = tmp_path / "events.jsonl"
    result = cli("import", "dvcqg", str(logs), "--out", str(out), "--json", code=1)  # nothing imported
    assert orjson.loads(result.stdout)["rejected_by_reason"], result.stdout
    rejected = (tmp_path / "events.rejected.jsonl").read_text(encoding="utf-8")
    assert rejected
    for clear in ("zqx402", "340-2456", "C7531402"):
        assert clear not in rejected, clear
    # Still read as a record: the format's member names stay, every value of them masked (review: every
    # key was a "*" too, so nobody could see which field the rejection was about).
    raw = orjson.loads(rejected.splitlines()[0])["raw"]
    for name in ("MaHoSo", "NgayHenTra", "KenhThucHien", "TaiLieuNop", "MaThanhPhanHoSo"):
        assert f'"{name}":' in raw, name
    assert '"NgayHenTra":"*"' in raw and '"DiaChi"' not in raw


def test_importing_into_a_warehouse_of_events_without_a_key_fingerprint_says_it_adopts_the_key(
    tmp_path: Path,
) -> None:
    """A warehouse holding events and no key fingerprint (from before they were recorded) takes the first
    configured key unchecked: `warehouse load` said so, `import dvcqg --warehouse` did not (review of the
    fixes)."""
    url = f"chdb://{tmp_path / 'wh'}"
    examples = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples.jsonl"
    unkeyed: dict[str, str | None] = {**ENV, "DOSSIER_AUDIT_PSEUDONYM_KEY": None}
    runner.invoke(app, ["warehouse", "load", str(examples), "--warehouse", url, "--as-of", "2025-11-20"],
                  env=unkeyed)  # fmt: skip
    imported = cli("import", "dvcqg", str(province(tmp_path)), "--warehouse", url, "--as-of", "2025-11-20")
    said = " ".join(imported.stderr.split())
    assert "warning: recorded the configured DOSSIER_AUDIT_PSEUDONYM_KEY" in said, said
