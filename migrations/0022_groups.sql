-- User pool groups and memberships.
CREATE TABLE user_groups (
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    precedence INTEGER,
    created REAL NOT NULL,
    -- The GroupType document as the API returns it.
    doc TEXT NOT NULL,
    PRIMARY KEY (pool_id, name)
) WITHOUT ROWID;

CREATE TABLE user_group_members (
    pool_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    username TEXT NOT NULL,
    PRIMARY KEY (pool_id, group_name, username),
    FOREIGN KEY (pool_id, group_name) REFERENCES user_groups(pool_id, name) ON DELETE CASCADE,
    FOREIGN KEY (pool_id, username) REFERENCES users(pool_id, username) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX user_group_members_by_user ON user_group_members(pool_id, username);
