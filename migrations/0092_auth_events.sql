-- Sign-in events of pools with threat protection on (AdminListUserAuthEvents): the event
-- as the API answers it (`doc`), and the token UpdateAuthEventFeedback must present. Owned by
-- the user's sub: deleting the user removes their events.
CREATE TABLE auth_events (
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
    created REAL NOT NULL,
    feedback_token TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (pool_id, event_id)
) WITHOUT ROWID;

CREATE INDEX auth_events_by_user ON auth_events(sub, created DESC, event_id DESC);
