"""Benchmark of the inspector's console on a chdb warehouse holding a simulated province of ≥ 10 million
events: p95 of the filtered violations list and of the dossier page (over HTTP, in-process, templates
rendered), each printed next to the warehouse query's own time (the same SQL run directly).

    python bench/console.py               # 10,000,000 events (~1.43 M dossiers, ~160 k violations)
    python bench/console.py --quick       # 1,000,000 events
    python bench/console.py --events N --workdir DIR --keep

The rows are generated inside the engine (``INSERT … SELECT`` from ``numbers()``), shaped like the
platform's: seven events per dossier (submitted → returned, a supplement in between) over one year, the
sample province's units, one dossier in nine with a violation of one of six rules, a dossier row each, and a
few hundred worked cases. The simulator writes ~80 k events/s; this writes the 10 M in well under a minute,
and the console reads tables, not how they were filled. The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EVENTS_PER_DOSSIER = 7
RULES = ("LATE_NO_APOLOGY", "SUPPLEMENT_UNWRITTEN", "NO_APPOINTMENT", "EXCESS_DOCUMENTS",
         "REPEATED_SUPPLEMENT", "DUE_DATE_CHANGED")  # fmt: skip
START = datetime(2025, 1, 6, 1, tzinfo=UTC)
PASSWORD = "bench password 123"


def generate(wh, events: int, units: list[str]) -> None:
    dossiers = events // EVENTS_PER_DOSSIER
    seconds = 365 * 86400
    params = {"units": units, "n_units": len(units), "start": int(START.timestamp()), "span": seconds,
              "dossiers": dossiers, "events": dossiers * EVENTS_PER_DOSSIER,
              "rules": list(RULES)}  # fmt: skip
    d_id = "concat(arrayElement(%(units)s, d %% %(n_units)s + 1), '-', toString(1000000000 + d))"
    t0 = "(%(start)s + intDiv(d * %(span)s, %(dossiers)s))"
    wh.execute(
        f"""INSERT INTO events
        SELECT concat('e', toString(number)), {d_id},
               arrayElement(['submitted', 'received', 'transferred', 'supplement_requested',
                             'supplement_completed', 'processed', 'returned'], k + 1),
               1, toDateTime({t0} + k * 86400 + 3600, 'UTC'), 0,
               arrayElement(%(units)s, d %% %(n_units)s + 1),
               'cb-01', '1.004222',
               if(k = 1, concat('{{"channel":"online","due_at":"', formatDateTime(toDateTime({t0} + 8 * 86400,
                  'UTC'), '%%Y-%%m-%%dT%%H:%%M:%%SZ'), '","documents":["CT01"]}}'),
                  if(k = 3, '{{"notice_id":null,"reason":"thiếu giấy tờ","requested_documents":["CT01"]}}',
                     '{{}}')),
               '{{}}', toString(cityHash64(number)), 'bench', number, toDateTime({t0}, 'UTC')
        FROM (SELECT number, intDiv(number, {EVENTS_PER_DOSSIER}) AS d, number %% {EVENTS_PER_DOSSIER} AS k
              FROM numbers(%(events)s))""",
        params,
    )
    wh.execute(
        f"""INSERT INTO dossiers (dossier_id, unit_code, procedure_code, field_code, channel, received_at,
               due_at, end_type, end_at, waiting, supplement_requests, supplement_seconds, apologies, status,
               outcome_received_on, outcome_keys, events, last_event_at, as_of, version)
        SELECT {d_id}, arrayElement(%(units)s, d %% %(n_units)s + 1), '1.004222', '5', 'online',
               toDateTime({t0} + 86400 + 3600, 'UTC'), toDateTime({t0} + 8 * 86400, 'UTC'), 'returned',
               toDateTime({t0} + 6 * 86400 + 3600, 'UTC'), 0, 1, 86400, 0, if(d %% 9 = 0, 'late', 'on_time'),
               NULL, [], 7, toDateTime({t0} + 6 * 86400 + 3600, 'UTC'), toDateTime({t0} + 7 * 86400, 'UTC'), 1
        FROM (SELECT number AS d FROM numbers(%(dossiers)s))""",
        params,
    )
    wh.execute(
        f"""INSERT INTO violations
        SELECT {d_id}, arrayElement(%(rules)s, intDiv(d, 9) %% 6 + 1), concat('e', toString(d * 7 + 3)),
               'open',
               'violation', if(intDiv(d, 9) %% 2 = 0, 'high', 'medium'),
               arrayElement(%(units)s, d %% %(n_units)s + 1), '1.004222',
               toDateTime({t0} + 3 * 86400 + 3600, 'UTC'), 'Nghị định 118/2025/NĐ-CP', '2', '{{}}', '{{}}',
               toDateTime({t0} + 7 * 86400, 'UTC'), 'bench', 1
        FROM (SELECT number AS d FROM numbers(%(dossiers)s)) WHERE d %% 9 = 0""",
        params,
    )


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else samples[0]


#: Milliseconds spent inside the warehouse (query and insert) since the last reset: the part of a request
#: that is the warehouse's own time.
SPENT = [0.0]


def metered(wh):
    """``wh`` with its query and insert timed into ``SPENT``."""
    query, insert = wh.query, wh.insert

    def timed_query(sql, params=None):
        started = time.perf_counter()
        try:
            return query(sql, params)
        finally:
            SPENT[0] += (time.perf_counter() - started) * 1000

    def timed_insert(table, columns, data):
        started = time.perf_counter()
        try:
            return insert(table, columns, data)
        finally:
            SPENT[0] += (time.perf_counter() - started) * 1000

    wh.query, wh.insert = timed_query, timed_insert
    return wh


def timed(fn, repeat: int) -> tuple[list[float], list[float]]:
    """Wall time of each call, and the warehouse's part of it (ms)."""
    fn()  # warm
    total, inside = [], []
    for _ in range(repeat):
        SPENT[0] = 0.0
        started = time.perf_counter()
        fn()
        total.append((time.perf_counter() - started) * 1000)
        inside.append(SPENT[0])
    return total, inside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--quick", action="store_true", help="1,000,000 events")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--workdir", type=lambda text: Path(text).resolve())
    args = parser.parse_args()
    events = 1_000_000 if args.quick else args.events

    from starlette.testclient import TestClient

    from console.app import create_app
    from console.security import hash_password
    from console.service import ConsoleService
    from inspections.cases import CaseAction, CaseEvent, Role
    from inspections.files.calendar import load_calendar
    from inspections.files.catalogue import sample_catalogue
    from inspections.weeks import Week
    from reporting.gather import week_bounds
    from warehouse import open_warehouse
    from warehouse.cases import CaseKey, append_case_event
    from warehouse.console_read import ViolationFilter, stored_dossier, violations_page
    from warehouse.console_users import ConsoleUser, save_user
    from warehouse.migrate import migrate

    catalogue = sample_catalogue()
    units = sorted(c for c, u in catalogue.units.items() if u.level.value == "commune" and u.valid_to is None)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-console-"))
    with open_warehouse(f"chdb://{work}/wh") as wh:
        started = time.perf_counter()
        migrate(wh)
        reused = bool(wh.query("SELECT count() FROM events")[0][0])  # --workdir of an earlier run: its rows
        if not reused:
            generate(wh, events, units)
        stored = wh.query("SELECT count() FROM events")[0][0]
        n_violations = wh.query("SELECT count() FROM violations")[0][0]
        generated_s = time.perf_counter() - started
        how = "reused" if reused else f"generated in {generated_s:.1f} s"
        print(f"{stored:,} events, {n_violations:,} violations: {how} ({work})")
        now = datetime.now(UTC)
        if args.workdir is None or not wh.query("SELECT count() FROM case_events")[0][0]:
            add_cases = True
        else:
            add_cases = False
        save_user(wh, ConsoleUser("insp", "inspector", "", hash_password(PASSWORD), False, now, now))
        sample = [r[0] for r in wh.query("SELECT dossier_id FROM violations LIMIT 300")]
        for i, dossier_id in enumerate(sample if add_cases else []):
            (rule, event_id), = wh.query("SELECT rule_id, event_id FROM violations WHERE dossier_id = %(d)s",
                                         {"d": dossier_id})  # fmt: skip
            action = CaseAction.CONFIRM if i % 2 else CaseAction.REQUEST_EXPLANATION
            event = CaseEvent(action, Role.INSPECTOR, "insp", now)
            append_case_event(wh, CaseKey(dossier_id, rule, event_id), event, rulebook_version="2",
                              unit_code=units[0])  # fmt: skip

        service = ConsoleService(metered(wh), wh, catalogue, load_calendar(None))
        client = TestClient(create_app(service))
        assert client.post("/api/login", json={"login": "insp", "password": PASSWORD}).status_code == 200
        week = Week.of((START.date()).replace(month=6, day=2))
        unit = units[3]
        lists = [
            {"unit": unit, "week": str(week)},
            {"rule": "LATE_NO_APOLOGY", "week": str(week), "sort": "severity"},
            {"week": str(week), "severity": "high", "page": "2"},
            {"state": "awaiting_explanation"},
            {"unit": unit, "state": "open", "sort": "unit"},
            {"dossier": sample[7][:24]},
        ]
        filters = [
            ViolationFilter(units=catalogue.descendants(unit), week_s=week_bounds(week)),
            ViolationFilter(rule="LATE_NO_APOLOGY", week_s=week_bounds(week), sort="severity"),
            ViolationFilter(week_s=week_bounds(week), severity="high"),
            ViolationFilter(dossier=sample[7][:24]),
        ]
        turn = itertools.count()

        def one_list() -> None:
            params = lists[next(turn) % len(lists)]
            response = client.get("/violations", params=params)
            assert response.status_code == 200, response.text[:300]

        def one_sql() -> None:
            violations_page(wh, filters[next(turn) % len(filters)], offset=0, limit=50)

        dossiers = [
            r[0]
            for r in wh.query("SELECT dossier_id FROM violations ORDER BY cityHash64(dossier_id) LIMIT 200")
        ]

        def one_page() -> None:
            response = client.get(f"/dossiers/{dossiers[next(turn) % len(dossiers)]}")
            assert response.status_code == 200, response.text[:300]

        def one_dossier_sql() -> None:
            stored_dossier(wh, dossiers[next(turn) % len(dossiers)])

        figures = {}
        for name, fn in (("list_http", one_list), ("list_sql", one_sql), ("dossier_http", one_page),
                         ("dossier_sql", one_dossier_sql)):  # fmt: skip
            samples, inside = timed(fn, args.repeat)
            figures[name] = {"p50_ms": round(statistics.median(samples), 1), "p95_ms": round(p95(samples), 1),
                             "warehouse_p95_ms": round(p95(inside), 1)}  # fmt: skip
        for label, page, sql in (("violations list", "list_http", "list_sql"),
                                 ("dossier page", "dossier_http", "dossier_sql")):  # fmt: skip
            print(f"{label:15s}: p95 {figures[page]['p95_ms']} ms over HTTP, of which the warehouse "
                  f"{figures[page]['warehouse_p95_ms']} ms; its query alone (no HTTP, no case states): p95 "
                  f"{figures[sql]['p95_ms']} ms")  # fmt: skip
        verdict = all(figures[k]["p95_ms"] < 300 for k in ("list_http", "dossier_http"))
        print(json.dumps({"events": stored, "violations": n_violations, "generate_s": round(generated_s, 1),
                          **figures, "under_300ms": verdict}))  # fmt: skip


if __name__ == "__main__":
    main()
