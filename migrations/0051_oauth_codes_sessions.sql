-- Authorization codes (single use, short-lived) and hosted-UI sessions: a signed-in browser
-- (kind 'signed_in', about an hour) or a sign-in waiting for a new password ('new_password').
-- Sessions are keyed by the SHA-256 of the cookie / form value, never the value itself.
CREATE TABLE oauth_codes (
    code TEXT PRIMARY KEY NOT NULL,
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    username TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT,
    code_challenge TEXT,
    code_challenge_method TEXT,
    auth_time INTEGER NOT NULL,
    expires INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE hosted_sessions (
    id_sha256 TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    auth_time INTEGER NOT NULL,
    expires INTEGER NOT NULL
) WITHOUT ROWID;

-- The scopes of a sign-in made through /oauth2/token (by its origin_jti), so its refreshes
-- keep them. Families started by the user-pool API have no row (their scope is the API's).
CREATE TABLE oauth_family_scopes (
    origin_jti TEXT PRIMARY KEY NOT NULL,
    scope TEXT NOT NULL
) WITHOUT ROWID;
