-- One dossier's violations and findings in every state, every stored version, newest version first within
-- each (rule, event): the console keeps the first of each (a retracted one still has its case). No FINAL,
-- as console_dossier_events.
SELECT rule_id, event_id, toString(state) AS state, toString(kind) AS kind, toString(severity) AS severity,
       unit_code, occurred_at, legal_basis, rulebook_version, detail
FROM violations
WHERE dossier_id = %(dossier)s AND toString(kind) != 'not_checkable'
ORDER BY rule_id, event_id, version DESC
