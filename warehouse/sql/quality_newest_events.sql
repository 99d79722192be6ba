-- The newest event time of each unit (freshness is about ingestion, so it always reads the whole table).
SELECT unit_code, max(occurred_at) AS newest, count() AS events
FROM events
GROUP BY unit_code
