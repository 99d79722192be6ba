-- The JSON of the stored versions of the dossiers `ids` whose 'event_id<TAB>fingerprint' is one of `pairs`:
-- versions a stream batch brings with another fingerprint, compared as JSON when only pseudonyms may differ.
SELECT dossier_id, event_id, fingerprint, raw
FROM events
WHERE dossier_id IN %(ids)s AND concat(event_id, '\t', fingerprint) IN %(pairs)s
