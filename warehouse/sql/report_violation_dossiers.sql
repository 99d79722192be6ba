-- How many distinct dossiers have open violations (or findings) per unit for instants in
-- [%(from_s)s, %(to_s)s) (epoch seconds); a dossier belongs to one unit, so units add up.
SELECT unit_code, toString(kind) AS kind, uniqExact(dossier_id) AS dossiers
FROM violations FINAL
WHERE state = 'open'
  AND toUInt32(occurred_at) >= %(from_s)s AND toUInt32(occurred_at) < %(to_s)s
GROUP BY unit_code, kind
ORDER BY unit_code, kind
