-- Per-pool RSA signing keys: one for ID tokens, one for access tokens (Cognito publishes two
-- kids). Generated on first use; the private key never leaves this table except into memory.
CREATE TABLE pool_signing_keys (
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('id', 'access')),
    kid TEXT NOT NULL,
    private_pkcs1_der BLOB NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (pool_id, purpose)
) WITHOUT ROWID;

-- One row per sign-in: the `origin_jti` every token of that sign-in carries (refreshes keep
-- it). Revoking a family (RevokeToken, GlobalSignOut) stops its refresh tokens and makes
-- Cognito's own APIs reject its access tokens.
CREATE TABLE token_families (
    origin_jti TEXT PRIMARY KEY NOT NULL,
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    username TEXT NOT NULL,
    sub TEXT NOT NULL,
    auth_time INTEGER NOT NULL,
    created REAL NOT NULL,
    revoked_at REAL
) WITHOUT ROWID;

CREATE INDEX token_families_by_user ON token_families(pool_id, username);

-- Refresh tokens, looked up by the SHA-256 of the token string (the string itself is not kept).
CREATE TABLE refresh_tokens (
    token_sha256 TEXT PRIMARY KEY NOT NULL,
    origin_jti TEXT NOT NULL REFERENCES token_families(origin_jti) ON DELETE CASCADE,
    created REAL NOT NULL,
    expires INTEGER NOT NULL,
    -- Set when rotation replaced this token (it then works only within the grace period).
    replaced_at REAL
) WITHOUT ROWID;

CREATE INDEX refresh_tokens_by_family ON refresh_tokens(origin_jti);
