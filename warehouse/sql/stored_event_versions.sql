-- Of the dossiers `ids` and the event ids `events`, every stored version's fingerprint (not FINAL: the read
-- stays on the primary key of the batch's dossiers). A new event gets nothing back, a redelivered one its
-- own fingerprint, a conflicting one another (the sink compares fingerprints only, as the detector does).
SELECT dossier_id, event_id, fingerprint
FROM events
WHERE dossier_id IN %(ids)s AND event_id IN %(events)s
