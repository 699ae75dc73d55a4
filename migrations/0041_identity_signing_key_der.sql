-- The identity service's signing key is kept as PKCS#1 DER, like the user pools' keys
-- (crate::crypto::keys). The table of 0040 was never written to.
DROP TABLE identity_signing_keys;

CREATE TABLE identity_signing_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    private_pkcs1_der BLOB NOT NULL,
    created REAL NOT NULL
) WITHOUT ROWID;
