-- The results of the newest stored data-quality run for a week ('' = the whole warehouse), in run order.
SELECT suite, expectation, column_name, success, blocking, unexpected_count, element_count,
       message_vi, message_en, details, checked_at
FROM quality_results FINAL
WHERE week = %(week)s
  AND run_id IN (SELECT argMax(run_id, version) FROM quality_results WHERE week = %(week)s)
ORDER BY position
