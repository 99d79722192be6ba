-- The fingerprint of the pseudonymisation key recorded last (`warehouse.pseudonym_keys`): the key the
-- warehouse's applicants are pseudonymised under from then on.
SELECT fingerprint
FROM pseudonym_keys
ORDER BY recorded_us DESC, fingerprint
LIMIT 1
