SELECT day, is_working_day, kind, name_vi, name_en, replaces, source, confidence
FROM calendar_days FINAL
WHERE snapshot = %(snapshot)s
ORDER BY day
