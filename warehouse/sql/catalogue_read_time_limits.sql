SELECT procedure_code, position, valid_from, max_amount, max_unit
FROM procedure_time_limits FINAL
WHERE snapshot = %(snapshot)s
ORDER BY procedure_code, position
