"""Chaos test (issue 19): ingest at a limited rate while a sink and two detectors run as processes, SIGKILL
and restart each worker at seeded random moments, stop them, drain with ``--until-idle`` (``--as-of`` for
the detector); the stored events must be exactly the file's valid events and the stored open violations
exactly the batch audit's. The harness and its invariants: ``tests/streams/chaos_support.py`` (and the
``chaos_*`` modules beside it).

A short run is part of the suite (``CHAOS_SEED=N`` replays another seed); ``make chaos`` runs the long one:
``CHAOS_ROUNDS`` rounds (seeds ``CHAOS_SEED``, ``CHAOS_SEED + 1``, …) of a bigger province with more kills,
ingest kills included. A failure prints the seed, the command that replays it, the broken invariants, the
timeline of kills and restarts, and the tail of every process's log.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from bootstrap.platform import platform_topics
from bootstrap.settings import load_settings
from streams.broker import EmbeddedBroker
from streams.topics import ensure_topics
from tests.streams.chaos_checks import normalised
from tests.streams.chaos_plan import INGEST, WORKERS, ChaosConfig, plan_actions
from tests.streams.chaos_support import ChaosRun, server_database
from tests.warehouse.server import ClickHouseServer

HERE = "tests/streams/test_chaos.py"
SEED = int(os.environ.get("CHAOS_SEED", "19"))
ROUNDS = int(os.environ.get("CHAOS_ROUNDS", "0"))


def run_chaos(config: ChaosConfig, server: ClickHouseServer, tmp_path: Path, reproduce: str) -> None:
    with (
        EmbeddedBroker(log_file=tmp_path / "broker.log") as broker,
        server_database(server, f"chaos_{uuid.uuid4().hex[:12]}") as url,
    ):
        ensure_topics(broker.kafka, platform_topics(load_settings()))
        run = ChaosRun(config, broker.bootstrap_servers, url, tmp_path)
        run.run()
        broken = run.broken_invariants()
        report = run.report(broken, reproduce)
        (tmp_path / "chaos-report.txt").write_text(report + "\n", encoding="utf-8")
        print(report)  # shown with -s
    assert not broken, report


@pytest.mark.slow(60)
@pytest.mark.timeout(300)  # the chaos phase, and a drain with its stuck-group recoveries
def test_chaos_kills_during_ingestion_leave_the_exact_events_and_violations(
    clickhouse_server: ClickHouseServer, tmp_path: Path
) -> None:
    config = ChaosConfig(seed=SEED, dossiers=500, weeks=4, kills=5, rate=150.0, drain_timeout=60.0)
    node = f"{HERE}::test_chaos_kills_during_ingestion_leave_the_exact_events_and_violations"
    run_chaos(config, clickhouse_server, tmp_path, f"CHAOS_SEED={SEED} .venv/bin/pytest {node}")


@pytest.mark.chaos
@pytest.mark.timeout(900)
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_chaos_long(round_: int, clickhouse_server: ClickHouseServer, tmp_path: Path) -> None:
    seed = SEED + round_
    dossiers = int(os.environ.get("CHAOS_DOSSIERS", "2000"))
    kills = int(os.environ.get("CHAOS_KILLS", "10"))
    config = ChaosConfig(seed=seed, dossiers=dossiers, weeks=8, kills=kills, ingest_kills=1, rate=250.0)
    reproduce = f"CHAOS_SEED={seed} CHAOS_ROUNDS=1 CHAOS_DOSSIERS={dossiers} CHAOS_KILLS={kills} make chaos"
    run_chaos(config, clickhouse_server, tmp_path, reproduce)


# -- the harness itself (fast) ---------------------------------------------------------------------------


def test_the_plan_depends_on_the_seed_alone_and_kills_every_worker_while_it_is_up() -> None:
    config = ChaosConfig(seed=7, kills=6, ingest_kills=1)
    plan = plan_actions(config, ingest_seconds=20.0)
    assert plan == plan_actions(config, ingest_seconds=20.0)
    assert plan != plan_actions(ChaosConfig(seed=8, kills=6, ingest_kills=1), ingest_seconds=20.0)
    kills = [a for a in plan if a.kind == "kill"]
    assert len(kills) == 7 and {a.target for a in kills} == {*WORKERS, INGEST}
    for target in {*WORKERS, INGEST}:
        mine = [a.kind for a in sorted((a for a in plan if a.target == target), key=lambda a: a.at)]
        assert mine == ["kill", "restart"] * (len(mine) // 2)  # never killed while down
    assert all(a.at >= 1.0 for a in kills) and config.as_of == "2025-09-29"


def test_a_broken_run_names_each_invariant_with_its_evidence(tmp_path: Path) -> None:
    run = ChaosRun(ChaosConfig(seed=3), "127.0.0.1:1", "clickhouse://u:p@127.0.0.1:1/db", tmp_path)
    run.actions = plan_actions(run.config, 10.0)
    run.timeline.note("SIGKILL sink (pid 1, run 1)")
    o = run.outcome
    o.valid_ids = ["e1", "e2", "e3"]
    o.stored_ids.update({"e1": 1, "e2": 2, "zz": 1})
    o.stored_final_count = 4
    o.stored_rejected = 1
    late = {"dossier_id": "D1", "rule_id": "LATE_NO_APOLOGY", "event_id": None,
            "evidence": {"due_at": "2025-09-19T17:00:00+07:00"}}  # fmt: skip
    o.audit = {("D1", "LATE_NO_APOLOGY", ""): late, ("D2", "NO_APPOINTMENT", "x"): {"dossier_id": "D2"}}
    # The same instant in UTC is the same violation; an extra one and a missing one are not.
    utc = {**late, "evidence": {"due_at": "2025-09-19T10:00:00+00:00"}}
    o.stored_violations = {("D1", "LATE_NO_APOLOGY", ""): utc, ("D3", "LATE_NO_APOLOGY", ""): late}
    o.published = dict(o.stored_violations)
    o.failures.append("drain: `worker sink --until-idle` did not finish within 60 s")
    o.unexpected_exits.append("detect-a run 2 exited by itself (1)")

    broken = run.broken_invariants()

    assert [b.split(":")[0] for b in broken] == ["drain", "workers", "events", "violations"]
    events, violations = broken[2], broken[3]
    assert "4 events stored (FINAL), the file has 3 valid" in events
    assert "1 missing: ['e3']" in events and "1 not in the file: ['zz']" in events
    assert "1 stored twice: ['e2']" in events
    assert "1 rejected records stored, the file has 0 bad lines" in events
    assert "1 missing from the stored open violations: D2/NO_APPOINTMENT@x" in violations
    assert "1 extra in the stored open violations: D3/LATE_NO_APOLOGY" in violations
    assert "D1" not in violations.replace("D1/", "")  # the UTC rendering compared equal
    assert "1 missing from the published open set" in violations  # the detector's side, not the sink's
    report = run.report(broken, "CHAOS_SEED=3 ...")
    assert "seed=3" in report and "CHAOS_SEED=3" in report and "SIGKILL sink (pid 1, run 1)" in report


def test_times_compare_as_instants() -> None:
    assert normalised({"a": ["2025-09-19T17:00:00+07:00"]}) == normalised({"a": ["2025-09-19T10:00:00Z"]})
    assert normalised("2025-09-19T17:00:00+07:00") != normalised("2025-09-19T17:00:00+00:00")
    assert normalised("2025-09-19") == "2025-09-19" and normalised("D-2025-09-19T1") == "D-2025-09-19T1"
