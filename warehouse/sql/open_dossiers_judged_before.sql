-- A page of the dossiers a load may judge differently at `as_of` than when they were last judged, at an
-- instant before it, after `after` in id order (jobs/load_open.py): those still open then (the time since
-- may have made them late: a new due date passed, an apology not sent), and those ended then of which
-- events are stored that came after that instant (a file holding events after its --as-of: the fold saw
-- the dossier's end and not what followed, EVENT_AFTER_END and the rest). Only dossiers of which a load
-- stored events: a dossier only the stream fed is the detector's to judge as time passes, by event time
-- (its sink writes it with no violations). An event in the second the dossier was judged at counts as
-- after it (the tables keep whole seconds): judged again, it is judged the same.
SELECT dossier_id
FROM
(
    SELECT dossier_id, end_type, as_of
    FROM dossiers FINAL
    WHERE as_of < %(as_of)s AND dossier_id > %(after)s
) AS judged
ANY INNER JOIN
(
    SELECT dossier_id, max(occurred_at) AS newest, countIf(NOT startsWith(source, 'kafka:')) AS loaded
    FROM events
    WHERE dossier_id > %(after)s
    GROUP BY dossier_id
) AS stored USING (dossier_id)
WHERE loaded > 0 AND (end_type IS NULL OR newest >= as_of)
ORDER BY dossier_id
LIMIT %(page)s
