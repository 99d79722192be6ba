-- The events the dossiers `ids` hold (FINAL: as a re-fold reads them), by id, with each one's fingerprint:
-- what a load compares its file's events of those dossiers with before it stores them (a different
-- fingerprint under a stored id is a conflict, and the stored version is kept).
SELECT dossier_id, event_id, fingerprint
FROM events FINAL
WHERE dossier_id IN %(ids)s
