-- The violations currently open for the given dossiers (their newest version).
SELECT dossier_id, rule_id, event_id, detail
FROM violations FINAL
WHERE dossier_id IN %(ids)s AND state = 'open'
