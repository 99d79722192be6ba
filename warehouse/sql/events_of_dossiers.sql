-- Every stored event of the given dossiers, one row per event id, in event-time order.
SELECT dossier_id, raw
FROM events FINAL
WHERE dossier_id IN %(ids)s
ORDER BY dossier_id, occurred_at, occurred_at_us, event_id
