"""The streaming batch engine gives exactly the in-memory answer, whatever the file's order."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier_audit.jobs.batch_engine import BatchEngine, BatchOptions
from inspections.audit import audit_events
from inspections.rulebook import Auditor
from inspections.timeunits import VN_TZ
from schemas.dedup import fingerprint
from schemas.events import to_json_dict
from schemas.validation import Rejection, parse_event
from tests.builders import CALENDAR, CATALOGUE, apology, completed, processed, received, supplement
from tests.depth import examples

AUDITOR = Auditor(CATALOGUE, CALENDAR)
AS_OF = datetime(2025, 12, 31, tzinfo=VN_TZ)


def _dossier(i: int, kind: int) -> list[dict]:
    d = f"D{i}"
    day = 3 + (i % 3)
    base = received(
        f"2025-11-0{day} 09:00",
        f"2025-11-{day + 3:02d} 17:00",
        dossier=d,
        event_id=f"{d}-r",
        docs=["A", "X"] if kind == 1 else ["A"],
    )
    events = [base]
    if kind in (0, 1):
        events.append(processed(f"2025-11-{day + 1:02d} 10:00", dossier=d, event_id=f"{d}-p"))
    elif kind == 2:
        events += [
            supplement(f"2025-11-0{day} 11:00", dossier=d, event_id=f"{d}-s1", notice=None),
            completed(f"2025-11-0{day} 15:00", dossier=d, event_id=f"{d}-c1"),
            supplement(f"2025-11-{day + 1:02d} 11:00", dossier=d, event_id=f"{d}-s2"),
            apology(f"2025-11-{day + 2:02d} 08:00", None, dossier=d, event_id=f"{d}-a"),
            processed(f"2025-11-{day + 9:02d} 10:00", dossier=d, event_id=f"{d}-p"),
        ]
    # kind 3: still open, late at AS_OF
    return [to_json_dict(e) for e in events]


def _reference(lines: list[bytes]):
    """A naive exact answer: global index of event ids, first version wins, everything in memory."""
    seen: dict[str, bytes] = {}
    kept = []
    stats: Counter[str] = Counter()
    for raw in lines:
        event = parse_event(raw)
        if isinstance(event, Rejection):
            stats["rejected"] += 1
            continue
        fp = fingerprint(event)
        if event.event_id not in seen:
            seen[event.event_id] = fp
            kept.append(event)
            stats["valid"] += 1
        elif seen[event.event_id] == fp:
            stats["duplicates"] += 1
        else:
            stats["rejected"] += 1
    violations = sorted(orjson.dumps(v.to_json_dict()) for v in audit_events(kept, AUDITOR, AS_OF))
    stats["earliest"] = min(e.occurred_at for e in kept) if kept else None  # type: ignore[assignment]
    return violations, stats


def _engine_run(path: Path, options: BatchOptions):
    engine = BatchEngine(
        lambda d, evs: [v.to_json_dict() for v in AUDITOR.evaluate(d, evs, AS_OF, presorted=True)],
        options=options,
    )
    violations = sorted(orjson.dumps(v) for v in engine.run(path))
    s = engine.stats
    return (
        violations,
        Counter({"valid": s.valid, "duplicates": s.duplicates, "rejected": s.rejected_total}),
        s,
    )


@settings(
    max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kinds=st.lists(st.integers(0, 3), min_size=1, max_size=12),
    seed=st.integers(0, 10**6),
    duplicates=st.integers(0, 6),
    conflicts=st.integers(0, 3),
    tiny=st.booleans(),
    workers=st.sampled_from([1, 1, 2]),
)
def test_engine_equals_in_memory_reference(
    tmp_path_factory, kinds, seed, duplicates, conflicts, tiny, workers
):
    rnd = random.Random(seed)
    events = [e for i, k in enumerate(kinds) for e in _dossier(i, k)]
    events.sort(key=lambda e: e["occurred_at"])
    lines = [orjson.dumps(e) for e in events]
    for _ in range(duplicates):
        lines.insert(rnd.randrange(len(lines) + 1), rnd.choice(lines))
    for _ in range(conflicts):  # same event id, other dossier or other content
        victim = dict(rnd.choice(events))
        victim["dossier_id"] = rnd.choice(["D0", "Dx", victim["dossier_id"]])
        victim["actor"] = "someone-else"
        lines.insert(rnd.randrange(len(lines) + 1), orjson.dumps(victim))
    lines.insert(rnd.randrange(len(lines) + 1), b"{broken")
    if rnd.random() < 0.5:  # out of order within a lateness window, or fully shuffled
        rnd.shuffle(lines)
    path = tmp_path_factory.mktemp("batch") / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")

    expected, expected_stats = _reference(lines)
    # Zero lateness evicts as early as possible (many stragglers); tiny Bloom filters force false positives.
    options = BatchOptions(
        lateness=timedelta(0),
        lateness_unreturned=timedelta(0),
        expected_events=4 if tiny else 1000,
        expected_dossiers=2 if tiny else 1000,
        bloom_error_rate=0.3 if tiny else 0.01,
        workers=workers,
    )
    got, got_stats, stats = _engine_run(path, options)
    assert got == expected
    assert got_stats == Counter({k: expected_stats.get(k, 0) for k in ("valid", "duplicates", "rejected")})
    # The earliest valid event, which ``audit`` and ``warehouse load`` compare their --as-of with.
    assert stats.earliest == expected_stats["earliest"]


def test_sorted_file_needs_no_second_pass(tmp_path):
    events = [e for i in range(30) for e in _dossier(i, i % 4)]
    events.sort(key=lambda e: e["occurred_at"])
    path = tmp_path / "sorted.jsonl"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    _, _, stats = _engine_run(path, BatchOptions(lateness=timedelta(days=2)))
    assert stats.second_pass_dossiers == 0
    assert stats.dossiers == 30


def _line(dossier: str, suffix: str, kind: str, at: datetime, data: dict) -> dict:
    return {"schema_version": 1, "event_id": f"{dossier}-{suffix}", "dossier_id": dossier, "type": kind,
            "occurred_at": at.isoformat(), "unit_code": "U1", "data": data}  # fmt: skip


def test_eviction_bounds_resident_dossiers(tmp_path):
    """Finished dossiers leave memory once event time has moved past them by the lateness; processed but
    not yet returned ones wait longer (the return may follow)."""
    lines = []
    for i in range(200):
        day = datetime(2025, 1, 1, 9, tzinfo=VN_TZ) + timedelta(days=i)
        d = f"M{i}"
        received_data = {"procedure_code": "P1", "channel": "direct", "due_at": None, "documents": []}
        lines.append(_line(d, "r", "received", day, received_data))
        lines.append(_line(d, "p", "processed", day + timedelta(hours=2), {}))
        if i % 2:
            lines.append(_line(d, "t", "returned", day + timedelta(hours=3), {"channel": "direct"}))
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in lines))
    options = BatchOptions(lateness=timedelta(days=1), lateness_unreturned=timedelta(days=10))
    engine = BatchEngine(lambda d, evs: [], options=options)
    list(engine.run(path))
    assert engine.stats.dossiers == 200
    assert engine.stats.second_pass_dossiers == 0
    # ~2 returned dossiers within a day, ~5 unreturned within 10 days (one every other day), and slack.
    assert engine.stats.peak_residents <= 10


def test_the_rejections_spooled_by_a_shard_hold_no_clear_applicant(tmp_path):
    """A shard's rejections file stays on disk until the command ends, after it if the command is killed:
    the line goes there as ``rejected_raw`` keeps it (the load: scrubbed of applicants), and not at all
    without one (review: the load wrote each rejected line there in clear and scrubbed it once read back)."""
    from dossier_audit.jobs.batch_shard import Shard
    from schemas.pseudonym import Pseudonymiser

    line = (b'{"schema_version":1,"event_id":"e1","dossier_id":"D1","type":"submitted","occurred_at":'
            b'"2025-11-03T08:00:00","unit_code":"U","data":{"procedure_code":"1.1","channel":"online",'
            b'"applicant":"Nguyen Van Marker"}}\n')  # fmt: skip
    path = tmp_path / "events.jsonl"
    path.write_bytes(line)
    scrub = Pseudonymiser(b"spool-test-key-0123456789abcdef").scrub_raw
    kept = {}
    for name, keeper in (("scrubbed", scrub), ("nothing", None)):
        shard = Shard(lambda dossier_id, events: [], BatchOptions(), 0, 1, rejected_raw=keeper)
        with open(tmp_path / f"{name}.results", "wb") as results, open(tmp_path / name, "wb") as rejections:
            shard.run(path, results, rejections)
        (record,) = [orjson.loads(row) for row in (tmp_path / name).read_bytes().splitlines()]
        kept[name] = record[3]
        assert b"Marker" not in (tmp_path / name).read_bytes()
    assert kept == {"scrubbed": scrub(line.rstrip(b"\n")).decode("latin-1"), "nothing": ""}
