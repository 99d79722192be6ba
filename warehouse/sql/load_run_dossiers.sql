-- The dossiers of the events one load run stored: its events carry the run's source and start time as
-- `ingested_at`. No FINAL: a row another load replaced since still names a dossier to re-judge.
SELECT DISTINCT dossier_id
FROM events
WHERE source = %(source)s AND ingested_at = %(ingested_at)s
