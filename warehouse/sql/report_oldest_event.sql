-- The oldest event time (a week before it was never loaded: the report says so) and whether there are events.
SELECT count(), min(occurred_at)
FROM events
