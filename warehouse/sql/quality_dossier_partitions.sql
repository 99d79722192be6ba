-- The partitions of the events topic each dossier's streamed events came through (the `partitions` suite):
-- the sink records an event's `source` as `kafka:<topic>/<partition>`; a load's events (a file's path) are
-- judged whole by the load and not counted. A dossier is in scope when one of its events occurred in
-- [start, end) (all dossiers when whole = 1). substring, not startsWith: ClickHouse 18.16 runs this too.
SELECT
    dossier_id,
    uniqExact(source) AS partitions,
    arrayStringConcat(arraySort(groupUniqArray(source)), ' ') AS sources
FROM events FINAL
WHERE substring(source, 1, 6) = 'kafka:'
  AND (%(whole)s = 1
       OR dossier_id IN (SELECT dossier_id FROM events WHERE occurred_at >= %(start)s AND occurred_at < %(end)s))
GROUP BY dossier_id
