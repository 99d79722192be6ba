-- A running load's sign of life: it appends an 'alive' row now and then (one per run: the table replaces
-- rows of one (run_id, state)), so that another load can tell it from a dead one and refuse to run beside
-- it (review of concurrent operators: two loads at once left wrong verdicts with every run completed).
-- A load that refused to run beside a running one appends 'refused' (it stored nothing): such a run is no
-- load at all for `warehouse status`, `check` and the reports. Adding Enum values keeps every stored row.
ALTER TABLE load_runs MODIFY COLUMN state
    Enum8('started' = 1, 'completed' = 2, 'recovered' = 3, 'stored' = 4, 'superseded' = 5, 'alive' = 6,
          'refused' = 7)
