-- Of the dossiers the scope's form counts (received before its end, not ended before its start, as
-- quality_dossiers.sql reads them; all when whole = 1), those with an outcome row in force at %(t)s (epoch
-- microseconds: the week's last instant, or the clock's for the whole warehouse). The form counts a dossier
-- by that row: one with a gap in its history there is left out of the week's figures, which no other check
-- saw (review: an outcome row shortened by hand to end before the week's end).
SELECT DISTINCT dossier_id
FROM dossier_outcomes FINAL
WHERE valid_from_key <= %(t)s AND %(t)s < valid_to_key
  AND (%(whole)s = 1 OR dossier_id IN (
      SELECT dossier_id FROM dossiers FINAL
      WHERE received_at < %(end)s AND (end_at IS NULL OR end_at >= %(start)s)))
