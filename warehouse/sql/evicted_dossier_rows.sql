-- Every stored row (no FINAL: the detector needs each row's offset, see streams/detector/history.py) of the
-- given dossiers that the stream sink took from one partition of the events topic (source
-- 'kafka:<topic>/<partition>'), with its content fingerprint: the detector's late path reads an evicted
-- dossier back from these, and recognises the version of each event it held by the fingerprint.
SELECT dossier_id, event_id, source_offset, raw, fingerprint
FROM events
WHERE dossier_id IN %(ids)s AND source = %(source)s
