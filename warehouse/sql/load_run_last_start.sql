-- The newest start of a load run of one source (whole seconds): a new run of it starts in a later second,
-- since a run's events are found by their source and ingestion second.
SELECT count(), max(started_at)
FROM load_runs
WHERE source = %(source)s AND state = 'started'
