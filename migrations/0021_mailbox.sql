-- The dev mailbox: every message Cognito would have sent, in the order sent.
CREATE TABLE mailbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pool_id TEXT NOT NULL,
    username TEXT NOT NULL,
    recipient TEXT NOT NULL,
    medium TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT,
    body TEXT NOT NULL,
    code TEXT,
    created_at REAL NOT NULL
);

CREATE INDEX mailbox_by_recipient ON mailbox(recipient, id);
CREATE INDEX mailbox_by_pool ON mailbox(pool_id, username, id);
