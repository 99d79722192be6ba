-- The dossier projection for the data-quality suites: dossiers received in [start, end) (all when
-- whole = 1, also those never received).
SELECT dossier_id, unit_code, procedure_code, channel, received_at, due_at, end_type, end_at
FROM dossiers FINAL
WHERE %(whole)s = 1 OR (received_at >= %(start)s AND received_at < %(end)s)
