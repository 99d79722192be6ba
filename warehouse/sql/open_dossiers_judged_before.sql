-- The dossiers still open when last judged (no end event), judged at an instant before `as_of` and holding
-- no event after it: a load judging at `as_of` leaves them as they were, though the time since may have made
-- them late (a new due date passed, an apology not sent): judged again at `as_of` (jobs/load_open.py).
SELECT dossier_id
FROM dossiers FINAL
WHERE end_type IS NULL AND as_of < %(as_of)s AND last_event_at <= %(as_of)s
ORDER BY dossier_id
