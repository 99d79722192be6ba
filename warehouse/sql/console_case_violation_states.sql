-- The detector's state (open or retracted) of the violations among the case keys %(keys)s: a retracted one
-- closes its case.
SELECT dossier_id, rule_id, event_id, toString(state) AS state, rulebook_version, unit_code
FROM violations FINAL
WHERE (dossier_id, rule_id, event_id) IN %(keys)s
