-- The case events of the violations (not findings) whose event falls in [%(from_s)s, %(to_s)s) (epoch
-- seconds), per case in fold order, each with its violation's unit: the weekly report's and the dashboard's
-- counts of cases by state fold only these (folding every case of the province at each dashboard view took
-- a second once 16,000 cases were worked: review), in one read (a second one gave the units: diff review).
-- ALL: every case event of a key (ANY keeps one left row per key on a current ClickHouse).
SELECT dossier_id, rule_id, event_id, rulebook_version, toString(action) AS action, actor_role, actor, at,
       reason_code, note, notice_number, violation_unit
FROM case_events
ALL INNER JOIN (
    SELECT dossier_id, rule_id, event_id, unit_code AS violation_unit
    FROM violations FINAL
    WHERE toUInt32(occurred_at) >= %(from_s)s AND toUInt32(occurred_at) < %(to_s)s
      AND toString(kind) = 'violation'
      -- Only violations with a case: the weekly report reads from the first violation on (diff review).
      AND dossier_id IN (SELECT dossier_id FROM case_events)
) AS week_violations USING (dossier_id, rule_id, event_id)
ORDER BY dossier_id, rule_id, event_id, at, at_us, case_event_id
