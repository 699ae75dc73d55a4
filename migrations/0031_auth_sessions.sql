-- State kept between the calls of a multi-step sign-in: the SRP handshake (found by the
-- SECRET_BLOCK the client echoes back) and challenge sessions (found by the Session string).
-- Only hashes of the handles are stored. Rows expire; expired rows are ignored and pruned.
CREATE TABLE auth_challenges (
    handle_sha256 TEXT PRIMARY KEY NOT NULL,
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    -- The internal username; empty for the decoy handshake of an unknown user.
    username TEXT NOT NULL,
    challenge TEXT NOT NULL,
    -- JSON: what the next step needs (SRP b and B, the user's sub, ...).
    state TEXT NOT NULL,
    expires REAL NOT NULL
) WITHOUT ROWID;

CREATE INDEX auth_challenges_by_expiry ON auth_challenges(expires);

-- Failed sign-ins per user (by sub, so a re-created user starts clean): temporary lockout.
CREATE TABLE sign_in_failures (
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    sub TEXT NOT NULL,
    failures INTEGER NOT NULL,
    locked_until REAL NOT NULL,
    PRIMARY KEY (pool_id, sub)
) WITHOUT ROWID;
