-- The national reporting form for [start, end) per (unit, field, procedure): the finest grouping, which
-- the report sums up per unit, field, procedure and province (every figure is additive). Same semantics
-- as reporting_form.sql: each dossier's outcome at the last instant of the period (epoch µs %(t)s).
SELECT
    unit_code,
    field_code,
    procedure_code,
    countIf(received_on < %(start)s) AS carried_over,
    countIf(received_on >= %(start)s AND channel = 'online') AS new_online,
    countIf(received_on >= %(start)s AND channel != 'online') AS new_direct_postal,
    countIf(ended_on IS NOT NULL AND status = 'early') AS resolved_early,
    countIf(ended_on IS NOT NULL AND status = 'on_time') AS resolved_on_time,
    countIf(ended_on IS NOT NULL AND status = 'late') AS resolved_late,
    countIf(ended_on IS NULL AND status != 'late') AS in_progress_within_time,
    countIf(ended_on IS NULL AND status = 'late') AS in_progress_overdue,
    sumIf(working_days, ended_on IS NOT NULL) AS resolved_working_days,
    countIf(ended_on IS NOT NULL AND returned_channel IS NOT NULL) AS resolved_returned,
    countIf(ended_on IS NOT NULL AND returned_channel = 'postal') AS resolved_returned_postal
FROM dossier_outcomes FINAL
WHERE valid_from_key <= %(t)s AND %(t)s < valid_to_key
  AND received_on < %(end)s
  AND (ended_on IS NULL OR ended_on >= %(start)s)
GROUP BY unit_code, field_code, procedure_code
ORDER BY unit_code, field_code, procedure_code
