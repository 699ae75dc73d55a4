-- Settings the API keeps per pool or per app client and answers back (session configuration,
-- risk configuration, log delivery, UI customization): one JSON document per (pool, kind,
-- client), client_id '' for the pool itself. Deleted with the pool; a client's rows are deleted
-- with the client (idp::clients).
CREATE TABLE pool_settings (
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    client_id TEXT NOT NULL,
    updated REAL NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (pool_id, kind, client_id)
) WITHOUT ROWID;

CREATE INDEX pool_settings_by_client ON pool_settings(client_id);
