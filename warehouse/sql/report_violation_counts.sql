-- Open violations (and findings) per rule, unit and local day (Asia/Ho_Chi_Minh) for instants in
-- [%(from_s)s, %(to_s)s) (epoch seconds). One row per (dossier, rule, trigger event) survives FINAL, so
-- the newest record wins whichever producer (warehouse load or stream detector) wrote it.
SELECT
    rule_id,
    toString(kind) AS kind,
    toString(severity) AS severity,
    unit_code,
    toDate(occurred_at, 'Asia/Ho_Chi_Minh') AS day,
    count() AS violations
FROM violations FINAL
WHERE state = 'open'
  AND toUInt32(occurred_at) >= %(from_s)s AND toUInt32(occurred_at) < %(to_s)s
GROUP BY rule_id, kind, severity, unit_code, day
ORDER BY rule_id, unit_code, day
