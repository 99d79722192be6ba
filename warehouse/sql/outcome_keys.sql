-- Each dossier's stored history keys and the receive date they are sorted under (newest version).
SELECT dossier_id, outcome_received_on, outcome_keys
FROM dossiers FINAL
WHERE dossier_id IN %(ids)s
