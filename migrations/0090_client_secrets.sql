-- AddUserPoolClientSecret rotation: an app client's current secrets (at most two). Empty for a
-- client that never rotated; its one secret then lives in the client document alone. Once a
-- rotation starts, the document's secret is one of these rows too (the oldest one left).
CREATE TABLE client_secrets (
    client_id TEXT NOT NULL REFERENCES user_pool_clients(client_id) ON DELETE CASCADE,
    secret_id TEXT NOT NULL,
    secret TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (client_id, secret_id)
) WITHOUT ROWID;
