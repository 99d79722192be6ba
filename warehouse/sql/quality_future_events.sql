-- Events dated after %(latest)s (the checking clock plus the skew it allows), whatever the scope: a dossier
-- dated wholly in the future has no event in the weeks checked before its dates and is open in none of them,
-- and once its dates have passed it is no longer in the future, so only a check of every event finds it
-- (review: a W41 dossier moved to December passed every weekly check). Bounded: at most %(limit)s events,
-- the earliest first, and `total`, how many there are. Partitions by month of occurred_at: only the months
-- after the clock are read.
SELECT event_id, dossier_id, occurred_at,
       (SELECT count() FROM events FINAL WHERE occurred_at > %(latest)s) AS total
FROM events FINAL
WHERE occurred_at > %(latest)s
ORDER BY occurred_at, event_id
LIMIT %(limit)s
