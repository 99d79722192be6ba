-- The catalogue and the calendar, stored as whole snapshots: a load writes every row with a new snapshot
-- id, then records the snapshot; readers use the newest recorded snapshot (older ones stay for audit).

CREATE TABLE IF NOT EXISTS catalogue_snapshots
(
    snapshot UInt64,
    name String,
    catalogue_version String,
    sample UInt8,
    source String,
    loaded_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY snapshot;

CREATE TABLE IF NOT EXISTS fields
(
    snapshot UInt64,
    code String,
    name String
)
ENGINE = ReplacingMergeTree
ORDER BY (snapshot, code);

CREATE TABLE IF NOT EXISTS units
(
    snapshot UInt64,
    code String,
    name String,
    parent Nullable(String),
    level Enum8('province' = 1, 'department' = 2, 'district' = 3, 'commune' = 4),
    valid_from Date,
    valid_to Nullable(Date),
    successor Nullable(String)
)
ENGINE = ReplacingMergeTree
ORDER BY (snapshot, code);

CREATE TABLE IF NOT EXISTS procedures
(
    snapshot UInt64,
    code String,
    name String,
    field_code String,
    max_amount Float64,
    max_unit Enum8('working_days' = 1, 'calendar_days' = 2, 'working_hours' = 3, 'none' = 4),
    financial_obligation UInt8,
    weight Nullable(UInt64),
    source String
)
ENGINE = ReplacingMergeTree
ORDER BY (snapshot, code);

CREATE TABLE IF NOT EXISTS components
(
    snapshot UInt64,
    procedure_code String,
    code String,
    name String,
    mandatory UInt8,
    position UInt16
)
ENGINE = ReplacingMergeTree
ORDER BY (snapshot, procedure_code, code);

CREATE TABLE IF NOT EXISTS publications
(
    snapshot UInt64,
    procedure_code String,
    position UInt16,
    unit_code Nullable(String),
    level Nullable(String),
    valid_from Date,
    valid_to Nullable(Date)
)
ENGINE = ReplacingMergeTree
ORDER BY (snapshot, procedure_code, position);

CREATE TABLE IF NOT EXISTS calendar_days
(
    snapshot UInt64,
    day Date,
    is_working_day UInt8,
    kind String,
    name_vi String,
    name_en String,
    replaces Nullable(Date),
    source String,
    confidence String
)
ENGINE = ReplacingMergeTree
ORDER BY (snapshot, day);
