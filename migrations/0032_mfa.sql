-- MFA: the factors a pool offers (SetUserPoolMfaConfig; MfaConfiguration itself stays in the
-- pool document) and each user's factors (by sub, so a re-created user starts clean).
CREATE TABLE pool_mfa (
    pool_id TEXT PRIMARY KEY NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    doc TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE user_mfa (
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    sub TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (pool_id, sub)
) WITHOUT ROWID;
