-- A procedure's later time limits (the catalogue's `time_limits`): each for the dossiers received from its
-- `valid_from` until the next one's, the procedure's own `max_amount`/`max_unit` before the first (review of
-- rules over time: a catalogue with one limit per procedure judged dossiers received before a change by the
-- new limit). Part of a catalogue snapshot like the publications, so a stream worker judges as the load did.

CREATE TABLE IF NOT EXISTS procedure_time_limits
(
    snapshot UInt64,
    procedure_code String,
    position UInt16,
    valid_from Date,
    max_amount Float64,
    max_unit Enum8('working_days' = 1, 'calendar_days' = 2, 'working_hours' = 3, 'none' = 4)
)
ENGINE = ReplacingMergeTree
ORDER BY (snapshot, procedure_code, position)
