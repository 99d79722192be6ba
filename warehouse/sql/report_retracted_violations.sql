-- The violations retracted since they were found, with instants in [%(from_s)s, %(to_s)s) (epoch seconds):
-- a pack names those whose case the team had concluded (``reporting.gather.week_to_review``).
SELECT dossier_id, rule_id, event_id, unit_code, occurred_at
FROM violations FINAL
WHERE state = 'retracted'
  AND toUInt32(occurred_at) >= %(from_s)s AND toUInt32(occurred_at) < %(to_s)s
ORDER BY unit_code, dossier_id, occurred_at, rule_id, event_id
