-- How many of the week's open violations (not findings: as section II counts them) each rulebook version judged, for instants in
-- [%(from_s)s, %(to_s)s) (epoch seconds): a report says when they come from more than one.
SELECT rulebook_version, count() AS n
FROM violations FINAL
WHERE state = 'open' AND kind = 'violation'
  AND toUInt32(occurred_at) >= %(from_s)s AND toUInt32(occurred_at) < %(to_s)s
GROUP BY rulebook_version
ORDER BY rulebook_version
