-- Every load run, newest first: its 'started' row with its 'completed' and 'recovered' rows folded in.
-- A count of 0 of a state means the run never reached it (maxIf then gives the epoch, ignored).
-- `unfinished` = 1: only runs with neither a 'completed' nor a 'recovered' row.
SELECT
    run_id,
    anyIf(source, state = 'started') AS run_source,
    min(started_at) AS run_started_at,
    max(started_us) AS run_started_us,
    anyIf(as_of, state = 'started') AS run_as_of,
    anyIf(host, state = 'started') AS run_host,
    anyIf(pid, state = 'started') AS run_pid,
    countIf(state = 'completed') AS completed,
    maxIf(at, state = 'completed') AS completed_at,
    countIf(state = 'recovered') AS recovered,
    maxIf(at, state = 'recovered') AS recovered_at,
    anyIf(by_run, state = 'recovered') AS recovered_by,
    maxIf(events_written, state = 'completed') AS events,
    maxIf(rejected_written, state = 'completed') AS rejected,
    maxIf(dossiers_folded, state = 'completed') AS dossiers,
    maxIf(violations_open, state = 'completed') AS opened,
    maxIf(violations_retracted, state = 'completed') AS retracted
FROM load_runs FINAL
GROUP BY run_id
HAVING countIf(state = 'started') > 0
    AND (%(unfinished)s = 0 OR (countIf(state = 'completed') = 0 AND countIf(state = 'recovered') = 0))
ORDER BY run_started_us DESC, run_id DESC
LIMIT %(limit)s
