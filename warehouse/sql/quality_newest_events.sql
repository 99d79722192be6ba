-- The newest event time of each unit not after %(now)s (freshness is about ingestion, so it always reads the
-- whole table); an event dated later (a typo, a wrong clock) would otherwise keep every week "fresh". A unit
-- whose every event is later gets the epoch (1970): not fresh.
SELECT unit_code, maxIf(occurred_at, occurred_at <= %(now)s) AS newest, count() AS events
FROM events
GROUP BY unit_code
