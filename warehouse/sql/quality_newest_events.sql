-- The newest event time of each unit not after %(now)s, the check's reference (for a week, its end if earlier;
-- freshness is about ingestion, so it always reads the whole table); an event dated later (a typo, a wrong
-- clock, a later week's) would otherwise keep the data "fresh". A unit whose every event is later gets the
-- epoch (1970): not fresh. ``recent``: its events in the 7 days up to the reference; ``windows``: in which
-- of the weeks of 7 days counted back from the reference (bit 0: those 7 days, bit 1: the 7 before, ...,
-- since %(windows_from)s; %(now_s)s is the reference in epoch seconds) it had events (a unit that fell silent: the freshness suite).
SELECT unit_code, maxIf(occurred_at, occurred_at <= %(now)s) AS newest, count() AS events,
       countIf(occurred_at > %(recent_from)s AND occurred_at <= %(now)s) AS recent,
       groupBitOrIf(
           -- A week's bit (kept within 0-63 for the rows the condition leaves out; UInt64 for 18.16).
           toUInt64(bitShiftLeft(toUInt64(1), toUInt8(least(greatest(
               intDiv(%(now_s)s - toInt64(toUInt32(occurred_at)), %(week_seconds)s), 0), 63)))),
           occurred_at > %(windows_from)s AND occurred_at <= %(now)s) AS windows
FROM events
GROUP BY unit_code
