-- One recorded catalogue snapshot by id.
SELECT snapshot, name, catalogue_version, sample, source
FROM catalogue_snapshots FINAL
WHERE snapshot = %(snapshot)s
