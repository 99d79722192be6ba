-- The newest recorded catalogue snapshot's digest ('' for one recorded before digests were kept).
SELECT snapshot, digest
FROM catalogue_snapshots FINAL
ORDER BY snapshot DESC
LIMIT 1
