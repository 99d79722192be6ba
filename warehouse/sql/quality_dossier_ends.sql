-- How each ended dossier with an event in [start, end) (every ended dossier when whole = 1) ended.
SELECT dossier_id, end_type, end_at
FROM dossiers FINAL
WHERE end_at IS NOT NULL
  AND (%(whole)s = 1
       OR dossier_id IN (SELECT dossier_id FROM events WHERE occurred_at >= %(start)s AND occurred_at < %(end)s))
