"""A warehouse records which pseudonymisation key its applicants are pseudonymised under, by fingerprint, and
refuses another (``warehouse.pseudonym_keys``). Review of the upgrade seat: a warehouse restored beside a
``.env`` without its key took a reload as 394 ``event_id.conflict`` rejections without a word, a killed load
could never be finished by loading its file again, and new dossiers of known applicants got new pseudonyms."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.cli import app
from dossier_audit.cli.instants import parse_instant
from dossier_audit.jobs.warehouse import init, load_file
from schemas.pseudonym import Pseudonymiser
from tests.depth import examples
from warehouse import open_warehouse
from warehouse.pseudonym_keys import KeyMismatch, newest_fingerprint

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
EXAMPLES = CONTRACT / "examples.jsonl"
AS_OF = "2025-11-20"
KEY_A, KEY_B = "a-deployment-key-of-32-bytes-aaaa", "another-key-of-at-least-32-bytes-b"
runner = CliRunner()


def _platform(key: str | None) -> Platform:
    return Platform(load_settings(pseudonym_key=key)) if key else Platform(load_settings())


def test_a_load_under_another_key_is_refused_before_anything_is_stored(warehouse_url: str) -> None:
    with open_warehouse(warehouse_url, create_database=True) as wh:
        first = load_file(_platform(KEY_A), wh, EXAMPLES, parse_instant(AS_OF))
        assert first.stats.valid and newest_fingerprint(wh) == _platform(KEY_A).pseudonymiser.fingerprint
        tables = ("events", "rejected_events", "load_runs")
        counts = [wh.query(f"SELECT count() FROM {t}")[0][0] for t in tables]
        with pytest.raises(KeyMismatch, match="pseudonymised under another key"):
            load_file(_platform(KEY_B), wh, EXAMPLES, parse_instant(AS_OF))
        after = [wh.query(f"SELECT count() FROM {t}")[0][0] for t in tables]
        assert after == counts  # nothing stored, no run recorded
        # The same key again: kept as stored; none configured (a key of this process): not compared.
        again = load_file(_platform(KEY_A), wh, EXAMPLES, parse_instant(AS_OF))
        assert not again.stats.rejected  # no conflict
        load_file(_platform(None), wh, EXAMPLES, parse_instant(AS_OF))
        assert newest_fingerprint(wh) == _platform(KEY_A).pseudonymiser.fingerprint


def test_the_commands_say_it_in_one_line_and_init_changes_the_key_on_purpose(warehouse_url: str) -> None:
    def cli(key: str, *args: str) -> Result:
        return runner.invoke(app, list(args), env={"DOSSIER_AUDIT_PSEUDONYM_KEY": key})

    init_a = cli(KEY_A, "warehouse", "init", "--warehouse", warehouse_url)
    assert init_a.exit_code == 0 and orjson.loads(init_a.stdout)["pseudonym_key_recorded"] is True
    load = ["warehouse", "load", str(EXAMPLES), "--warehouse", warehouse_url, "--as-of", AS_OF]
    for refused in (cli(KEY_B, *load), cli(KEY_B, "warehouse", "init", "--warehouse", warehouse_url)):
        assert refused.exit_code == 2, refused.stderr
        said = " ".join(refused.stderr.split())
        assert "Traceback" not in said and said.count("error:") == 1
        assert "pseudonymised under another key" in said and "--new-pseudonym-key" in said
    changed = cli(KEY_B, "warehouse", "init", "--warehouse", warehouse_url, "--new-pseudonym-key")
    assert changed.exit_code == 0 and orjson.loads(changed.stdout)["pseudonym_key_recorded"] is True
    assert cli(KEY_B, *load).exit_code == 0
    assert cli(KEY_A, *load).exit_code == 2  # the old key, refused from then on
    unchanged = cli(KEY_B, "warehouse", "init", "--warehouse", warehouse_url)
    assert orjson.loads(unchanged.stdout)["pseudonym_key_recorded"] is False


def test_init_records_the_key_and_a_warehouse_from_before_takes_the_first_one_configured(
    warehouse_url: str,
) -> None:
    with open_warehouse(warehouse_url, create_database=True) as wh:
        assert init(_platform(None), wh)["pseudonym_key_recorded"] is False  # a key of one process
        assert newest_fingerprint(wh) is None
        assert init(_platform(KEY_A), wh)["pseudonym_key_recorded"] is True
        assert init(_platform(KEY_A), wh)["pseudonym_key_recorded"] is False


@given(st.binary(min_size=32, max_size=64), st.binary(min_size=32, max_size=64))
@settings(max_examples=examples(50), deadline=None)
def test_a_fingerprint_tells_keys_apart_and_holds_nothing_of_them(one: bytes, other: bytes) -> None:
    first, second = Pseudonymiser(one).fingerprint, Pseudonymiser(other).fingerprint
    assert first is not None and len(first) == 16 and int(first, 16) >= 0
    assert (first == second) == (one == other)
    assert first == Pseudonymiser(one).fingerprint and one.hex()[:16] != first
    assert Pseudonymiser(one, stable=False).fingerprint is None
