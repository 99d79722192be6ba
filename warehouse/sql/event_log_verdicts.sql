-- The stored classification of each dossier of a page of the event log export, and when it was judged.
SELECT dossier_id, toString(status) AS status, as_of
FROM dossiers FINAL
WHERE dossier_id > %(after)s AND dossier_id <= %(upto)s
