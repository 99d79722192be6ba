-- The newest recorded catalogue snapshot and its digest: '' for one recorded before digests were kept, until
-- a load finds it holds the same files and records the digest in a second row of the snapshot (max: that
-- row's, whichever row a merge keeps).
SELECT snapshot, max(digest)
FROM catalogue_snapshots
WHERE snapshot = (SELECT max(snapshot) FROM catalogue_snapshots)
GROUP BY snapshot
