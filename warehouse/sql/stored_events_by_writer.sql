-- For each of the dossiers `ids`: how many events it holds (the newest version of each, as a re-fold reads
-- them: events_of_dossiers.sql), and how many of those a writer other than one load (its source and time of
-- ingestion) stored.
SELECT dossier_id, count(), countIf(NOT (source = %(source)s AND ingested_at = %(ingested_at)s))
FROM events FINAL
WHERE dossier_id IN %(ids)s
GROUP BY dossier_id
