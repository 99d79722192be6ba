-- The detector's state (open or retracted) of the violations of the case keys %(keys)s (each as its text,
-- `warehouse.cases.key_text`), in the dossiers %(dossiers)s (the primary key's first column, which narrows the
-- read): a retracted one closes its case. Bound as two strings rather than a tuple literal of 12,000 keys,
-- whose binding and parsing held the console's lock some 0.5 s at every sync (review of the console's scale).
-- The key text reads only the sorting key's columns: it keeps or drops every version of a row together.
SELECT dossier_id, rule_id, event_id, toString(state) AS state, rulebook_version, unit_code
FROM violations FINAL
WHERE dossier_id IN %(dossiers)s
  AND concat(toString(length(dossier_id)), ':', dossier_id, rule_id, '|', event_id) IN %(keys)s
