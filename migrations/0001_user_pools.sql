-- User pools and app clients. Their settings are kept as the API's own documents (Cognito
-- returns them as given); the columns are what requests look them up by.
CREATE TABLE user_pools (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    created REAL NOT NULL,
    doc TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE user_pool_clients (
    client_id TEXT PRIMARY KEY NOT NULL,
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created REAL NOT NULL,
    doc TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX user_pool_clients_by_pool ON user_pool_clients(pool_id, client_id);
