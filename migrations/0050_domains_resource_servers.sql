-- User pool domains (prefix or custom) and resource servers. Documents are the API's own types;
-- the columns are what requests look them up by.
CREATE TABLE user_pool_domains (
    domain TEXT PRIMARY KEY NOT NULL,
    pool_id TEXT NOT NULL UNIQUE REFERENCES user_pools(id) ON DELETE CASCADE,
    doc TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE resource_servers (
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    identifier TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (pool_id, identifier)
) WITHOUT ROWID;
