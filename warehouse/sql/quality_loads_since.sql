-- The load-run records (any state) of a second after the newest stored data-quality run for a week
-- ('' = the whole warehouse): how many, and the newest (what was loaded since the checks read the data).
SELECT count(), max(at)
FROM load_runs
WHERE toUInt64(toUnixTimestamp(at)) > intDiv(
    (SELECT max(version) FROM quality_results WHERE week = %(week)s), 1000000)
