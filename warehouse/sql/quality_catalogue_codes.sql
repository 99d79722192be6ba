-- The unit and procedure codes of the newest catalogue snapshot stored in the warehouse.
SELECT 'unit' AS kind, code FROM units WHERE snapshot = %(snapshot)s
UNION ALL
SELECT 'procedure' AS kind, code FROM procedures WHERE snapshot = %(snapshot)s
