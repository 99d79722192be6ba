-- Of the dossiers `ids`, the stored events (FINAL: as a re-fold reads them) whose id and fingerprint are
-- none of `pairs` (a load's events of those dossiers, each as 'event_id<TAB>fingerprint'): the events the
-- load does not have, and those it has with other content (a conflict, unless only pseudonyms differ).
-- Compared here, not in Python: a load of events the warehouse holds already gets no row back. With its
-- JSON, which the load compares with its own version's when only pseudonyms may differ.
SELECT dossier_id, event_id, raw
FROM events FINAL
WHERE dossier_id IN %(ids)s AND concat(event_id, '\t', fingerprint) NOT IN %(pairs)s
