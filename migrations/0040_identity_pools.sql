-- Identity pools (Cognito Federated Identities). The pool's settings, its roles and role
-- mappings, and its principal-tag maps are kept as the API's own documents.
CREATE TABLE identity_pools (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    created REAL NOT NULL,
    doc TEXT NOT NULL,
    -- {"Roles": {...}, "RoleMappings": {...}} as SetIdentityPoolRoles gave them.
    roles TEXT NOT NULL DEFAULT '{}',
    -- {"<provider>": {"UseDefaults": bool, "PrincipalTags": {...}}}
    principal_tags TEXT NOT NULL DEFAULT '{}'
) WITHOUT ROWID;

-- Identities: one row per IdentityId.
CREATE TABLE identities (
    identity_id TEXT PRIMARY KEY NOT NULL,
    pool_id TEXT NOT NULL REFERENCES identity_pools(id) ON DELETE CASCADE,
    created REAL NOT NULL,
    modified REAL NOT NULL
) WITHOUT ROWID;

CREATE INDEX identities_by_pool ON identities(pool_id, identity_id);

-- Logins linked to identities: a provider (a user pool's provider name, a developer provider
-- name, ...) and the user's id there (the token's `sub`, a developer user identifier).
-- The same user always gets the same identity.
CREATE TABLE identity_logins (
    pool_id TEXT NOT NULL REFERENCES identity_pools(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    identity_id TEXT NOT NULL REFERENCES identities(identity_id) ON DELETE CASCADE,
    created REAL NOT NULL,
    PRIMARY KEY (pool_id, provider, subject)
) WITHOUT ROWID;

CREATE INDEX identity_logins_by_identity ON identity_logins(identity_id, provider);

-- Credentials handed out by GetCredentialsForIdentity, so tests can see which role an
-- identity got. The secret key and session token are not kept.
CREATE TABLE identity_credentials (
    access_key_id TEXT PRIMARY KEY NOT NULL,
    identity_id TEXT NOT NULL,
    pool_id TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    issued REAL NOT NULL,
    expiration REAL NOT NULL
) WITHOUT ROWID;

CREATE INDEX identity_credentials_by_identity ON identity_credentials(identity_id, issued);

-- The identity service's signing key (GetOpenIdToken), generated on first use.
CREATE TABLE identity_signing_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    private_key_pem TEXT NOT NULL,
    created REAL NOT NULL
) WITHOUT ROWID;
