-- The newest recorded catalogue snapshot (a snapshot is recorded only after all its rows are written).
SELECT snapshot, name, catalogue_version, sample, source
FROM catalogue_snapshots FINAL
ORDER BY snapshot DESC
LIMIT 1
