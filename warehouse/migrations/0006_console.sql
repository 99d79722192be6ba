-- The inspector's console (issue 16): its accounts, the case work on each violation, and who read which
-- dossier. Portable: ClickHouse 18.16 (Debian's server) and 26.x (chdb).

-- Accounts as versioned rows: `users add` and `users disable` append a newer version of the login's row,
-- the newest wins (read FINAL). The password is an Argon2id hash, never the password. `sessions_after`
-- (epoch milliseconds): sessions issued before it are over (a logout or a password change appends a row).
CREATE TABLE IF NOT EXISTS console_users
(
    login String,
    role Enum8('inspector' = 1, 'unit' = 2, 'leader' = 3, 'admin' = 4),
    unit_code String,
    password_hash String,
    disabled UInt8,
    created_at DateTime('UTC'),
    updated_at DateTime('UTC'),
    version UInt64,
    sessions_after UInt64 DEFAULT 0
)
ENGINE = ReplacingMergeTree(version)
ORDER BY login;

-- Case work, event-sourced: one row per action on the case of one violation (dossier_id, rule_id,
-- event_id) under its rulebook version. Append-only (plain MergeTree, no version column): the case state
-- is a fold of these rows (inspections/cases.py); nothing in the platform updates or deletes them.
CREATE TABLE IF NOT EXISTS case_events
(
    case_event_id String,
    dossier_id String,
    rule_id String,
    event_id String,
    rulebook_version String,
    unit_code String,
    action Enum8(
        'confirm' = 1, 'dismiss' = 2, 'request_explanation' = 3, 'explain' = 4, 'conclude' = 5,
        'close_retracted' = 6, 'reopen' = 7
    ),
    actor String,
    actor_role String,
    at DateTime('UTC'),
    at_us UInt32,
    reason_code String,
    note String,
    notice_number String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (dossier_id, rule_id, event_id, at, at_us, case_event_id);

-- Every read of a dossier (page or API) by whom: the dossiers hold personal data (pseudonymised).
CREATE TABLE IF NOT EXISTS page_reads
(
    login String,
    role String,
    dossier_id String,
    via String,
    at DateTime('UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (at, login, dossier_id);
