-- The dossier projection for the data-quality suites: the dossiers the week's reporting form counts,
-- those received before its end and not ended before its start (carried over, received, resolved or in
-- progress in it); all when whole = 1, also those never received.
SELECT dossier_id, unit_code, procedure_code, channel, received_at, due_at, end_type, end_at
FROM dossiers FINAL
WHERE %(whole)s = 1 OR (received_at < %(end)s AND (end_at IS NULL OR end_at >= %(start)s))
