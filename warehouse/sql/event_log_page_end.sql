-- Where the next page of the event log export ends: the dossier id of about the `page`-th event row after
-- `after`, in dossier id order (the primary key's order); no row when fewer remain (the last page).
SELECT dossier_id
FROM events
WHERE dossier_id > %(after)s
ORDER BY dossier_id
LIMIT %(page)s, 1
