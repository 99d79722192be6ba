SELECT code, name, field_code, max_amount, max_unit, financial_obligation, weight, source
FROM procedures FINAL
WHERE snapshot = %(snapshot)s
ORDER BY code
