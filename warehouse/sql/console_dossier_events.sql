-- One dossier's stored events in event-time order (the console's evidence timeline). No FINAL: merging
-- the table's parts for one key costs ~15x the read on 10 M events, and the console keeps one row per
-- event id itself (warehouse/console_read.py), as FINAL would.
SELECT event_id, toString(type) AS type, occurred_at, occurred_at_us, unit_code, actor, procedure_code, data,
       raw
FROM events
WHERE dossier_id = %(dossier)s
ORDER BY occurred_at, occurred_at_us, event_id
