-- Load runs: `warehouse load` appends a 'started' row before it stores anything, a 'stored' row once every
-- event and rejected line of its file is written, and a 'completed' row after its last write. A load killed
-- after 'stored' (events stored, violations not yet judged) is finished by the next load, whatever its
-- file: it re-judges what the run stored and appends a 'recovered' row for it (`by_run` names that load).
-- A load killed before 'stored' may have stored only part of its file, which only that file can make up:
-- the next completed load of the same `source` appends a 'superseded' row for it. Append-only rows, no
-- UPDATE: the ClickHouse way. `started_at` is also the `ingested_at` of every event the run stored (with
-- `source`, it finds them); `started_us` orders runs; `as_of_us` is the exact instant the run judges at
-- (`as_of`, whole seconds, is for people reading the table).
CREATE TABLE IF NOT EXISTS load_runs
(
    run_id String,
    state Enum8('started' = 1, 'completed' = 2, 'recovered' = 3, 'stored' = 4, 'superseded' = 5),
    source String,
    started_at DateTime('UTC'),
    started_us UInt64,
    at DateTime('UTC'),
    as_of DateTime('UTC'),
    as_of_us UInt64,
    host String,
    pid UInt32,
    by_run String,
    events_written UInt64,
    rejected_written UInt64,
    dossiers_folded UInt64,
    violations_open UInt64,
    violations_retracted UInt64
)
ENGINE = ReplacingMergeTree
ORDER BY (run_id, state);
