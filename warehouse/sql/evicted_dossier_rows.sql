-- Every stored row (no FINAL: the detector needs each row's offset, see streams/detector/history.py) of the
-- given dossiers that the stream sink took from one partition of the events topic (source
-- 'kafka:<topic>/<partition>'): the detector's late path reads an evicted dossier back from these.
SELECT dossier_id, event_id, source_offset, raw
FROM events
WHERE dossier_id IN %(ids)s AND source = %(source)s
