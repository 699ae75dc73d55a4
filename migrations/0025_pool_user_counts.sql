-- Users per pool (DescribeUserPool's EstimatedNumberOfUsers) kept by triggers, so reading
-- it does not count a million index entries. Every writer of `users` is covered, including
-- cascades from deleting a pool.
CREATE TABLE pool_user_counts (
    pool_id TEXT PRIMARY KEY NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    users INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO pool_user_counts (pool_id, users)
SELECT pool_id, count(*) FROM users GROUP BY pool_id;

CREATE TRIGGER users_count_insert AFTER INSERT ON users
BEGIN
    INSERT INTO pool_user_counts (pool_id, users) VALUES (NEW.pool_id, 1)
        ON CONFLICT (pool_id) DO UPDATE SET users = users + 1;
END;

CREATE TRIGGER users_count_delete AFTER DELETE ON users
BEGIN
    UPDATE pool_user_counts SET users = users - 1 WHERE pool_id = OLD.pool_id;
END;
