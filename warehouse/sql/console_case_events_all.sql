-- Every case event, in fold order: the cases are few next to the violations (one per worked violation),
-- so the case-state filter and the report counts fold them all.
SELECT dossier_id, rule_id, event_id, rulebook_version, toString(action) AS action, actor_role, actor, at,
       reason_code, note, notice_number
FROM case_events
ORDER BY dossier_id, rule_id, event_id, at, at_us, case_event_id
