-- The events dated before `end` (a week's end) stored from `after` on (when its final report was built), and
-- their dossiers: what most often changed a week's figures after its report (pipelines/final_figures.py).
-- Asked only of a week whose figures changed: a scan of the events.
SELECT count() AS events, uniqExact(dossier_id) AS dossiers
FROM events
WHERE occurred_at < %(end)s AND ingested_at >= %(after)s
