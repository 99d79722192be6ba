-- Stored rows per table of the database (active parts: row versions a merge has not yet collapsed are
-- counted too). Cheap at any size, unlike counting FINAL; tables without a part yet are added as 0.
SELECT table, sum(rows)
FROM system.parts
WHERE database = currentDatabase() AND active
GROUP BY table
ORDER BY table
