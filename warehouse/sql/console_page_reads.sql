-- Who read a dossier, newest first (the trail of reads of personal data).
SELECT login, role, via, at
FROM page_reads
WHERE dossier_id = %(dossier)s
ORDER BY at DESC, login
LIMIT %(limit)s
