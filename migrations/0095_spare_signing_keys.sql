-- Key pairs generated ahead of need (in the background), so a new pool's first sign-in takes
-- two from here instead of waiting for two RSA-2048 generations. A pool that takes a pair
-- moves it to pool_signing_keys in the same transaction that removes it from here.
CREATE TABLE spare_signing_keys (
    id INTEGER PRIMARY KEY,
    kid TEXT NOT NULL,
    private_pkcs1_der BLOB NOT NULL,
    created REAL NOT NULL
);
