-- Whether any stored violation names this unit (a code the catalogue does not know may still have them).
SELECT count() FROM (SELECT 1 FROM violations WHERE unit_code = %(unit)s LIMIT 1)
