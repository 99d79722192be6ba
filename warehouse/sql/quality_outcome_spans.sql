-- The reporting-form outcome rows (non-empty intervals, keys in epoch microseconds) of the dossiers the
-- week's form counts, chosen as reporting_form.sql chooses them: by the row that holds the week's last
-- instant (%(t)s), received before the week's end and not ended before its start (all when whole = 1); and
-- whether each dossier has any stored event. The form counts a dossier once at an instant only if its
-- intervals do not overlap, and counts a dossier whose events are gone for nothing. (Chosen by the largest
-- end of any row, a dossier that ended while waiting and was reopened by a completion was left out: review.)
SELECT dossier_id, valid_from_key, valid_to_key,
       toUInt8(dossier_id IN (SELECT dossier_id FROM events)) AS has_events
FROM dossier_outcomes FINAL
WHERE valid_from_key < valid_to_key
  AND (%(whole)s = 1 OR dossier_id IN (
      SELECT dossier_id FROM dossier_outcomes FINAL
      WHERE valid_from_key <= %(t)s AND %(t)s < valid_to_key
        AND received_on < %(end_day)s AND (ended_on IS NULL OR ended_on >= %(start_day)s)))
