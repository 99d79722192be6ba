-- The case events of some dossiers, in the order they fold (time, then id).
SELECT dossier_id, rule_id, event_id, rulebook_version, toString(action) AS action, actor_role, actor, at,
       reason_code, note, notice_number
FROM case_events
WHERE dossier_id IN %(ids)s
ORDER BY dossier_id, rule_id, event_id, at, at_us, case_event_id
