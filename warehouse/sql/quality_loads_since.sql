-- The load-run records (any state) of a second after the one the newest stored data-quality run for a week
-- ('' = the whole warehouse) began reading in (its version): how many, and the newest.
SELECT count(), max(at)
FROM load_runs
WHERE state NOT IN ('alive', 'refused')  -- a running load's signs of life, a load that loaded nothing
  AND toUInt64(toUnixTimestamp(at)) > intDiv(
    (SELECT max(version) FROM quality_results WHERE week = %(week)s), 1000000)
