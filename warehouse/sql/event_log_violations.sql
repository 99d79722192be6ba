-- The open violations and findings of the dossiers of a page of the event log export (newest version of
-- each), and when each was judged.
SELECT dossier_id, rule_id, toString(kind) AS kind, as_of
FROM violations FINAL
WHERE dossier_id > %(after)s AND dossier_id <= %(upto)s AND state = 'open'
ORDER BY dossier_id, rule_id, event_id
