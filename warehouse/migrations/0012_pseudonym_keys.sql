-- The pseudonymisation keys the warehouse's applicants are pseudonymised under, by fingerprint (never the
-- key): the newest recorded is the warehouse's key; a command configured with another one is refused before
-- it stores anything (`warehouse.pseudonym_keys`: a restore beside another key mixed two keys unsaid).
CREATE TABLE IF NOT EXISTS pseudonym_keys
(
    fingerprint String,
    recorded_at DateTime('UTC'),
    recorded_us UInt64
)
ENGINE = ReplacingMergeTree(recorded_us)
ORDER BY fingerprint;
