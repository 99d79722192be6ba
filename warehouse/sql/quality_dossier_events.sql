-- The event times the event_time suite checks: every event of the dossiers in scope (all events when
-- whole = 1). A dossier is in scope when it has an event in [start, end) or was open during it (received
-- before its end, not ended before its start): an event of such a dossier dated years off (a wrong clock)
-- lies outside the week, yet moves the week's verdicts, so the week's own events are not enough.
SELECT event_id, dossier_id, occurred_at
FROM events FINAL
WHERE %(whole)s = 1
   OR dossier_id IN (SELECT dossier_id FROM events WHERE occurred_at >= %(start)s AND occurred_at < %(end)s)
   OR dossier_id IN (
       SELECT dossier_id FROM dossiers FINAL
       WHERE received_at < %(end)s AND (end_at IS NULL OR end_at >= %(start)s)
   )
