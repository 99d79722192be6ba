-- Every case event, in fold order: the console's case-state filter folds them all (cached; the weekly
-- report's and the dashboard's counts fold only the week's: console_case_events_of_week.sql).
SELECT dossier_id, rule_id, event_id, rulebook_version, toString(action) AS action, actor_role, actor, at,
       reason_code, note, notice_number
FROM case_events
ORDER BY dossier_id, rule_id, event_id, at, at_us, case_event_id
