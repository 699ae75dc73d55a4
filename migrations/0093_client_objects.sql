-- Objects an app client owns, created by id: terms documents (CreateTerms) and managed login
-- branding styles (CreateManagedLoginBranding). `name` is what must be unique per client
-- (the terms name; '' for branding, one style per client). Deleted with the pool; a client's
-- rows are deleted with the client (store::pools::delete_client).
CREATE TABLE client_objects (
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created REAL NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (pool_id, kind, object_id)
) WITHOUT ROWID;

CREATE UNIQUE INDEX client_objects_by_client ON client_objects(pool_id, kind, client_id, name);
CREATE INDEX client_objects_of_client ON client_objects(client_id);
