-- The weeks of [%(from_s)s, %(to_s)s) (epoch seconds; %(from_s)s a local Monday midnight) that hold any
-- stored event: week_index 0 is the first. The weekly report's averages divide by the weeks with data.
SELECT intDiv(toUInt32(occurred_at) - %(from_s)s, 604800) AS week_index, count() AS events
FROM events
WHERE toUInt32(occurred_at) >= %(from_s)s AND toUInt32(occurred_at) < %(to_s)s
GROUP BY week_index
ORDER BY week_index
