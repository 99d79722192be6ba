"""What the warehouse load asks of the batch engine beyond the audit: each event's line number along with
the events (``evaluate_lines``), results that travel pickled (``PICKLE_FRAMES``: datetimes stay
datetimes), and progress to the file's end. Exact whatever the file's order,
the stragglers, the duplicates and conflicts, the Bloom filters' false positives and the number of
workers, like the engine's own answer (test_batch_engine)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier_audit.jobs.batch_engine import PICKLE_FRAMES, BatchEngine, BatchOptions
from schemas.dedup import fingerprint
from schemas.events import AnyEvent
from schemas.validation import Rejection, parse_event
from tests.depth import examples
from tests.dossier_audit.test_batch_engine import _dossier

ROOT = Path(__file__).resolve().parents[2]


def _first_valid_lines(lines: list[bytes]) -> dict[str, tuple[int, str]]:
    """Event id → (line number, dossier) of the version that wins: the first valid one in file order."""
    kept: dict[str, tuple[int, str]] = {}
    seen: dict[str, bytes] = {}
    for line_no, raw in enumerate(lines, 1):
        event = parse_event(raw)
        if isinstance(event, Rejection) or event.event_id in seen:
            continue
        seen[event.event_id] = fingerprint(event)
        kept[event.event_id] = (line_no, event.dossier_id)
    return kept


def _numbered(dossier_id: str, events: list[AnyEvent], line_numbers: list[int]) -> list[Any]:
    assert len(events) == len(line_numbers)
    return [(e.event_id, n, dossier_id, e.occurred_at) for e, n in zip(events, line_numbers, strict=True)]


@settings(
    max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kinds=st.lists(st.integers(0, 3), min_size=1, max_size=12),
    seed=st.integers(0, 10**6),
    duplicates=st.integers(0, 6),
    conflicts=st.integers(0, 3),
    tiny=st.booleans(),
    workers=st.sampled_from([1, 2, 3]),
)
def test_every_event_comes_with_the_line_of_its_winning_version(
    tmp_path_factory, kinds, seed, duplicates, conflicts, tiny, workers
):
    rnd = random.Random(seed)
    events = [e for i, k in enumerate(kinds) for e in _dossier(i, k)]
    events.sort(key=lambda e: e["occurred_at"])
    lines = [orjson.dumps(e) for e in events]
    for _ in range(duplicates):
        lines.insert(rnd.randrange(len(lines) + 1), rnd.choice(lines))
    for _ in range(conflicts):
        victim = dict(rnd.choice(events))
        victim["dossier_id"] = rnd.choice(["D0", "Dx", victim["dossier_id"]])
        victim["actor"] = "someone-else"
        lines.insert(rnd.randrange(len(lines) + 1), orjson.dumps(victim))
    if rnd.random() < 0.5:
        rnd.shuffle(lines)
    path = tmp_path_factory.mktemp("lines") / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")

    options = BatchOptions(
        lateness=timedelta(0),
        lateness_unreturned=timedelta(0),
        expected_events=4 if tiny else 1000,
        expected_dossiers=2 if tiny else 1000,
        bloom_error_rate=0.3 if tiny else 0.01,
        workers=workers,
    )
    positions: list[int] = []
    engine = BatchEngine(
        None, options=options, evaluate_lines=_numbered, codec=PICKLE_FRAMES, on_progress=positions.append
    )
    got = list(engine.run(path))
    assert {event_id: (n, dossier) for event_id, n, dossier, _ in got} == _first_valid_lines(lines)
    assert len(got) == len({event_id for event_id, *_ in got})  # each event once: void passes dropped
    assert all(isinstance(at, datetime) and at.tzinfo is not None for *_, at in got)
    assert positions[-1] == path.stat().st_size  # the reading reported to its end


def test_evaluate_and_evaluate_lines_are_one_or_the_other(tmp_path: Path) -> None:
    try:
        BatchEngine(lambda d, e: [], evaluate_lines=lambda d, e, n: [])
    except ValueError as exc:
        assert "not both" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("both accepted")


def test_an_error_in_this_process_stops_the_workers(tmp_path: Path) -> None:
    """The load stores events from its progress callback while forked workers read; when that fails (the
    warehouse is gone), the error leaves at once and the workers stop, rather than reading to the end."""
    lines = [orjson.dumps(e) for i in range(3_000) for e in _dossier(i, i % 4)]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    judged = tmp_path / "judged.txt"

    def evaluate(dossier_id: str, events: list[AnyEvent]) -> list[Any]:
        with open(judged, "a") as fh:
            fh.write(dossier_id + "\n")
        return []

    def fail(position: int) -> None:
        raise RuntimeError("the warehouse went away")

    engine = BatchEngine(evaluate, options=BatchOptions(workers=2), on_progress=fail)
    try:
        list(engine.run(path))
    except RuntimeError as exc:
        assert "went away" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("the error was lost")
    done = len(judged.read_text().splitlines()) if judged.exists() else 0
    assert done < 3_000  # stopped: without it, the workers judged every dossier before the error left


#: A process running the engine on argv[1] with two workers, each worker writing its PID to argv[2] and
#: then judging slowly: killed with SIGKILL, it leaves its workers behind unless they die with it.
_SLOW_ENGINE = """
import os, sys, time
from pathlib import Path
from dossier_audit.jobs.batch_engine import BatchEngine, BatchOptions

