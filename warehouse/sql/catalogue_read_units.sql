SELECT code, name, parent, level, valid_from, valid_to, successor
FROM units FINAL
WHERE snapshot = %(snapshot)s
ORDER BY code
