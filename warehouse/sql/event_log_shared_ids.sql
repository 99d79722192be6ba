-- Event ids stored under more than one dossier (EVENTS.md makes an id unique; the stream path and separate
-- loads can store a reuse: docs/operators-guide.md, "Known limit"). An OCEL log qualifies their events' ids.
SELECT event_id
FROM events
GROUP BY event_id
HAVING uniqExact(dossier_id) > 1
ORDER BY event_id
