-- Of the dossiers `ids`, those the warehouse holds judged at an instant after `as_of` (whole seconds, as the
-- table keeps them), with that instant: a load of an older file judges them there, not back at its own
-- --as-of (jobs/load_stored.py).
SELECT dossier_id, as_of
FROM dossiers FINAL
WHERE dossier_id IN %(ids)s AND as_of > %(as_of)s
