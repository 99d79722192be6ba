-- Whether the warehouse holds any event (one row if so).
SELECT 1
FROM events
LIMIT 1
