-- The parameters of the leadership reports written (their week), for the console's default week.
SELECT params
FROM report_runs FINAL
WHERE kind = %(kind)s AND status = %(status)s
