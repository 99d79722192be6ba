-- The event ids in scope (those of events that occurred in [start, end), all when whole = 1) stored with
-- more than one content (fingerprint), read from the raw table: FINAL merges the rows of one sorting key
-- (dossier, time, event_id) whatever their content, so a conflicting copy under the same key left one of
-- the two, which one depending on merges, and the uniqueness check on FINAL rows never saw it (review).
-- Exact re-deliveries have one fingerprint. With the earliest time of the id, its dossier, and how many
-- versions. Only the scope's own rows are read (its partitions): two contents under one sorting key share
-- its time; an id re-sent under another dossier or time is the other uniqueness check's, which reads its
-- copies wherever they lie (reading them here too scanned the whole table a second time per run, and
-- counted such an id twice: last read of the session).
SELECT event_id, argMin(dossier_id, occurred_at) AS first_dossier_id, min(occurred_at) AS first_at,
       uniqExact(fingerprint) AS versions
FROM events
WHERE %(whole)s = 1 OR (occurred_at >= %(start)s AND occurred_at < %(end)s)
GROUP BY event_id
HAVING uniqExact(fingerprint) > 1
ORDER BY event_id
