-- The stored JSON of the events `event_ids` of the dossiers `ids` (FINAL): a load compares it with its
-- own version of an event whose fingerprint differs, before it calls that a conflict (pseudonyms of
-- another key differ, and nothing else may).
SELECT dossier_id, event_id, raw
FROM events FINAL
WHERE dossier_id IN %(ids)s AND event_id IN %(event_ids)s
