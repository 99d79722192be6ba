-- Load runs: `warehouse load` appends a 'started' row before it stores anything and a 'completed' row after
-- its last write, so a load killed half-way (events stored, violations not yet judged) stays visible, and
-- the next load, which re-judges what the unfinished run stored, appends a 'recovered' row for it (`by_run`
-- names the load that did). Append-only rows, no UPDATE: the ClickHouse way. `started_at` is also the
-- `ingested_at` of every event the run stored (with `source`, it finds them); `started_us` orders runs.
CREATE TABLE IF NOT EXISTS load_runs
(
    run_id String,
    state Enum8('started' = 1, 'completed' = 2, 'recovered' = 3),
    source String,
    started_at DateTime('UTC'),
    started_us UInt64,
    at DateTime('UTC'),
    as_of DateTime('UTC'),
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
