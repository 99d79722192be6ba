-- The last dossier id the event log export reads (the export covers the dossiers up to it, as they stand
-- when it starts), and how many event rows there are (merged or not): zero for an empty warehouse.
SELECT max(dossier_id), count()
FROM events
