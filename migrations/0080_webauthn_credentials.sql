-- Passkeys registered with CompleteWebAuthnRegistration: one row per credential, keyed by
-- its id within the pool, owned by the user's sub (a re-created user starts without any).
-- `doc` is the JSON `idp::webauthn` owns (COSE public key, relying party, name, transports);
-- the signature counter is a column so a sign-in can advance it with a compare-and-set.
CREATE TABLE webauthn_credentials (
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    doc TEXT NOT NULL,
    sign_count INTEGER NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (pool_id, credential_id)
) WITHOUT ROWID;

CREATE INDEX webauthn_credentials_by_user ON webauthn_credentials (pool_id, sub, created_at);
