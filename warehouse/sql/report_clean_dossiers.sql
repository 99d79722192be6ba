-- The dossiers of the week's reporting form (outcome at epoch µs %(t)s; received before %(end)s and not
-- ended before %(start)s) with no open violation at all: the population of the verification sample.
SELECT dossier_id, unit_code
FROM dossier_outcomes FINAL
WHERE valid_from_key <= %(t)s AND %(t)s < valid_to_key
  AND received_on < %(end)s
  AND (ended_on IS NULL OR ended_on >= %(start)s)
  AND dossier_id NOT IN (
      SELECT dossier_id FROM violations FINAL WHERE state = 'open' AND kind = 'violation'
  )
ORDER BY dossier_id
