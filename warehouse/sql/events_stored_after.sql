-- The events dated before `end` (a week's end) that came in from `after` on (when its final report was
-- begun), and their dossiers, by `ingested_at`: when the source sent them (the stream's record time) or the
-- load began. What most often changed a week's figures after its report (pipelines/final_figures.py); asked
-- only of a week whose figures changed: a scan of the events.
SELECT count() AS events, uniqExact(dossier_id) AS dossiers
FROM events
WHERE occurred_at < %(end)s AND ingested_at >= %(after)s
