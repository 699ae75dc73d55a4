-- AdminLinkProviderForUser: an identity at a provider (its subject) that signs in as a
-- native user. Owned by that user's sub: deleting the user removes their links.
CREATE TABLE provider_links (
    pool_id TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    subject TEXT NOT NULL,
    sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
    created REAL NOT NULL,
    PRIMARY KEY (pool_id, provider_name, subject)
) WITHOUT ROWID;

CREATE INDEX provider_links_by_user ON provider_links(sub);
