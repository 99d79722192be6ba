-- Of the dossiers `ids` (new to a load when it started), those that now hold events another writer stored
-- meanwhile (the stream sink, another load): their fold must read the warehouse, not the load's file alone.
SELECT DISTINCT dossier_id
FROM events
WHERE dossier_id IN %(ids)s AND NOT (source = %(source)s AND ingested_at = %(ingested_at)s)
