-- Every load run, newest first: its 'started' row with its 'stored', 'completed', 'recovered' and
-- 'superseded' rows folded in. A count of 0 of a state means the run never reached it (maxIf then gives the
-- epoch, ignored). The events and rejected lines written are on the 'stored' row already; the other counts
-- only on the 'completed' one.
-- A run that refused to start beside a running one ('refused') is left out: it loaded nothing.
-- `unfinished` = 1: only runs with neither a 'completed', a 'recovered' nor a 'superseded' row.
SELECT
    run_id,
    anyIf(source, state = 'started') AS run_source,
    min(started_at) AS run_started_at,
    max(started_us) AS run_started_us,
    anyIf(as_of_us, state = 'started') AS run_as_of_us,
    anyIf(host, state = 'started') AS run_host,
    anyIf(pid, state = 'started') AS run_pid,
    anyIf(digest, state = 'started') AS run_digest,
    anyIf(size, state = 'started') AS run_size,
    countIf(state = 'stored') AS stored,
    maxIf(at, state = 'stored') AS stored_at,
    countIf(state = 'completed') AS completed,
    maxIf(at, state = 'completed') AS completed_at,
    countIf(state = 'recovered') AS recovered,
    maxIf(at, state = 'recovered') AS recovered_at,
    anyIf(by_run, state = 'recovered') AS recovered_by,
    countIf(state = 'superseded') AS superseded,
    maxIf(at, state = 'superseded') AS superseded_at,
    anyIf(by_run, state = 'superseded') AS superseded_by,
    maxIf(events_written, state = 'stored' OR state = 'completed') AS events,
    maxIf(rejected_written, state = 'stored' OR state = 'completed') AS rejected,
    maxIf(dossiers_folded, state = 'completed') AS dossiers,
    maxIf(violations_open, state = 'completed') AS opened,
    maxIf(violations_retracted, state = 'completed') AS retracted
FROM load_runs FINAL
GROUP BY run_id
HAVING countIf(state = 'started') > 0 AND countIf(state = 'refused') = 0
    AND (%(unfinished)s = 0 OR (countIf(state = 'completed') = 0 AND countIf(state = 'recovered') = 0
                                AND countIf(state = 'superseded') = 0))
ORDER BY run_started_us DESC, run_id DESC
LIMIT %(limit)s
