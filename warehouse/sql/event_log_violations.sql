-- The open violations and findings of the dossiers of a page of the event log export (newest version of
-- each), when each was judged, and by which rulebook version (the evidence records v2's supplement clock).
SELECT dossier_id, rule_id, toString(kind) AS kind, as_of, rulebook_version, evidence
FROM violations FINAL
WHERE dossier_id > %(after)s AND dossier_id <= %(upto)s AND state = 'open'
ORDER BY dossier_id, rule_id, event_id
