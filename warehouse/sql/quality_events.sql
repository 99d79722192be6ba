-- Events for the data-quality suites: those that occurred in [start, end) (or all when whole = 1), plus
-- every other stored copy of their event ids, so uniqueness is checked against the whole table.
-- `in_scope` tells the week's own rows from those copies. Channels and transfer targets are read from the
-- event's data JSON (compact, written by the platform) with visitParam functions, which ClickHouse 18.16
-- has too.
SELECT
    event_id,
    dossier_id,
    toString(type) AS type,
    occurred_at,
    occurred_at_us,
    unit_code,
    procedure_code,
    visitParamExtractString(data, 'channel') AS channel,
    visitParamExtractString(data, 'to_unit_code') AS to_unit_code,
    (%(whole)s = 1 OR (occurred_at >= %(start)s AND occurred_at < %(end)s)) AS in_scope
FROM events FINAL
WHERE %(whole)s = 1
   OR event_id IN (SELECT event_id FROM events WHERE occurred_at >= %(start)s AND occurred_at < %(end)s)
