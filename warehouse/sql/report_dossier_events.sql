-- The evidence timeline of the given dossiers: every stored event (one per event id) in event-time order.
SELECT dossier_id, event_id, toString(type) AS type, occurred_at, occurred_at_us, unit_code, actor, data
FROM events FINAL
WHERE dossier_id IN %(ids)s
ORDER BY dossier_id, occurred_at, occurred_at_us, event_id
