-- The console's accounts, newest version of each login (all of them, or the one %(login)s names).
SELECT login, toString(role) AS role, unit_code, password_hash, disabled, created_at, updated_at, version,
       sessions_after
FROM console_users FINAL
WHERE (%(any_login)s = 1 OR login = %(login)s)
ORDER BY login
