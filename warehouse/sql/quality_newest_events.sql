-- The newest event time of each unit not after %(now)s, the check's reference (for a week, its end if earlier;
-- freshness is about ingestion, so it always reads the whole table); an event dated later (a typo, a wrong
-- clock, a later week's) would otherwise keep the data "fresh". A unit whose every event is later gets the
-- epoch (1970): not fresh.
SELECT unit_code, maxIf(occurred_at, occurred_at <= %(now)s) AS newest, count() AS events
FROM events
GROUP BY unit_code
