-- Of the dossiers `ids`, those the warehouse holds judged at an instant after `as_of` (whole seconds, as the
-- tables keep them) that is no --as-of of a load of `source`, with that instant: a later load of another file
-- judged them there, and a load of an older file judges them there again rather than back at its own
-- --as-of (jobs/load_stored.py). An instant of a load of the same file is left: a load at a mistyped, later
-- --as-of is corrected by loading its file again at the right one.
SELECT dossier_id, as_of
FROM dossiers FINAL
WHERE dossier_id IN %(ids)s AND as_of > %(as_of)s
  AND as_of NOT IN (SELECT as_of FROM load_runs WHERE source = %(source)s)
