-- Users of user pools. `username` is the internal name (USER_ID_FOR_SRP, `cognito:username`);
-- for pools whose UsernameAttributes are email/phone it is the `sub`. `username_key` is what a
-- sign-in name is matched against: the username lowercased when the pool's
-- UsernameConfiguration.CaseSensitive is false, the username itself otherwise.
CREATE TABLE users (
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL,
    sub TEXT NOT NULL,
    status TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    -- [[name, value], ...] in the order Cognito lists them.
    attributes TEXT NOT NULL,
    password_salt TEXT,
    password_verifier TEXT,
    created REAL NOT NULL,
    modified REAL NOT NULL,
    -- Lowercased copies of the attributes sign-in, aliases and ListUsers filters look up.
    email TEXT,
    email_verified INTEGER NOT NULL DEFAULT 0,
    phone_number TEXT,
    phone_number_verified INTEGER NOT NULL DEFAULT 0,
    preferred_username TEXT,
    PRIMARY KEY (pool_id, username_key)
) WITHOUT ROWID;

CREATE UNIQUE INDEX users_by_username ON users(pool_id, username);
CREATE UNIQUE INDEX users_by_sub ON users(sub);
CREATE INDEX users_by_email ON users(pool_id, email) WHERE email IS NOT NULL;
CREATE INDEX users_by_phone ON users(pool_id, phone_number) WHERE phone_number IS NOT NULL;
CREATE INDEX users_by_preferred_username ON users(pool_id, preferred_username)
    WHERE preferred_username IS NOT NULL;

-- One live code per user and purpose ('signup', 'forgot_password', 'verify:<attribute>').
CREATE TABLE user_codes (
    pool_id TEXT NOT NULL,
    username TEXT NOT NULL,
    purpose TEXT NOT NULL,
    code TEXT NOT NULL,
    expires REAL NOT NULL,
    PRIMARY KEY (pool_id, username, purpose),
    FOREIGN KEY (pool_id, username) REFERENCES users(pool_id, username)
        ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;
