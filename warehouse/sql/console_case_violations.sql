-- The violations with a case whose event falls in [%(from_s)s, %(to_s)s) (epoch seconds), with their unit
-- and the detector's state (a retracted one's case counts as closed): the weekly report's and the
-- dashboard's count of cases by state, of violations only (a confirmed data finding counted as a
-- confirmed violation: review).
SELECT dossier_id, rule_id, event_id, unit_code, toString(state) AS state
FROM violations FINAL
WHERE toUInt32(occurred_at) >= %(from_s)s AND toUInt32(occurred_at) < %(to_s)s
  AND toString(kind) = 'violation'
  AND (dossier_id, rule_id, event_id) IN (SELECT dossier_id, rule_id, event_id FROM case_events)
