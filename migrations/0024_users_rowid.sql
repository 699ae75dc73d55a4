-- migrate: foreign_keys=off
-- Rebuilds `users` as an ordinary rowid table. As a WITHOUT ROWID table its ~1.2 KB rows each
-- spilled onto an overflow page (about 4.5 KB of database per user). The SRP salt and verifier
-- become BLOBs (the big-endian bytes of the hex the password code produces; a value whose hex
-- is not in that canonical form stays TEXT, so reading it back gives the same string).
-- `name`, `given_name` and `family_name` get columns (kept in sync with `attributes` by the
-- store) so ListUsers can filter on them through an index. Every filterable column has an
-- index ordered by (column, username), the order ListUsers pages through.
-- user_codes, user_group_members and pending_attributes reference users(pool_id, username):
-- this runs with foreign keys off, and the runner checks them before it commits.
CREATE TABLE users_new (
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL,
    sub TEXT NOT NULL,
    status TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    -- [[name, value], ...] in the order Cognito lists them.
    attributes TEXT NOT NULL,
    password_salt,
    password_verifier,
    created REAL NOT NULL,
    modified REAL NOT NULL,
    -- Lowercased copies of the attributes sign-in, aliases and ListUsers filters look up.
    email TEXT,
    email_verified INTEGER NOT NULL DEFAULT 0,
    phone_number TEXT,
    phone_number_verified INTEGER NOT NULL DEFAULT 0,
    preferred_username TEXT,
    -- Copies, as given, of the other attributes ListUsers filters on.
    name TEXT,
    given_name TEXT,
    family_name TEXT
);

INSERT INTO users_new (pool_id, username, username_key, sub, status, enabled, attributes,
    password_salt, password_verifier, created, modified, email, email_verified, phone_number,
    phone_number_verified, preferred_username, name, given_name, family_name)
SELECT pool_id, username, username_key, sub, status, enabled, attributes,
    CASE WHEN password_salt GLOB '[1-9a-f]*' AND NOT password_salt GLOB '*[^0-9a-f]*'
        THEN unhex(substr('0', 1, length(password_salt) % 2) || password_salt)
        ELSE password_salt END,
    CASE WHEN password_verifier GLOB '[1-9a-f]*' AND NOT password_verifier GLOB '*[^0-9a-f]*'
        THEN unhex(substr('0', 1, length(password_verifier) % 2) || password_verifier)
        ELSE password_verifier END,
    created, modified, email, email_verified, phone_number, phone_number_verified,
    preferred_username,
    (SELECT j.value ->> 1 FROM json_each(users.attributes) j WHERE j.value ->> 0 = 'name'),
    (SELECT j.value ->> 1 FROM json_each(users.attributes) j WHERE j.value ->> 0 = 'given_name'),
    (SELECT j.value ->> 1 FROM json_each(users.attributes) j WHERE j.value ->> 0 = 'family_name')
FROM users;

DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

CREATE UNIQUE INDEX users_by_key ON users(pool_id, username_key);
CREATE UNIQUE INDEX users_by_username ON users(pool_id, username);
CREATE UNIQUE INDEX users_by_sub ON users(sub);
CREATE INDEX users_by_email ON users(pool_id, email, username) WHERE email IS NOT NULL;
CREATE INDEX users_by_phone ON users(pool_id, phone_number, username)
    WHERE phone_number IS NOT NULL;
CREATE INDEX users_by_preferred_username ON users(pool_id, preferred_username, username)
    WHERE preferred_username IS NOT NULL;
CREATE INDEX users_by_status ON users(pool_id, status, username);
CREATE INDEX users_by_enabled ON users(pool_id, enabled, username);
CREATE INDEX users_by_name ON users(pool_id, name, username) WHERE name IS NOT NULL;
CREATE INDEX users_by_given_name ON users(pool_id, given_name, username)
    WHERE given_name IS NOT NULL;
CREATE INDEX users_by_family_name ON users(pool_id, family_name, username)
    WHERE family_name IS NOT NULL;

-- The store's own writes set name / given_name / family_name with the attributes; this keeps
-- them right for any other writer that inserts users with the attributes only (bulk import).
CREATE TRIGGER users_name_columns AFTER INSERT ON users
WHEN NEW.name IS NULL AND NEW.given_name IS NULL AND NEW.family_name IS NULL
    AND (instr(NEW.attributes, '["name",') OR instr(NEW.attributes, '["given_name",')
        OR instr(NEW.attributes, '["family_name",'))
BEGIN
    UPDATE users SET
        name = (SELECT j.value ->> 1 FROM json_each(NEW.attributes) j
            WHERE j.value ->> 0 = 'name'),
        given_name = (SELECT j.value ->> 1 FROM json_each(NEW.attributes) j
            WHERE j.value ->> 0 = 'given_name'),
        family_name = (SELECT j.value ->> 1 FROM json_each(NEW.attributes) j
            WHERE j.value ->> 0 = 'family_name')
    WHERE rowid = NEW.rowid;
END;
