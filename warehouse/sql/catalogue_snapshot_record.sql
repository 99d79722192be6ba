-- A recorded catalogue snapshot's row, to record it again with its digest.
SELECT snapshot, name, catalogue_version, sample, source, loaded_at
FROM catalogue_snapshots
WHERE snapshot = %(snapshot)s
LIMIT 1
