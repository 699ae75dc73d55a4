-- New email / phone number values waiting for verification in pools whose
-- UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate lists the attribute:
-- the user keeps the original value until VerifyUserAttribute confirms the new one.
CREATE TABLE pending_attributes (
    pool_id TEXT NOT NULL,
    username TEXT NOT NULL,
    attribute TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (pool_id, username, attribute),
    FOREIGN KEY (pool_id, username) REFERENCES users(pool_id, username)
        ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;
