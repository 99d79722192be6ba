-- The dossiers of the week's reporting form (outcome at epoch µs %(t)s; received before %(end)s and not
-- ended before %(start)s) with no open violation nor finding: the population of the verification sample,
-- dossiers whose stored record should match the paper file. A finding (OLD_DUE_DATE_MISMATCH,
-- EVENT_AFTER_END) put a dossier in section A and in the sample beside it (review of the packs,
-- 2026-12-07). A rule not checkable stays no reason to leave a dossier out: the DVCQG import marks every
-- supplement request's unknown notice so, and the paper file is where that number is checked (last read).
SELECT dossier_id, unit_code
FROM dossier_outcomes FINAL
WHERE valid_from_key <= %(t)s AND %(t)s < valid_to_key
  AND received_on < %(end)s
  AND (ended_on IS NULL OR ended_on >= %(start)s)
  AND dossier_id NOT IN (
      SELECT dossier_id FROM violations FINAL WHERE state = 'open' AND kind IN ('violation', 'finding')
  )
ORDER BY dossier_id
