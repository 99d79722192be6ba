"""Across loads, a version of an event with another applicant (review of 2026-12-04). Under a configured
key one applicant has one pseudonym in every load, so another pseudonym is another applicant: other
content, a conflict, and the first version stays (EVENTS.md), as within one file. The load compared the
versions less their pseudonyms, so it stored the second one over the first. Without a configured key each
load makes its own key up, and the same event's pseudonyms differ: still not a conflict. On both backends.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.jobs.warehouse import load_file
from tests.warehouse.province_loads import KEY
from warehouse.base import Warehouse

AS_OF = datetime.fromisoformat("2025-11-21T00:00:00+07:00")
RECEIVED: dict[str, Any] = {
    "schema_version": 1, "event_id": "c8r", "dossier_id": "C8", "type": "received",
    "occurred_at": "2025-11-03T09:00:00+07:00", "unit_code": "000.10.01.H99",
    "data": {"procedure_code": "1.004222", "channel": "direct", "due_at": "2025-11-12T17:00:00+07:00",
             "documents": ["CT01"], "applicant": "079201001234"},
}  # fmt: skip


def _file(path: Path, applicant: str) -> Path:
    path.write_bytes(orjson.dumps({**RECEIVED, "data": {**RECEIVED["data"], "applicant": applicant}}) + b"\n")
    return path


def _stored_applicant(wh: Warehouse) -> str:
    ((raw,),) = wh.query("SELECT raw FROM events FINAL WHERE event_id = 'c8r'")
    applicant: str = orjson.loads(raw)["data"]["applicant"]
    return applicant


def test_another_applicant_in_a_later_load_is_a_conflict_under_a_configured_key(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    platform = Platform(load_settings(pseudonym_key=KEY))
    first = load_file(platform, warehouse, _file(tmp_path / "a.jsonl", "079201001234"), AS_OF)
    stored = _stored_applicant(warehouse)
    assert first.stats.rejected == {} and stored == platform.pseudonymiser.pseudonymise("079201001234")
    again = load_file(platform, warehouse, _file(tmp_path / "a.jsonl", "079201001234"), AS_OF)
    assert again.stats.rejected == {}  # the same applicant, the same pseudonym: a duplicate
    other = load_file(platform, warehouse, _file(tmp_path / "b.jsonl", "079201009999"), AS_OF)
    assert other.stats.rejected == {"event_id.conflict": 1} and other.events_written == 0
    assert _stored_applicant(warehouse) == stored  # the first version stays


def test_a_load_without_the_key_never_replaces_the_stored_pseudonyms(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """Review of 2026-12-04: a load run without the deployment's key stored its one-off pseudonyms over the
    keyed ones (the table keeps the last row inserted under one key): the applicant no longer linked with
    the rest of the record, irreversibly."""
    events = _file(tmp_path / "a.jsonl", "079201001234")
    keyed = Platform(load_settings(pseudonym_key=KEY))
    load_file(keyed, warehouse, events, AS_OF)
    stored = _stored_applicant(warehouse)
    keyless = load_file(Platform(load_settings()), warehouse, events, AS_OF)
    assert keyless.stats.rejected == {} and keyless.events_written == 0  # the same event, not stored again
    assert keyless.events_kept_as_stored == keyless.stats.valid == 1  # and said so
    assert _stored_applicant(warehouse) == stored == keyed.pseudonymiser.pseudonymise("079201001234")


def test_without_a_configured_key_the_same_event_from_another_load_is_no_conflict(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    events = _file(tmp_path / "a.jsonl", "079201001234")
    first = load_file(Platform(load_settings()), warehouse, events, AS_OF)  # a key made up for the load
    again = load_file(Platform(load_settings()), warehouse, events, AS_OF)  # and another one
    assert not first.stats.rejected and not again.stats.rejected
    assert again.events_written == 0  # the same event: the first version stays, its pseudonyms too
    assert again.events_kept_as_stored == 1 and first.events_kept_as_stored == 0
    assert not Platform(load_settings()).pseudonymiser.stable
    assert Platform(load_settings(pseudonym_key=KEY)).pseudonymiser.stable


def test_the_summary_says_which_events_it_kept_as_stored(tmp_path: Path) -> None:
    """The summary's counts add up to the valid events: 153 of 982 were said neither stored nor rejected
    (review)."""
    from typer.testing import CliRunner

    from dossier_audit.cli import app

    url, events = f"chdb://{tmp_path / 'wh'}", _file(tmp_path / "a.jsonl", "079201001234")
    load = ["warehouse", "load", str(events), "--warehouse", url, "--as-of", "2025-11-21"]
    keyed = CliRunner().invoke(app, load, env={"DOSSIER_AUDIT_PSEUDONYM_KEY": KEY})
    assert keyed.exit_code == 0, keyed.stderr
    keyless = CliRunner().invoke(app, load, env={"DOSSIER_AUDIT_PSEUDONYM_KEY": None})
    assert keyless.exit_code == 0, keyless.stderr
    assert orjson.loads(keyless.stdout)["events_kept_as_stored"] == 1
    said = " ".join(keyless.stderr.split())
    assert (
        "stored 0 events, kept 1 as stored (the warehouse holds the same events written otherwise: under "
        "other pseudonyms, this load having another key, or with times in another UTC offset)" in said
    )


def test_the_same_event_written_in_another_offset_keeps_the_stored_text(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """Review of 2026-12-05: the same instants written in UTC ("Z") by another export are the same content
    (EVENTS.md), not stored again: stored, its text replaced the stored one, the evidence of the dossier's
    verdicts quoted UTC times, and loading the files in the other order flipped it back. Identical lines are
    still written again, unchanged."""
    platform = Platform(load_settings(pseudonym_key=KEY))
    local = _file(tmp_path / "a.jsonl", "079201001234")
    utc = tmp_path / "z.jsonl"
    data = {**RECEIVED["data"], "due_at": "2025-11-12T10:00:00Z"}
    utc.write_bytes(orjson.dumps({**RECEIVED, "occurred_at": "2025-11-03T02:00:00Z", "data": data}) + b"\n")
    load_file(platform, warehouse, local, AS_OF)
    stored = _stored_raw(warehouse)
    again = load_file(platform, warehouse, utc, AS_OF)
    assert again.stats.rejected == {} and again.events_written == 0 and again.events_kept_as_stored == 1
    assert _stored_raw(warehouse) == stored and '"due_at":"2025-11-12T17:00:00+07:00"' in stored
    # The verdicts quote the stored text (the dossier is judged from it, not from the file's).
    details = warehouse.query(
        "SELECT detail FROM violations FINAL WHERE dossier_id = 'C8' AND state = 'open'"
    )
    assert details and all("+07:00" in detail and "00Z" not in detail for (detail,) in details)
    same = load_file(platform, warehouse, local, AS_OF)
    assert same.events_written == 1 and same.events_kept_as_stored == 0  # identical: written again


def test_without_a_key_the_same_event_in_another_offset_is_no_conflict(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """Review of 2026-12-06: each difference alone was the same event (other pseudonyms from a load
    without a key; times in another UTC offset), but both at once were a conflict: the versions less
    their pseudonyms were compared as texts, and the times differed in them."""
    local = _file(tmp_path / "a.jsonl", "079201001234")
    utc = tmp_path / "z.jsonl"
    data = {**RECEIVED["data"], "due_at": "2025-11-12T10:00:00Z"}
    utc.write_bytes(orjson.dumps({**RECEIVED, "occurred_at": "2025-11-03T02:00:00Z", "data": data}) + b"\n")
    load_file(Platform(load_settings()), warehouse, local, AS_OF)
    stored = _stored_raw(warehouse)
    again = load_file(Platform(load_settings()), warehouse, utc, AS_OF)
    assert again.stats.rejected == {} and again.events_written == 0 and again.events_kept_as_stored == 1
    assert _stored_raw(warehouse) == stored
    other = tmp_path / "o.jsonl"  # another applicant is still other content, whatever the offset
    other.write_bytes(orjson.dumps({**RECEIVED, "occurred_at": "2025-11-03T02:00:00Z",
                                    "data": {**data, "applicant": "079201009999"}}) + b"\n")  # fmt: skip
    assert load_file(Platform(load_settings()), warehouse, other, AS_OF).stats.rejected == {}  # keyless: same
    keyed = load_file(Platform(load_settings(pseudonym_key=KEY)), warehouse, other, AS_OF)
    assert keyed.stats.rejected == {"event_id.conflict": 1}


def _stored_raw(wh: Warehouse) -> str:
    ((raw,),) = wh.query("SELECT raw FROM events FINAL WHERE event_id = 'c8r'")
    return str(raw)
