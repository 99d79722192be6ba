-- One dossier's folded facts, the newest version (ordered by version rather than FINAL: one key's rows).
SELECT unit_code, procedure_code, field_code, channel, received_at, due_at, end_type, end_at,
       toString(status) AS status, as_of, waiting, supplement_seconds
FROM dossiers
WHERE dossier_id = %(dossier)s
ORDER BY version DESC
LIMIT 1
