-- How many event rows the warehouse holds (merged or not): a load sizes its reading of the stored dossiers.
SELECT count()
FROM events
