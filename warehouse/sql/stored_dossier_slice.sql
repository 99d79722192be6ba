-- One of `parts` slices (by a hash of the id) of the dossiers the warehouse holds events of: a load reads
-- them slice by slice, before it stores anything, to know which dossiers of its file to read back.
SELECT DISTINCT dossier_id
FROM events
WHERE modulo(cityHash64(dossier_id), %(parts)s) = %(part)s
