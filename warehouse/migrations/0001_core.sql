-- Core tables. Portable: ClickHouse 18.16 (no DateTime64, no LowCardinality, no window functions) and 26.x.
-- Instants are DateTime('UTC') plus a microseconds column where sub-second order matters; the exact event
-- is kept verbatim (pseudonymised) in `raw`, so folds from the warehouse equal folds from files.
-- ReplacingMergeTree makes re-inserting a batch harmless: queries read with FINAL (or argMax by version).

CREATE TABLE IF NOT EXISTS events
(
    event_id String,
    dossier_id String,
    type Enum8(
        'submitted' = 1, 'received' = 2, 'transferred' = 3, 'supplement_requested' = 4,
        'supplement_completed' = 5, 'financial_obligation_requested' = 6,
        'financial_obligation_fulfilled' = 7, 'apology_issued' = 8, 'due_date_changed' = 9,
        'refused' = 10, 'suspended' = 11, 'withdrawn' = 12, 'processed' = 13, 'returned' = 14
    ),
    schema_version UInt8,
    occurred_at DateTime('UTC'),
    occurred_at_us UInt32,
    unit_code String,
    actor Nullable(String),
    procedure_code Nullable(String),
    data String,
    raw String,
    fingerprint String,
    source String,
    source_offset Int64,
    ingested_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (dossier_id, occurred_at, occurred_at_us, event_id);

CREATE TABLE IF NOT EXISTS rejected_events
(
    source String,
    source_offset Int64,
    raw_hash String,
    raw String,
    reason_code String,
    reason String,
    rejected_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(rejected_at)
ORDER BY (source, source_offset, raw_hash);

-- The folded state and derived facts of each dossier as of the last evaluation; the newest version wins.
CREATE TABLE IF NOT EXISTS dossiers
(
    dossier_id String,
    unit_code String,
    procedure_code Nullable(String),
    field_code Nullable(String),
    channel Nullable(String),
    received_at Nullable(DateTime('UTC')),
    due_at Nullable(DateTime('UTC')),
    end_type Nullable(String),
    end_at Nullable(DateTime('UTC')),
    waiting UInt8,
    supplement_requests UInt16,
    supplement_seconds Int64,
    apologies UInt16,
    status Enum8('none' = 0, 'early' = 1, 'on_time' = 2, 'late' = 3),
    outcome_received_on Nullable(Date),
    outcome_keys Array(UInt64),
    events UInt32,
    last_event_at DateTime('UTC'),
    as_of DateTime('UTC'),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY dossier_id;

-- How each received dossier's reporting-form outcome changes over time: the row whose interval
-- [valid_from_key, valid_to_key) (epoch microseconds) holds an instant T is its outcome at T, so the form
-- of any period is one filtered aggregation (SQL metrics read it). Re-evaluating a dossier rewrites its
-- rows under a newer generation and empties the interval of rows it no longer has (the keys are kept in
-- `dossiers.outcome_keys`); queries read FINAL.
CREATE TABLE IF NOT EXISTS dossier_outcomes
(
    dossier_id String,
    generation UInt64,
    valid_from DateTime('UTC'),
    valid_from_key UInt64,
    valid_to_key UInt64,
    unit_code String,
    procedure_code String,
    field_code String,
    received_on Date,
    channel Enum8('direct' = 1, 'online' = 2, 'postal' = 3),
    ended_on Nullable(Date),
    status Enum8('early' = 1, 'on_time' = 2, 'late' = 3),
    working_days Int32,
    returned_channel Nullable(String)
)
ENGINE = ReplacingMergeTree(generation)
PARTITION BY toYYYYMM(received_on)
ORDER BY (received_on, dossier_id, valid_from_key);

CREATE TABLE IF NOT EXISTS violations
(
    dossier_id String,
    rule_id String,
    event_id String,
    state Enum8('open' = 1, 'retracted' = 2),
    kind Enum8('violation' = 1, 'finding' = 2),
    severity Enum8('low' = 1, 'medium' = 2, 'high' = 3),
    unit_code String,
    procedure_code Nullable(String),
    occurred_at DateTime('UTC'),
    legal_basis String,
    rulebook_version String,
    evidence String,
    detail String,
    as_of DateTime('UTC'),
    producer String,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (dossier_id, rule_id, event_id);

CREATE TABLE IF NOT EXISTS report_runs
(
    run_id String,
    kind String,
    params String,
    status Enum8('running' = 1, 'succeeded' = 2, 'failed' = 3),
    started_at DateTime('UTC'),
    finished_at Nullable(DateTime('UTC')),
    detail String,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY run_id;
