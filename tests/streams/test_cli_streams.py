"""The streaming commands: broker, ingest, worker sink (with a hard crash), violations."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
from typer.testing import CliRunner

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.cli import app
from streams.broker import answers
from streams.kafka import KafkaConfig
from streams.topics import TopicSpec, ensure_topics
from warehouse import open_warehouse
from warehouse.store import VIOLATION_COLUMNS, now_version, violation_row

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract"
EXAMPLES = CONTRACT / "examples.jsonl"
INVALID = CONTRACT / "invalid.jsonl"
ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "DOSSIER_AUDIT_PSEUDONYM_KEY": "k" * 32}

runner = CliRunner()


def cli(*args: str, code: int = 0, input: bytes | None = None):
    result = runner.invoke(app, list(args), input=input, env={"DOSSIER_AUDIT_PSEUDONYM_KEY": "k" * 32})
    assert result.exit_code == code, result.stderr + result.stdout
    return result


def test_broker_command_runs_in_the_foreground_and_stops_on_sigterm(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "dossier_audit", "broker", "--log-file", str(tmp_path / "b.log")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        address = process.stdout.readline().decode().strip()
        host, port = address.rsplit(":", 1)
        assert ensure_topics(KafkaConfig(address), [TopicSpec("t", 1)]) == {"t": "created"}
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
        assert "broker stopped" in process.stderr.read().decode()
        assert not answers(host, int(port))  # the tansu child is gone too
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_broker_on_a_port_in_use_is_a_clear_error(broker):
    result = cli("broker", "--port", str(broker.port), code=2)
    assert "error:" in result.stderr and str(broker.port) in result.stderr


def test_ingest_file_and_stdin_print_counts_and_a_json_summary(broker, tmp_path):
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(EXAMPLES.read_bytes() + INVALID.read_bytes())
    result = cli(
        "ingest", str(mixed), "--bootstrap-servers", broker.bootstrap_servers, "--topic-partitions", "3"
    )
    summary = orjson.loads(result.stdout)
    assert (summary["lines"], summary["produced"], summary["rejected"]) == (38, 24, 14)
    assert summary["source"] == str(mixed.resolve())
    assert summary["rejected_by_reason"]["occurred_at.naive"] == 1
    assert "events produced 24" in result.stderr and "occurred_at.naive" in result.stderr

    piped = cli("ingest", "-", "--bootstrap-servers", broker.bootstrap_servers, input=EXAMPLES.read_bytes())
    assert orjson.loads(piped.stdout)["source"] == "stdin"
    assert orjson.loads(piped.stdout)["produced"] == 24
    assert "PSEUDONYM_KEY is not set" not in piped.stderr
    # Without a key, the warning says what ingesting the file again will do (review of 2026-12-06: the guide
    # promised duplicates, and the sink rejected 4,312 events as conflicts).
    args = ["ingest", str(EXAMPLES), "--bootstrap-servers", broker.bootstrap_servers]
    keyless = runner.invoke(app, args, env={"DOSSIER_AUDIT_PSEUDONYM_KEY": None})
    warning = " ".join(keyless.stderr.split())
    assert "is not set" in warning and "ingested again under another key is a conflict" in warning, warning


def test_ingest_errors_are_one_clear_line():
    assert "--bootstrap-servers" in cli("ingest", str(EXAMPLES), code=2).stderr
    assert "no such file" in cli("ingest", "nope.jsonl", "--bootstrap-servers", "127.0.0.1:1", code=2).stderr


def test_the_detectors_group_id_must_make_topic_names(tmp_path):
    """It prefixes the detector's table topics: an empty one was a traceback (Faust: "App requires an id!"),
    "a b/c" made topics a real broker refuses (review). Refused before any connection, in one line."""
    for bad in ("", "a b/c", "x" * 229, "abc\n", "__detector"):  # "$" let a trailing newline through
        result = cli("worker", "detect", "--group-id", bad, "--bootstrap-servers", "127.0.0.1:1", code=2)
        assert result.stderr.count("\n") == 1 and "--group-id must be 1-228 ASCII letters" in result.stderr
        assert "Traceback" not in result.stderr


def test_an_unreachable_kafka_is_exit_2_and_a_failed_delivery_exit_1(monkeypatch, tmp_path):
    """Review of 2026-12-04: a Kafka that cannot be reached before anything is sent is a bad setting or a
    server down, exit 2 as for any unreachable server (README); a delivery that fails half-way stays 1.
    (The topics' creation is made to fail at once: a closed port takes kafka-python 30 s to give up.)"""
    from streams import ingest
    from streams.topics import TopicError

    def unreachable(*args, **kwargs):
        raise TopicError("KafkaTimeoutError: Unable to bootstrap from 127.0.0.1:1")

    monkeypatch.setattr(ingest, "ensure_topics", unreachable)
    refused = cli("ingest", str(EXAMPLES), "--bootstrap-servers", "127.0.0.1:1", code=2)
    assert "error: cannot reach Kafka at 127.0.0.1:1 to create the topics" in refused.stderr

    def lost(*args, **kwargs):
        raise ingest.IngestError("3 of 24 messages were not delivered to Kafka at 127.0.0.1:1: timeout")

    monkeypatch.setattr(ingest, "ingest_lines", lost)
    assert (
        "were not delivered"
        in cli("ingest", str(EXAMPLES), "--bootstrap-servers", "127.0.0.1:1", code=1).stderr
    )


def test_a_worker_started_against_a_closed_port_fails_on_one_line_exit_2(monkeypatch, tmp_path, caplog):
    """A worker started against a closed port wrote some twenty lines of kafka-python's refused connections
    and backoffs, then its error, exit 1 (review): an unreachable Kafka before anything is read is exit 2,
    as for ``ingest`` and any unreachable server, said once. The topics' admin gives up within the timeout
    it is given (kafka-python's own bootstrap bound is 30 s), without a log line of its attempts."""
    import logging
    import socket

    from streams import topics
    from streams.sink import worker as sink_worker

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{s.getsockname()[1]}"
    caplog.set_level(logging.DEBUG)
    kafka_level = logging.getLogger("kafka").level
    started = time.monotonic()
    try:
        ensure_topics(KafkaConfig(closed), [TopicSpec("t", 1)], timeout=1.5)
        raise AssertionError("a closed port answered")
    except topics.BrokersUnreachable as exc:
        assert "Unable to bootstrap" in str(exc), exc
    assert time.monotonic() - started < 15
    assert not [r for r in caplog.records if r.name.startswith("kafka")], caplog.text[:2000]
    assert logging.getLogger("kafka").level == kafka_level  # its logs are the worker's again

    def unreachable(*args, **kwargs):
        raise topics.BrokersUnreachable(f"KafkaTimeoutError: Unable to bootstrap from {closed}")

    monkeypatch.setattr(sink_worker, "ensure_topics", unreachable)
    url = f"chdb://{tmp_path}/wh"
    for command in (["worker", "sink", "--until-idle", "--warehouse", url], ["worker", "detect"]):
        if command[1] == "detect":
            monkeypatch.setattr("dossier_audit.cli.worker_detect.ensure_topics", unreachable)
        result = cli(*command, "--bootstrap-servers", closed, code=2)
        said = result.stderr.splitlines()
        assert [line for line in said if "error" in line] == [
            f"error: Kafka at {closed}: KafkaTimeoutError: Unable to bootstrap from {closed}"
        ], said
        assert not [line for line in said if " kafka." in line or "Traceback" in line], said


def sink_process(broker, url: str, *extra: str) -> subprocess.CompletedProcess[bytes]:
    args = [sys.executable, "-m", "dossier_audit", "worker", "sink", "--bootstrap-servers",
            broker.bootstrap_servers, "--warehouse", url, "--until-idle", "--json-logs",
            "--session-timeout", "3", *extra]  # fmt: skip
    return subprocess.run(args, check=False, cwd=ROOT, capture_output=True, env=ENV, timeout=60)


def test_sink_process_killed_before_commit_then_restarted_stores_each_event_once(broker, clickhouse_server):
    url = clickhouse_server.url("stream_crash")
    clickhouse_server.admin_execute("CREATE DATABASE IF NOT EXISTS stream_crash")
    try:
        cli(
            "ingest",
            str(EXAMPLES),
            "--bootstrap-servers",
            broker.bootstrap_servers,
            "--topic-partitions",
            "2",
        )
        crashed = sink_process(broker, url, "--crash-before-commit", "1")
        assert crashed.returncode == 3, crashed.stderr.decode()
        with open_warehouse(url) as wh:
            stored_before = wh.query("SELECT count() FROM events FINAL")[0][0]
        assert stored_before > 0  # the batch was written, then the process died

        started = time.monotonic()
        rerun = sink_process(broker, url)
        assert rerun.returncode == 0, rerun.stderr.decode()
        assert time.monotonic() - started < 25
        stats = orjson.loads(rerun.stdout)
        assert stats["events_stored"] == 24  # redelivered: nothing was committed
        with open_warehouse(url) as wh:
            assert wh.query("SELECT count() FROM events FINAL")[0][0] == 24
            assert wh.query("SELECT count() FROM events")[0][0] >= 24 + stored_before
        for line in rerun.stderr.decode().splitlines():  # --json-logs: structured lines only
            assert orjson.loads(line)["level"]
    finally:
        clickhouse_server.admin_execute("DROP DATABASE IF EXISTS stream_crash")


def test_worker_sink_serves_metrics_and_prints_stats(broker, tmp_path):
    cli("ingest", str(EXAMPLES), "--bootstrap-servers", broker.bootstrap_servers)
    result = cli("worker", "sink", "--bootstrap-servers", broker.bootstrap_servers, "--warehouse",
                 f"chdb://{tmp_path}/wh", "--until-idle", "--metrics-port", "0")  # fmt: skip
    assert orjson.loads(result.stdout.splitlines()[-1])["events_stored"] == 24
    assert "metrics on http://" in result.stderr and "PSEUDONYM_KEY is not set" not in result.stderr
    # Without a key (another group, another warehouse): the same events stored, and one line saying what a
    # one-off key means for the records it reads again after a restart.
    args = ["worker", "sink", "--bootstrap-servers", broker.bootstrap_servers, "--warehouse",
            f"chdb://{tmp_path}/keyless", "--until-idle", "--group-id", "keyless-sink"]  # fmt: skip
    keyless = runner.invoke(app, args, env={"DOSSIER_AUDIT_PSEUDONYM_KEY": None})
    assert keyless.exit_code == 0, keyless.stderr
    assert orjson.loads(keyless.stdout.splitlines()[-1])["events_stored"] == 24
    warning = " ".join(keyless.stderr.split())
    assert "DOSSIER_AUDIT_PSEUDONYM_KEY is not set" in warning and "rejected as a conflict" in warning


def audit_lines(as_of: str):
    return cli("audit", str(EXAMPLES), "--as-of", as_of, "--json").stdout_bytes.splitlines()


def key(line: bytes) -> tuple[str, str, str]:
    v = orjson.loads(line)
    return v["dossier_id"], v["rule_id"], v["event_id"] or ""


def test_violations_command_equals_the_audit(warehouse_url):
    as_of = "2025-12-01"
    cli("warehouse", "load", str(EXAMPLES), "--warehouse", warehouse_url, "--as-of", as_of)
    expected = sorted(audit_lines(as_of), key=key)
    assert len(expected) == 9
    listed = cli("violations", "--warehouse", warehouse_url, "--json")
    assert listed.stdout_bytes.splitlines() == expected
    assert "Vi phạm theo quy tắc" in listed.stderr

    rule = cli("violations", "--warehouse", warehouse_url, "--rule", "LATE_NO_APOLOGY", "--json")
    assert rule.stdout_bytes.splitlines() == [x for x in expected if key(x)[1] == "LATE_NO_APOLOGY"]

    platform = Platform(load_settings())
    unit = orjson.loads(expected[0])["unit_code"]
    members = platform.catalogue.unit_scope(unit) or frozenset()
    of_unit = cli("violations", "--warehouse", warehouse_url, "--unit", unit, "--json")
    assert of_unit.stdout_bytes.splitlines() == [
        x for x in expected if orjson.loads(x)["unit_code"] in members
    ]
    assert 0 < len(of_unit.stdout_bytes.splitlines()) < len(expected)

    # A retraction (newer version) hides the violation unless --all.
    gone = orjson.loads(expected[0])
    with open_warehouse(warehouse_url) as wh:
        row = violation_row(gone, "retracted", datetime(2025, 12, 2, tzinfo=UTC), "detector", now_version())
        wh.insert("violations", VIOLATION_COLUMNS, [[v] for v in row])
    assert cli("violations", "--warehouse", warehouse_url, "--json").stdout_bytes.splitlines() == expected[1:]
    every = cli("violations", "--warehouse", warehouse_url, "--all", "--json")
    # Each says its state (a script counting the lines counted the retracted one as live: CLI seat).
    states = ["retracted"] + ["open"] * (len(expected) - 1)
    got = [orjson.loads(line) for line in every.stdout_bytes.splitlines()]
    assert [line.pop("state") for line in got] == states
    assert got == [orjson.loads(line) for line in expected]
    assert "retracted: 1" in cli("violations", "--warehouse", warehouse_url, "--all").stderr


def test_violations_unknown_rule_is_a_clear_error(tmp_path):
    result = cli("violations", "--warehouse", f"chdb://{tmp_path}/wh", "--rule", "NOPE", code=2)
    assert "unknown rule" in result.stderr
