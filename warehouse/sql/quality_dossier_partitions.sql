-- The partitions of the events topic each dossier's streamed events came through (the `partitions` suite):
-- the sink records an event's `source` as `kafka:<topic>/<partition>`; a load's events (a file's path) are
-- judged whole by the load and not counted. `partitions` is the most of one topic (a topic renamed in the
-- settings is a topic of its own, not a second partition); `sources` names them all. A dossier is in scope
-- when one of its events occurred in [start, end) (all dossiers when whole = 1). substring and
-- splitByChar, not startsWith: ClickHouse 18.16 runs this too.
SELECT dossier_id, max(parts) AS partitions, arrayStringConcat(arraySort(groupArray(named)), ' ') AS sources
FROM (
    SELECT
        dossier_id,
        splitByChar('/', source)[1] AS topic,
        uniqExact(source) AS parts,
        arrayStringConcat(arraySort(groupUniqArray(source)), ' ') AS named
    FROM events FINAL
    WHERE substring(source, 1, 6) = 'kafka:'
      AND (%(whole)s = 1
           OR dossier_id IN (
               SELECT dossier_id FROM events WHERE occurred_at >= %(start)s AND occurred_at < %(end)s
           ))
    GROUP BY dossier_id, topic
)
GROUP BY dossier_id
