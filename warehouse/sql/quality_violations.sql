-- Stored violations (newest version) whose triggering time is in [start, end) (all when whole = 1).
SELECT dossier_id, rule_id, event_id, toString(kind) AS kind, toString(severity) AS severity,
       rulebook_version, toString(state) AS state
FROM violations FINAL
WHERE %(whole)s = 1 OR (occurred_at >= %(start)s AND occurred_at < %(end)s)
