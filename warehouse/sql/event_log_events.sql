-- A page of the event log export: every stored event (one per event id) of the dossiers whose id is in
-- (`after`, `upto`], by dossier, then event time.
SELECT dossier_id, raw
FROM events FINAL
WHERE dossier_id > %(after)s AND dossier_id <= %(upto)s
ORDER BY dossier_id, occurred_at, occurred_at_us, event_id
