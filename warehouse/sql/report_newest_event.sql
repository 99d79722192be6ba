-- The newest event time (to pick the last complete week) and whether there are events at all.
SELECT count(), max(occurred_at)
FROM events