pids = Path(sys.argv[2])

def evaluate(dossier_id, events):
    if not getattr(evaluate, "said", False):
        with open(pids, "a") as fh:
            fh.write(f"{os.getpid()}\\n")
        evaluate.said = True
    time.sleep(0.05)
    return []

list(BatchEngine(evaluate, options=BatchOptions(workers=2, lateness=__import__("datetime").timedelta(0)))
     .run(Path(sys.argv[1])))
"""


def test_workers_die_with_the_process_that_forked_them(tmp_path: Path) -> None:
    """A load killed with SIGKILL (the issue's "kill -9 mid-way") takes its workers with it: no worker reads
    on for nothing, holding a copy of the embedded warehouse's files and filling TMPDIR."""
    lines = [orjson.dumps(e) for i in range(2_000) for e in _dossier(i, i % 2)]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    pids = tmp_path / "pids.txt"
    parent = subprocess.Popen([sys.executable, "-c", _SLOW_ENGINE, str(path), str(pids)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not pids.exists() or len(pids.read_text().split()) < 2:
            assert parent.poll() is None and time.monotonic() < deadline, "the workers never started"
            time.sleep(0.05)
        parent.kill()
        parent.wait(timeout=30)
        workers = [int(pid) for pid in pids.read_text().split()]
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in workers):
            assert time.monotonic() < deadline, f"workers {workers} outlived their parent"
            time.sleep(0.05)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not reaped by its new parent, counts as dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_each_shard_says_when_it_is_done_where_it_ran(tmp_path: Path) -> None:
    """``on_shard_done`` runs in the worker that ran the shard (the load writes out its buffered events
    there), after its last dossier, once per shard."""
    lines = [orjson.dumps(e) for i in range(40) for e in _dossier(i, i % 4)]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    for workers in (1, 3):
        log = tmp_path / f"log-{workers}.txt"

        def evaluate(dossier_id: str, events: list[AnyEvent], log: Path = log) -> list[Any]:
            with open(log, "a") as fh:
                fh.write(f"judged {os.getpid()}\n")
            return []

        def done(log: Path = log) -> None:
            with open(log, "a") as fh:
                fh.write(f"done {os.getpid()}\n")

        engine = BatchEngine(evaluate, options=BatchOptions(workers=workers), on_shard_done=done)
        list(engine.run(path))
        entries = [line.split() for line in log.read_text().splitlines()]
        finished = [pid for what, pid in entries if what == "done"]
        assert len(finished) == len(set(finished)) == workers
        for pid in finished:  # the last thing each worker did
            assert [what for what, p in entries if p == pid][-1] == "done"
        assert (finished == [str(os.getpid())]) == (workers == 1)
