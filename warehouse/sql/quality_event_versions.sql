-- The event ids in scope (those of events that occurred in [start, end), all when whole = 1) stored with
-- more than one content (fingerprint), read from the raw table: FINAL merges the rows of one sorting key
-- (dossier, time, event_id) whatever their content, so a conflicting copy under the same key left one of
-- the two, which one depending on merges, and the uniqueness check on FINAL rows never saw it (review).
-- Exact re-deliveries have one fingerprint. With the earliest time of the id, its dossier, and how many
-- versions.
SELECT event_id, argMin(dossier_id, occurred_at) AS first_dossier_id, min(occurred_at) AS first_at,
       uniqExact(fingerprint) AS versions
FROM events
WHERE %(whole)s = 1
   OR event_id IN (SELECT event_id FROM events WHERE occurred_at >= %(start)s AND occurred_at < %(end)s)
GROUP BY event_id
HAVING uniqExact(fingerprint) > 1
ORDER BY event_id
