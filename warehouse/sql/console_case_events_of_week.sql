-- The case events of the violations (not findings) whose event falls in [%(from_s)s, %(to_s)s) (epoch
-- seconds), per case in fold order: the weekly report's and the dashboard's counts of cases by state fold
-- only these (folding every case of the province at each dashboard view took a second once 16,000 cases
-- were worked: review).
SELECT dossier_id, rule_id, event_id, rulebook_version, toString(action) AS action, actor_role, actor, at,
       reason_code, note, notice_number
FROM case_events
WHERE (dossier_id, rule_id, event_id) IN (
    SELECT dossier_id, rule_id, event_id
    FROM violations FINAL
    WHERE toUInt32(occurred_at) >= %(from_s)s AND toUInt32(occurred_at) < %(to_s)s
      AND toString(kind) = 'violation'
)
ORDER BY dossier_id, rule_id, event_id, at, at_us, case_event_id
