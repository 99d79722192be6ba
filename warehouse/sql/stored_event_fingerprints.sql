-- Of the dossiers `ids`, the stored events (FINAL: as a re-fold reads them) whose id, fingerprint and text
-- are none of `triples` (a load's events of those dossiers, each as 'event_id<TAB>fingerprint<TAB>md5 of its
-- JSON'): the events the load does not have, those it has with other content (a conflict, unless only
-- pseudonyms differ), and those it has with the same content written otherwise (another UTC offset, a
-- null member left out: the stored text stays). Compared here, not in Python: a load of events the
-- warehouse holds already gets no row back. With their fingerprint and JSON, which the load compares with
-- its own version's.
SELECT dossier_id, event_id, fingerprint, raw
FROM events FINAL
WHERE dossier_id IN %(ids)s
    AND concat(event_id, '\t', fingerprint, '\t', lower(hex(MD5(raw)))) NOT IN %(triples)s
