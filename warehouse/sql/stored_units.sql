-- The unit codes the stored dossiers carry: the one asked for (whether a --unit the catalogue does not
-- know has data), or every one (%(all_units)s = 1: the close matches of a unit that has none).
SELECT DISTINCT unit_code
FROM dossiers
WHERE %(all_units)s = 1 OR unit_code = %(unit)s
ORDER BY unit_code
