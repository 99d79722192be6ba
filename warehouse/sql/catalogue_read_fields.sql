SELECT code, name
FROM fields FINAL
WHERE snapshot = %(snapshot)s
ORDER BY code
