-- The newest event time of each unit not after %(now)s, the check's reference (for a week, its end if earlier;
-- freshness is about ingestion, so it always reads the whole table); an event dated later (a typo, a wrong
-- clock, a later week's) would otherwise keep the data "fresh". A unit whose every event is later gets the
-- epoch (1970): not fresh. ``recent``: its events in the 7 days up to the reference; ``weeks_before``: in
-- how many of the 4 weeks of 7 days before those it had events (a unit that fell silent: the freshness
-- suite).
SELECT unit_code, maxIf(occurred_at, occurred_at <= %(now)s) AS newest, count() AS events,
       countIf(occurred_at > %(recent_from)s AND occurred_at <= %(now)s) AS recent,
       toUInt8(countIf(occurred_at > %(first_from)s AND occurred_at <= %(recent_from)s) > 0)
       + toUInt8(countIf(occurred_at > %(second_from)s AND occurred_at <= %(first_from)s) > 0)
       + toUInt8(countIf(occurred_at > %(third_from)s AND occurred_at <= %(second_from)s) > 0)
       + toUInt8(countIf(occurred_at > %(fourth_from)s AND occurred_at <= %(third_from)s) > 0) AS weeks_before
FROM events
GROUP BY unit_code
