"""The detector end to end: real broker, the `worker detect` command in its own process."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from bootstrap.platform import Platform, detector_options, platform_topics
from bootstrap.settings import load_settings
from inspections.files.calendar import load_calendar
from inspections.files.catalogue import sample_catalogue
from inspections.violations import KINDS
from streams.broker import EmbeddedBroker
from streams.messages import DeadLetter, encode_event, event_key
from streams.topics import TopicSpec, ensure_topics
from tests.builders import apology, ev, processed, received
from tests.streams.detector_support import (
    batch_open_set,
    detect_cmd,
    detect_env,
    final_open_set,
    produce,
    produce_events,
    province,
    read_topic,
    run_detect,
    shuffled,
)
from warehouse import open_warehouse
from warehouse.migrate import migrate
from warehouse.store import store_catalogue

SETTINGS = load_settings()
EVENTS, VIOLATIONS, DEAD = SETTINGS.topic_events, SETTINGS.topic_violations, SETTINGS.topic_dead_letters
LATENESS = timedelta(hours=1)


def _topics(broker: EmbeddedBroker) -> None:
    ensure_topics(broker.kafka, platform_topics(SETTINGS))


@pytest.mark.slow(18)
def test_replay_of_a_shuffled_province_with_duplicates_equals_the_batch_audit(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    _topics(broker)
    events = province(300, date(2025, 9, 1), date(2025, 9, 22), seed=5)
    stream = shuffled(events, LATENESS, seed=3, duplicates=0.1)
    produce_events(broker.bootstrap_servers, EVENTS, stream)
    # The catalogue and calendar come from the warehouse's snapshot (closed again before consuming): the
    # configured warehouse's, as docker-compose.yml runs it (no URL with its password on the command line).
    url = f"chdb://{tmp_path}/wh"
    with open_warehouse(url, create_database=True) as wh:
        migrate(wh)
        store_catalogue(wh, sample_catalogue(), load_calendar())
    as_of = datetime(2025, 9, 24, 12, tzinfo=UTC)

    code, stats, stderr = run_detect(
        broker.bootstrap_servers, tmp_path, "--stored-catalogue", "--until-idle",
        "--as-of", as_of.isoformat(), "--allowed-lateness", "3600", "--json-logs",
        env={"DOSSIER_AUDIT_WAREHOUSE": url},
    )  # fmt: skip

    assert code == 0, stderr
    assert '"catalogue snapshot loaded"' in stderr
    assert stats["events"] == len(stream) and stats["duplicates"] == len(stream) - len(events)
    assert stats["finalized_at"] == as_of.isoformat()
    want = batch_open_set(events, Platform(SETTINGS).auditor, as_of)
    assert len(want) > 50
    assert final_open_set(broker.bootstrap_servers, VIOLATIONS) == want
    # Every message is the detector's, with a version that grows per key.
    last: dict[tuple[str, str, str], int] = {}
    for record in read_topic(broker.bootstrap_servers, VIOLATIONS):
        doc = orjson.loads(record.value)
        v = doc["violation"]
        key = (v["dossier_id"], v["rule_id"], v["event_id"] or "")
        assert doc["producer"] == "detector" and record.key == v["dossier_id"].encode()
        assert doc["version"] > last.get(key, 0)
        last[key] = doc["version"]


def test_poison_messages_go_to_dead_letters_and_the_stream_goes_on(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    _topics(broker)
    recv = received("2025-11-03 09:00", "2025-11-06 17:00", procedure="1.004194", docs=["X"], dossier="P1")
    # (Same dossier, so same partition: each partition has its own event-time watermark.)
    good = [recv, ev("withdrawn", "2025-11-20 09:00", dossier="P1")]
    wrong_key = ev("withdrawn", "2025-11-04 09:00", dossier="P2")
    # The same event_id as the reception, with other content: the first version is kept.
    conflict = ev("withdrawn", "2025-11-04 09:00", dossier="P1", event_id=recv.event_id)
    produce(broker.bootstrap_servers, EVENTS, [
        (b"junk", b"\x00\xff not json"),
        (b"P1", b'{"schema_version": 1, "type": "received"}'),
        (b"someone-else", encode_event(wrong_key)),
        *((event_key(e), encode_event(e)) for e in good),
        (event_key(conflict), encode_event(conflict)),
    ])  # fmt: skip

    code, stats, stderr = run_detect(broker.bootstrap_servers, tmp_path, "--until-idle")

    assert code == 0, stderr
    assert stats["dead_letters"] == 4 and stats["events"] == 3
    letters = [DeadLetter.decode(r.value) for r in read_topic(broker.bootstrap_servers, DEAD)]
    reasons = sorted(letter.reason_code for letter in letters)
    assert reasons == ["event_id.conflict", "event_id.missing", "json.invalid", "key.mismatch"]
    for letter in letters:
        assert letter.source.startswith(f"kafka:{EVENTS}/") and letter.offset >= 0 and letter.reason
    # The valid events after the poison were processed: the dossier is late, with no apology.
    assert ("P1", "LATE_NO_APOLOGY", "") in final_open_set(broker.bootstrap_servers, VIOLATIONS)


@pytest.mark.slow(25)
def test_a_late_apology_retracts_late_no_apology_after_a_restart(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    _topics(broker)
    d = "R1"
    first = [
        received("2025-11-03 09:00", "2025-11-06 17:00", procedure="1.004194", dossier=d),
        processed("2025-11-10 10:00", dossier=d),
        ev("returned", "2025-11-10 15:00", {"channel": "direct"}, dossier=d),
    ]
    produce_events(broker.bootstrap_servers, EVENTS, first)
    code, _, stderr = run_detect(broker.bootstrap_servers, tmp_path, "--until-idle")
    assert code == 0, stderr
    assert (d, "LATE_NO_APOLOGY", "") in final_open_set(broker.bootstrap_servers, VIOLATIONS)

    # The apology was made on Wednesday, before the due date; it reaches the stream only now. The second
    # run recovers the dossier's events from the table's changelog: the apology alone must retract.
    late = apology("2025-11-05 09:00", "2025-11-07 17:00", dossier=d)
    produce_events(broker.bootstrap_servers, EVENTS, [late])
    code, stats, stderr = run_detect(broker.bootstrap_servers, tmp_path, "--until-idle")
    assert code == 0, stderr
    # One new event: the others came back from the changelog. Delivery is at least once, so a rebalance
    # before a commit may hand a record over again (seen once in CI under load); the core drops it.
    assert stats["restored_partitions"] >= 1, stats
    assert stats["events"] - stats["duplicates"] == 1, stats
    messages = [orjson.loads(r.value) for r in read_topic(broker.bootstrap_servers, VIOLATIONS)]
    late_no_apology = [
        m
        for m in messages
        if m["violation"]["dossier_id"] == d and m["violation"]["rule_id"] == "LATE_NO_APOLOGY"
    ]
    assert [m["state"] for m in late_no_apology] == ["open", "retracted"]
    assert late_no_apology[1]["version"] > late_no_apology[0]["version"]
    assert (d, "LATE_NO_APOLOGY", "") not in final_open_set(broker.bootstrap_servers, VIOLATIONS)


def test_sigterm_stops_the_worker_cleanly(broker: EmbeddedBroker, tmp_path: Path) -> None:
    _topics(broker)
    produce_events(broker.bootstrap_servers, EVENTS, [ev("withdrawn", "2025-11-10 12:00", dossier="S1")])
    proc = subprocess.Popen(
        detect_cmd(broker.bootstrap_servers, "--live"), env=detect_env(tmp_path), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    stdout, stderr = proc.stdout, proc.stderr
    lines: list[bytes] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(stderr.readline, b"")), daemon=True)
    reader.start()
    try:
        # Stop it once it holds its partitions and has had time to read the one event (a fixed sleep was
        # too short on a loaded machine: the group join alone can take seconds).
        deadline = time.monotonic() + 90
        while not any(b"detector assignment" in line for line in lines) and time.monotonic() < deadline:
            assert proc.poll() is None, b"".join(lines).decode()
            time.sleep(0.2)
        time.sleep(3)
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        out = stdout.read()
        proc.wait(timeout=30)
        reader.join(timeout=10)
        err = b"".join(lines)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err.decode()
    assert orjson.loads(out.decode().strip().splitlines()[-1])["events"] == 1


def test_in_process_run_updates_the_metrics_and_leaves_no_thread_behind(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    from streams.detector.app import make_app, run_detector
    from streams.observability import WorkerMetrics

    _topics(broker)
    d = "M1"
    produce_events(broker.bootstrap_servers, EVENTS, [
        received("2025-11-03 09:00", "2025-11-06 17:00", procedure="1.004194", dossier=d),
        processed("2025-11-10 10:00", dossier=d),
        ev("returned", "2025-11-10 15:00", {"channel": "direct"}, dossier=d),
    ])  # fmt: skip
    produce(broker.bootstrap_servers, EVENTS, [(None, b"{}")])
    settings = load_settings(bootstrap_servers=broker.bootstrap_servers, workdir=tmp_path)
    metrics = WorkerMetrics()
    threads = set(threading.enumerate())
    platform = Platform(settings)
    app = make_app(
        platform.kafka,
        detector_options(settings, allowed_lateness=LATENESS, until_idle=True),
        platform.auditor,
        platform.pseudonymiser.scrub_raw,
        metrics=metrics,
    )

    code, stats = run_detector(app)

    assert code == 0 and stats.events == 3 and stats.dead_letters == 1
    sample = metrics.registry.get_sample_value
    assert sample("dossier_audit_events_in_total") == 3
    assert sample("dossier_audit_events_rejected_total", {"reason": "schema_version.missing"}) == 1
    opened = {k: sample("dossier_audit_violations_opened_total", {"kind": k}) or 0.0 for k in KINDS}
    assert sum(opened.values()) == stats.opened >= 1 and opened["not_checkable"] == 0
    partition = next(p for p, w in stats.watermarks.items() if w is not None)
    assert (
        sample("dossier_audit_watermark_seconds", {"partition": str(partition)})
        == datetime.fromisoformat("2025-11-10T14:00:00+07:00").timestamp()
    )
    assert sample("dossier_audit_consumer_lag", {"topic": EVENTS, "partition": str(partition)}) == 0
    time.sleep(0.5)
    assert {t for t in threading.enumerate() if t.is_alive()} - threads == set()


def test_a_live_detector_publishes_its_lag(broker: EmbeddedBroker, tmp_path: Path) -> None:
    """As deployed (neither --until-idle nor --as-of), the detector set no consumer_lag: it was set only
    while deciding whether the group was idle, so "detector behind" had no metric (on-call review)."""
    from streams.detector.app import make_app, run_detector
    from streams.observability import WorkerMetrics

    _topics(broker)
    d = "L1"
    produce_events(broker.bootstrap_servers, EVENTS, [
        received("2025-11-03 09:00", "2025-11-06 17:00", procedure="1.004194", dossier=d),
        processed("2025-11-10 10:00", dossier=d),
    ])  # fmt: skip
    settings = load_settings(bootstrap_servers=broker.bootstrap_servers, workdir=tmp_path)
    metrics = WorkerMetrics()
    platform = Platform(settings)
    options = detector_options(settings, allowed_lateness=LATENESS, poll_seconds=0.05)
    assert not options.until_idle and options.as_of is None
    scrub = platform.pseudonymiser.scrub_raw
    app = make_app(platform.kafka, options, platform.auditor, scrub, metrics=metrics)
    seen: list[float] = []

    def stop_once_the_lag_is_published() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            events_in = metrics.registry.get_sample_value("dossier_audit_events_in_total") or 0
            lags = [
                value
                for p in range(SETTINGS.partitions)
                if (value := metrics.registry.get_sample_value(
                    "dossier_audit_consumer_lag", {"topic": EVENTS, "partition": str(p)}
                )) is not None
            ]  # fmt: skip
            if events_in == 2 and lags:
                seen.extend(lags)
                break
            time.sleep(0.1)
        worker = app.detector.worker
        if worker is not None:
            worker.loop.call_soon_threadsafe(app.detector.stop)

    watcher = threading.Thread(target=stop_once_the_lag_is_published, daemon=True)
    watcher.start()
    code, _ = run_detector(app)
    watcher.join()
    assert code == 0
    assert seen and all(lag == 0 for lag in seen), seen  # published, and nothing left behind


def test_bad_invocations_are_one_line_errors(broker: EmbeddedBroker, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from dossier_audit.cli import app

    runner = CliRunner()
    both = runner.invoke(app, ["worker", "detect", "--bootstrap-servers", "x:1", "--warehouse", "chdb:///x",
                               "--catalogue", "c.yaml"])  # fmt: skip
    assert both.exit_code == 2 and "--warehouse and --catalogue name the catalogue" in both.stderr
    stored = runner.invoke(app, ["worker", "detect", "--bootstrap-servers", "x:1", "--stored-catalogue",
                                 "--catalogue", "c.yaml"])  # fmt: skip
    assert stored.exit_code == 2 and "--stored-catalogue and --catalogue name" in stored.stderr
    named = runner.invoke(app, ["worker", "detect", "--bootstrap-servers", "x:1", "--stored-catalogue",
                                "--warehouse", "chdb:///x"])  # fmt: skip
    assert named.exit_code == 2 and "--warehouse and --stored-catalogue name the catalogue" in named.stderr
    no_offset = runner.invoke(
        app, ["worker", "detect", "--bootstrap-servers", "x:1", "--as-of", "2025-11-03T09:00"]
    )
    assert no_offset.exit_code == 2 and "no UTC offset" in no_offset.stderr
    # An events topic made with another partition count than the tables would be: refused, with the fix.
    ensure_topics(broker.kafka, [TopicSpec(EVENTS, 3)])
    code, _, stderr = run_detect(broker.bootstrap_servers, tmp_path, "--until-idle")
    assert code == 2 and "has 3 partitions" in stderr and "DOSSIER_AUDIT_PARTITIONS=3" in stderr
