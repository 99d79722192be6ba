-- Each of these runs' last sign of life: its newest 'started', 'stored' or 'alive' row.
SELECT run_id, max(at)
FROM load_runs
WHERE run_id IN %(ids)s AND state IN ('started', 'stored', 'alive')
GROUP BY run_id
