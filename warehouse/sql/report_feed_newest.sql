-- The newest event time of each feed at or before %(as_of_s)s (epoch seconds): a feed is the event's
-- source system (source.system in the stored event) or, for an event without one, its unit. Events after
-- the as-of instant (future-dated) are left out. visitParamExtract* run on chdb and ClickHouse 18.16 alike.
SELECT feed, max(occurred_at) AS newest
FROM
(
    SELECT
        visitParamExtractString(visitParamExtractRaw(raw, 'source'), 'system') AS system,
        if(system = '', concat('unit:', unit_code), concat('system:', system)) AS feed,
        occurred_at
    FROM events
    WHERE toUInt32(occurred_at) <= %(as_of_s)s
)
GROUP BY feed
ORDER BY feed
