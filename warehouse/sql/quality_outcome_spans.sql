-- The reporting-form outcome rows (non-empty intervals) that hold an instant of [start, end) (all when
-- whole = 1), keys in epoch microseconds, and whether their dossier has any stored event: the form counts a
-- dossier once at an instant only if its intervals do not overlap, and counts a dossier whose events are
-- gone for nothing.
SELECT dossier_id, valid_from_key, valid_to_key,
       toUInt8(dossier_id IN (SELECT dossier_id FROM events)) AS has_events
FROM dossier_outcomes FINAL
WHERE valid_from_key < valid_to_key
  AND (%(whole)s = 1 OR (valid_from_key < %(end_key)s AND valid_to_key > %(start_key)s))
