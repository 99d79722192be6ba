SELECT count(), uniqExact(dossier_id), max(occurred_at)
FROM events FINAL
