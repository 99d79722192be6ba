-- The units of the newest catalogue snapshot stored in the warehouse that a reform ended, with the first
-- day they no longer exist (valid on [valid_from, valid_to)).
SELECT code, valid_to FROM units WHERE snapshot = %(snapshot)s AND valid_to IS NOT NULL
