-- Devices a user signed in from (device tracking, "remembered devices"). A row is created when
-- a sign-in hands out NewDeviceMetadata; ConfirmDevice stores the device's SRP salt and
-- verifier (NULL until then: an unconfirmed key cannot sign in). Owned by the user's `sub`, so
-- deleting the user deletes their devices and a re-created user starts with none.
CREATE TABLE devices (
    pool_id TEXT NOT NULL,
    device_key TEXT NOT NULL,
    sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
    group_key TEXT NOT NULL,
    name TEXT,
    salt BLOB,
    verifier BLOB,
    remembered INTEGER NOT NULL DEFAULT 0,
    last_ip TEXT,
    created REAL NOT NULL,
    modified REAL NOT NULL,
    last_authenticated REAL NOT NULL,
    PRIMARY KEY (pool_id, device_key)
) WITHOUT ROWID;

CREATE INDEX devices_by_owner ON devices(sub, created);

-- The device a sign-in proved (or was given), so refreshed access tokens keep `device_key`.
ALTER TABLE token_families ADD COLUMN device_key TEXT;
