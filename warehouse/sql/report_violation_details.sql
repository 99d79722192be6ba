-- Every open violation (and finding) with its audit JSON for instants in [%(from_s)s, %(to_s)s)
-- (epoch seconds), for the audit packs.
SELECT dossier_id, rule_id, event_id, toString(kind) AS kind, toString(severity) AS severity, unit_code,
       procedure_code, occurred_at, legal_basis, detail
FROM violations FINAL
WHERE state = 'open'
  AND toUInt32(occurred_at) >= %(from_s)s AND toUInt32(occurred_at) < %(to_s)s
ORDER BY unit_code, dossier_id, occurred_at, rule_id, event_id
