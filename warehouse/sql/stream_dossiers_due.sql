-- A page of the dossiers a sink folds again because time alone changed their standing (streams/sink/
-- refresh.py), the first `limit` in id order: open when last folded (at `as_of`, whole seconds), with a change
-- point of their outcome history since then, up to `now_us` (the history of an open dossier holds the
-- instant it turns late, a change point ahead of its fold: most of these turned late); fed only by the
-- stream, with events from one of the events partitions the sink owns (`sources`, their
-- kafka:<topic>/<partition>: one owner folds a dossier). A dossier of which a load stored events is the
-- loads' to judge again, with its violations (load_open.sql); a stream-fed one's violations are the
-- detector's, the sink writes its rows alone.
SELECT dossier_id
FROM events
WHERE dossier_id IN
(
    SELECT dossier_id
    FROM dossiers FINAL
    WHERE end_type IS NULL AND as_of < %(now)s
        AND arrayExists(k -> k > toUInt64(toUnixTimestamp(as_of)) * 1000000 AND k <= %(now_us)s, outcome_keys)
)
GROUP BY dossier_id
HAVING countIf(source IN %(sources)s) > 0 AND countIf(NOT startsWith(source, 'kafka:')) = 0
ORDER BY dossier_id
LIMIT %(limit)s
