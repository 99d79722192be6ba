SELECT procedure_code, position, unit_code, level, valid_from, valid_to
FROM publications FINAL
WHERE snapshot = %(snapshot)s
ORDER BY procedure_code, position
