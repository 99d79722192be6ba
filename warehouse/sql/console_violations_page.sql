-- The console's violations list (console/): one page of the violations and findings (newest version of
-- each; not_checkable records are not violations) matching the filters, in the order %(sort)s names.
-- A filter is off when its any_/all_ flag is 1; keys_mode 1 keeps only the case keys in %(keys)s (each as
-- warehouse.cases.key_text writes it, bound as one string), 2 leaves them out (the case-state filter,
-- folded in Python); the dossier search matches any part of an id, in
-- any case (an inspector types the number they see on a paper form, not its prefix).
SELECT dossier_id, rule_id, event_id, unit_code, toString(severity) AS severity, toString(kind) AS kind,
       toString(state) AS state, occurred_at, rulebook_version, procedure_code
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
ORDER BY
    if(%(sort)s = 'severity', multiIf(severity = 'high', 3, severity = 'medium', 2, 1), 0) DESC,
    if(%(sort)s = 'unit', unit_code, '') ASC,
    if(%(sort)s = 'rule', rule_id, '') ASC,
    if(%(sort)s = 'dossier', dossier_id, '') ASC,
    if(%(sort)s = 'oldest', toUInt32(occurred_at), 0) ASC,
    occurred_at DESC, dossier_id, rule_id, event_id
LIMIT %(offset)s, %(limit)s
