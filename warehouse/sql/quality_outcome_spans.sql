-- The reporting-form outcome rows (non-empty intervals, keys in epoch microseconds) of the dossiers the
-- week's form counts, by the rows' own dates: received before the week's end and not ended before its start
-- (all when whole = 1); and whether each dossier has any stored event. The form counts a dossier once at an
-- instant only if its intervals do not overlap, and counts a dossier whose events are gone for nothing.
SELECT dossier_id, valid_from_key, valid_to_key,
       toUInt8(dossier_id IN (SELECT dossier_id FROM events)) AS has_events
FROM dossier_outcomes FINAL
WHERE valid_from_key < valid_to_key
  AND (%(whole)s = 1 OR dossier_id IN (
      SELECT dossier_id FROM dossier_outcomes FINAL
      WHERE valid_from_key < valid_to_key
      GROUP BY dossier_id
      HAVING min(received_on) < %(end_day)s AND (isNull(max(ended_on)) OR max(ended_on) >= %(start_day)s)))
