-- Open violations whose triggering time is in [start, end) (all when whole = 1), and whether their dossier
-- has any stored event: a report counts each one, and one left behind when its dossier's events were
-- deleted by hand (docs/operators-guide.md, 'Correcting stored events') is counted for nothing.
SELECT dossier_id, rule_id, event_id, toUInt8(dossier_id IN (SELECT dossier_id FROM events)) AS has_events
FROM violations FINAL
WHERE state = 'open' AND (%(whole)s = 1 OR (occurred_at >= %(start)s AND occurred_at < %(end)s))
