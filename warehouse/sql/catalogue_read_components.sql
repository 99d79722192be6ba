SELECT procedure_code, code, name, mandatory, position
FROM components FINAL
WHERE snapshot = %(snapshot)s
ORDER BY procedure_code, position
