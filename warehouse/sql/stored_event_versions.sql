-- Of the dossiers `ids` and the event ids `events`, every stored version's fingerprint (not FINAL: the read
-- stays on the primary key of the batch's dossiers). A new event gets nothing back, a redelivered one its
-- own fingerprint; the JSON of a version unlike the batch's is read apart (stored_event_json.sql), rarely.
SELECT dossier_id, event_id, fingerprint
FROM events
WHERE dossier_id IN %(ids)s AND event_id IN %(events)s
