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
    assert init_a.exit_code == 0 and orjson.loads(init_a.stdout)["pseudonym_key"] == "recorded"
    load = ["warehouse", "load", str(EXAMPLES), "--warehouse", warehouse_url, "--as-of", AS_OF]
    for refused in (cli(KEY_B, *load), cli(KEY_B, "warehouse", "init", "--warehouse", warehouse_url)):
        assert refused.exit_code == 2, refused.stderr
        said = " ".join(refused.stderr.split())
        assert "Traceback" not in said and said.count("error:") == 1
        assert "pseudonymised under another key" in said and "--new-pseudonym-key" in said
    changed = cli(KEY_B, "warehouse", "init", "--warehouse", warehouse_url, "--new-pseudonym-key")
    assert changed.exit_code == 0 and orjson.loads(changed.stdout)["pseudonym_key"] == "changed"
    assert cli(KEY_B, *load).exit_code == 0
    assert cli(KEY_A, *load).exit_code == 2  # the old key, refused from then on
    unchanged = cli(KEY_B, "warehouse", "init", "--warehouse", warehouse_url)
    assert orjson.loads(unchanged.stdout)["pseudonym_key"] == "same"
    # Without a key configured, a change of key is refused: it would change nothing (diff review).
    unkeyed = runner.invoke(app, ["warehouse", "init", "--warehouse", warehouse_url, "--new-pseudonym-key"],
                            env={"DOSSIER_AUDIT_PSEUDONYM_KEY": None})  # fmt: skip
    assert unkeyed.exit_code == 2 and "set the new key first" in " ".join(unkeyed.stderr.split())


def test_init_records_the_key_and_a_warehouse_from_before_takes_the_first_one_configured(
    warehouse_url: str,
) -> None:
    with open_warehouse(warehouse_url, create_database=True) as wh:
        assert init(_platform(None), wh)["pseudonym_key"] == "unconfigured"  # a key of one process
        assert newest_fingerprint(wh) is None
        assert init(_platform(KEY_A), wh)["pseudonym_key"] == "recorded"  # no event: nothing to doubt
        assert init(_platform(KEY_A), wh)["pseudonym_key"] == "same"


def test_a_warehouse_holding_events_without_a_fingerprint_adopts_the_first_key_and_says_so(
    warehouse_url: str,
) -> None:
    """A warehouse written before fingerprints were recorded (or only without a key) cannot be checked: the
    first key configured is recorded, and the command says what to do if it is the wrong one (diff review:
    a backup from before, restored beside another .env, took that key without a word)."""
    with open_warehouse(warehouse_url, create_database=True) as wh:
        load_file(_platform(None), wh, EXAMPLES, parse_instant(AS_OF))  # events, no fingerprint
    load = ["warehouse", "load", str(EXAMPLES), "--warehouse", warehouse_url, "--as-of", AS_OF]
    first = runner.invoke(app, load, env={"DOSSIER_AUDIT_PSEUDONYM_KEY": KEY_B})
    assert first.exit_code == 0 and orjson.loads(first.stdout)["pseudonym_key"] == "adopted"
    said = " ".join(first.stderr.split())
    fingerprint = _platform(KEY_B).pseudonymiser.fingerprint
    assert f"warning: recorded the configured DOSSIER_AUDIT_PSEUDONYM_KEY (fingerprint {fingerprint})" in said
    assert "warehouse init --new-pseudonym-key" in said
    again = runner.invoke(app, load, env={"DOSSIER_AUDIT_PSEUDONYM_KEY": KEY_B})
    assert orjson.loads(again.stdout)["pseudonym_key"] == "same"
    assert "recorded the configured" not in again.stderr


@given(st.binary(min_size=32, max_size=64), st.binary(min_size=32, max_size=64))
@settings(max_examples=examples(50), deadline=None)
def test_a_fingerprint_tells_keys_apart_and_holds_nothing_of_them(one: bytes, other: bytes) -> None:
    first, second = Pseudonymiser(one).fingerprint, Pseudonymiser(other).fingerprint
    assert first is not None and len(first) == 16 and int(first, 16) >= 0
    assert (first == second) == (one == other)
    assert first == Pseudonymiser(one).fingerprint and one.hex()[:16] != first
    assert Pseudonymiser(one, stable=False).fingerprint is None


def test_a_sink_under_another_key_refuses_before_it_reads(warehouse_url: str) -> None:
    """The stream's writer too: compose's ``init`` has no key (it reads no applicant), so after a restore
    beside another key the sink was the first to write, pseudonyms of two keys mixed (diff review)."""
    from bootstrap.platform import sink_options
    from streams.kafka import KafkaConfig
    from streams.sink.worker import SinkWorker

    with open_warehouse(warehouse_url, create_database=True) as wh:
        init(_platform(KEY_A), wh)
        options = sink_options(load_settings(), group_id="g")
        # An unreachable broker: refused before any look at it.
        worker = SinkWorker(KafkaConfig("127.0.0.1:1"), options, _platform(KEY_B).pseudonymiser, wh)
        with pytest.raises(KeyMismatch, match="pseudonymised under another key"):
            worker.run(until_idle=True)


def test_an_adopted_key_is_said_even_when_the_command_fails_after(warehouse_url: str) -> None:
    """Said at the end, the warning was lost when the load failed after the check (a wrong --supersede, a
    load running beside it), and the next run found the key the warehouse's: said when it is recorded
    (review of the fixes). ``import dvcqg --warehouse`` said nothing at all; it goes through the same call."""
    with open_warehouse(warehouse_url, create_database=True) as wh:
        load_file(_platform(None), wh, EXAMPLES, parse_instant(AS_OF))  # events, no fingerprint
    load = ["warehouse", "load", str(EXAMPLES), "--warehouse", warehouse_url, "--as-of", AS_OF]
    refused = runner.invoke(app, [*load, "--supersede", "nope"], env={"DOSSIER_AUDIT_PSEUDONYM_KEY": KEY_A})
    assert refused.exit_code == 2
    said = " ".join(refused.stderr.split())
    assert "warning: recorded the configured DOSSIER_AUDIT_PSEUDONYM_KEY" in said and "--supersede" in said
