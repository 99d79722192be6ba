-- How many violations the console's list filters match (the same conditions as console_violations_page),
-- and how many of them are data findings (no violation: the list says them apart).
SELECT count(), countIf(toString(kind) = 'finding')
FROM violations FINAL
WHERE (state = 'open' OR %(with_retracted)s = 1)
  AND toString(kind) != 'not_checkable'
  AND (%(all_units)s = 1 OR unit_code IN %(units)s)
  AND (%(any_rule)s = 1 OR rule_id = %(rule)s)
  AND (%(any_severity)s = 1 OR toString(severity) = %(severity)s)
  AND (%(any_week)s = 1 OR (toUInt32(occurred_at) >= %(from_s)s AND toUInt32(occurred_at) < %(to_s)s))
  AND (%(dossier)s = '' OR positionCaseInsensitiveUTF8(dossier_id, %(dossier)s) > 0)
  AND (%(keys_mode)s = 0 OR (concat(toString(length(dossier_id)), ':', dossier_id, rule_id, '|', event_id)
                             IN %(keys)s) = (%(keys_mode)s = 1))
