-- A user pool's identity providers (OIDC, SAML, social). The document is the API's own
-- IdentityProviderType; the columns are what requests look it up by.
CREATE TABLE identity_providers (
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    provider_name TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (pool_id, provider_name)
) WITHOUT ROWID;
