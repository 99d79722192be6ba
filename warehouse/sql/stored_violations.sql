-- The stored violations (the newest version of each), as `dossier-audit violations` lists them: open ones
-- unless %(all_states)s = 1, optionally one rule and some units; in (dossier, rule, event) order.
SELECT detail, rule_id, state, dossier_id, event_id, unit_code, occurred_at, producer
FROM violations FINAL
WHERE (%(all_states)s = 1 OR state = 'open')
  AND (%(any_rule)s = 1 OR rule_id = %(rule)s)
  AND (%(all_units)s = 1 OR unit_code IN %(units)s)
ORDER BY dossier_id, rule_id, event_id
