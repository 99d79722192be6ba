-- The folded state of the given dossiers (newest version): what an inspector checks on site.
SELECT dossier_id, unit_code, procedure_code, channel, received_at, due_at, end_type, end_at,
       toString(status) AS status, waiting, supplement_seconds, as_of
FROM dossiers FINAL
WHERE dossier_id IN %(ids)s
ORDER BY dossier_id
