-- Data-quality results: one row per expectation of each run of the Great Expectations suites (checks/).
-- `week` is the ISO week the run was scoped to ('2025-W45'), '' for the whole warehouse. A run's rows share
-- its run_id and version (epoch microseconds when it was stored): the newest run of a week is the one with
-- the highest version. `details` is JSON (observed value, parameters, a few offending examples).
CREATE TABLE IF NOT EXISTS quality_results
(
    run_id String,
    week String,
    position UInt16,
    suite String,
    expectation String,
    column_name Nullable(String),
    success UInt8,
    blocking UInt8,
    unexpected_count UInt64,
    element_count UInt64,
    message_vi String,
    message_en String,
    details String,
    checked_at DateTime('UTC'),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (week, run_id, position);
