-- The national reporting form for [start, end): each dossier's outcome at the last instant of the period
-- (epoch microseconds %(t)s) is its newest generation's latest history row at or before it.
-- argMax skips NULLs; that is harmless here because ended_on and returned_channel, once set, stay set.
SELECT
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
FROM
(
    SELECT
        dossier_id,
        argMax(unit_code, valid_from_key) AS unit_code,
        argMax(received_on, valid_from_key) AS received_on,
        argMax(channel, valid_from_key) AS channel,
        argMax(ended_on, valid_from_key) AS ended_on,
        argMax(status, valid_from_key) AS status,
        argMax(working_days, valid_from_key) AS working_days,
        argMax(returned_channel, valid_from_key) AS returned_channel
    FROM dossier_outcomes
    WHERE (dossier_id, generation) IN
        (SELECT dossier_id, max(generation) FROM dossier_outcomes GROUP BY dossier_id)
      AND valid_from_key <= %(t)s
    GROUP BY dossier_id
)
WHERE received_on < %(end)s
  AND (ended_on IS NULL OR ended_on >= %(start)s)
  AND (%(all_units)s = 1 OR unit_code IN %(units)s)
