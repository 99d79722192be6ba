-- A page of the dossiers still open when last judged (no end event), judged at an instant before `as_of`,
-- of which a load stored events (a dossier only the stream fed is the detector's to judge as time passes,
-- by event time: its sink writes it with no violations), after `after` in id order: a load judging at
-- `as_of` leaves them as they were, though the time since may have made them late (a new due date passed,
-- an apology not sent), so it judges them again (jobs/load_open.py).
SELECT dossier_id
FROM dossiers FINAL
WHERE end_type IS NULL AND as_of < %(as_of)s AND dossier_id > %(after)s
  AND dossier_id IN (SELECT dossier_id FROM events WHERE NOT startsWith(source, 'kafka:'))
ORDER BY dossier_id
LIMIT %(page)s
