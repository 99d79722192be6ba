-- Of the dossiers `ids` and the event ids `events`, every stored version's fingerprint and the MD5 of its
-- text (not FINAL: the read stays on the primary key of the batch's dossiers). A new event gets nothing
-- back, a redelivered one its own fingerprint and text, the same content written otherwise its fingerprint
-- and another text, a conflicting one another fingerprint (the sink compares fingerprints, as the detector
-- does, and keeps a stored text).
SELECT dossier_id, event_id, fingerprint, lower(hex(MD5(raw)))
FROM events
WHERE dossier_id IN %(ids)s AND event_id IN %(events)s
