//! OAuth state: user pool domains, resource servers, authorization codes and hosted-UI browser
//! sessions. Domains and resource servers are kept as their API documents.

use super::Store;
use super::documents::{DocTable, to_json};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;

/// Domain names are unique, and a pool has at most one.
const DOMAINS: DocTable = DocTable {
    table: "user_pool_domains",
    key: "domain",
};

/// Identifiers are unique within a pool.
const RESOURCE_SERVERS: DocTable = DocTable {
    table: "resource_servers",
    key: "identifier",
};

/// Why a domain could not be inserted.
#[derive(Debug)]
pub enum DomainConflict {
    /// Another pool (or this one) already has this domain.
    DomainTaken,
    /// The pool already has a domain.
    PoolHasDomain,
}

impl Store {
    /// Inserts a domain; `Ok(Err(..))` says which uniqueness rule it broke.
    pub async fn insert_domain<T: Serialize>(
        &self,
        domain: &str,
        pool_id: &str,
        doc: &T,
    ) -> Result<Result<(), DomainConflict>, sqlx::Error> {
        let mut tx = self.write.begin().await?;
        let taken = sqlx::query("SELECT 1 FROM user_pool_domains WHERE domain = ?")
            .bind(domain)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Ok(Err(DomainConflict::DomainTaken));
        }
        let has = sqlx::query("SELECT 1 FROM user_pool_domains WHERE pool_id = ?")
            .bind(pool_id)
            .fetch_optional(&mut *tx)
            .await?;
        if has.is_some() {
            return Ok(Err(DomainConflict::PoolHasDomain));
        }
        sqlx::query("INSERT INTO user_pool_domains (domain, pool_id, doc) VALUES (?, ?, ?)")
            .bind(domain)
            .bind(pool_id)
            .bind(to_json(doc)?)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// A domain by name: `(pool_id, doc)`.
    pub async fn get_domain<T: DeserializeOwned>(
        &self,
        domain: &str,
    ) -> Result<Option<(String, T)>, sqlx::Error> {
        DOMAINS
            .get_with(&self.read, "pool_id", &[("domain", domain)])
            .await
    }

    /// The domain of a pool, if it has one: `(domain, doc)`.
    pub async fn domain_of_pool<T: DeserializeOwned>(
        &self,
        pool_id: &str,
    ) -> Result<Option<(String, T)>, sqlx::Error> {
        DOMAINS
            .get_with(&self.read, "domain", &[("pool_id", pool_id)])
            .await
    }

    pub async fn update_domain<T: Serialize>(
        &self,
        domain: &str,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        DOMAINS
            .update(&self.write, None, &[("domain", domain)], doc)
            .await
    }

    pub async fn delete_domain(&self, domain: &str, pool_id: &str) -> Result<bool, sqlx::Error> {
        let filter = [("domain", domain), ("pool_id", pool_id)];
        DOMAINS.delete(&self.write, &filter).await
    }

    /// Inserts a resource server; false when the pool already has one with this identifier.
    pub async fn insert_resource_server<T: Serialize>(
        &self,
        pool_id: &str,
        identifier: &str,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        let cols = [("pool_id", pool_id), ("identifier", identifier)];
        RESOURCE_SERVERS
            .insert_new(&self.write, &cols, None, doc)
            .await
    }

    pub async fn get_resource_server<T: DeserializeOwned>(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> Result<Option<T>, sqlx::Error> {
        let filter = [("pool_id", pool_id), ("identifier", identifier)];
        RESOURCE_SERVERS.get(&self.read, &filter).await
    }

    pub async fn update_resource_server<T: Serialize>(
        &self,
        pool_id: &str,
        identifier: &str,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        let filter = [("pool_id", pool_id), ("identifier", identifier)];
        RESOURCE_SERVERS
            .update(&self.write, None, &filter, doc)
            .await
    }

    pub async fn delete_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> Result<bool, sqlx::Error> {
        let filter = [("pool_id", pool_id), ("identifier", identifier)];
        RESOURCE_SERVERS.delete(&self.write, &filter).await
    }

    /// A pool's resource servers in identifier order after `after`, at most `limit`.
    pub async fn list_resource_servers<T: DeserializeOwned>(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<T>, sqlx::Error> {
        RESOURCE_SERVERS
            .list(&self.read, &[("pool_id", pool_id)], after, limit)
            .await
    }
}

/// An authorization code as /oauth2/authorize issued it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AuthCode {
    pub code: String,
    pub pool_id: String,
    pub client_id: String,
    /// The internal username of the signed-in user.
    pub username: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub auth_time: i64,
    pub expires: i64,
}

/// A hosted-UI session row.
#[derive(Debug, Clone, PartialEq)]
pub struct HostedSession {
    pub kind: String,
    pub pool_id: String,
    pub username: String,
    pub auth_time: i64,
    pub expires: i64,
}

impl Store {
    pub async fn insert_code(&self, c: &AuthCode) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO oauth_codes (code, pool_id, client_id, username, redirect_uri, scope, nonce, \
             code_challenge, code_challenge_method, auth_time, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&c.code)
        .bind(&c.pool_id)
        .bind(&c.client_id)
        .bind(&c.username)
        .bind(&c.redirect_uri)
        .bind(&c.scope)
        .bind(&c.nonce)
        .bind(&c.code_challenge)
        .bind(&c.code_challenge_method)
        .bind(c.auth_time)
        .bind(c.expires)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Removes and returns a code: a code can be redeemed (or tried) once only.
    pub async fn take_code(&self, code: &str) -> Result<Option<AuthCode>, sqlx::Error> {
        let row = sqlx::query(
            "DELETE FROM oauth_codes WHERE code = ? RETURNING code, pool_id, client_id, username, \
             redirect_uri, scope, nonce, code_challenge, code_challenge_method, auth_time, expires",
        )
        .bind(code)
        .fetch_optional(&self.write)
        .await?;
        Ok(row.map(|r| AuthCode {
            code: r.get(0),
            pool_id: r.get(1),
            client_id: r.get(2),
            username: r.get(3),
            redirect_uri: r.get(4),
            scope: r.get(5),
            nonce: r.get(6),
            code_challenge: r.get(7),
            code_challenge_method: r.get(8),
            auth_time: r.get(9),
            expires: r.get(10),
        }))
    }

    /// Drops codes and sessions that expired before `now` (called as new ones are made).
    pub async fn purge_expired_oauth(&self, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM oauth_codes WHERE expires < ?")
            .bind(now)
            .execute(&self.write)
            .await?;
        sqlx::query("DELETE FROM hosted_sessions WHERE expires < ?")
            .bind(now)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn insert_hosted_session(
        &self,
        id_sha256: &str,
        s: &HostedSession,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT OR REPLACE INTO hosted_sessions (id_sha256, kind, pool_id, username, auth_time, expires) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id_sha256)
        .bind(&s.kind)
        .bind(&s.pool_id)
        .bind(&s.username)
        .bind(s.auth_time)
        .bind(s.expires)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn get_hosted_session(
        &self,
        id_sha256: &str,
    ) -> Result<Option<HostedSession>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT kind, pool_id, username, auth_time, expires FROM hosted_sessions WHERE id_sha256 = ?",
        )
        .bind(id_sha256)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(|r| HostedSession {
            kind: r.get(0),
            pool_id: r.get(1),
            username: r.get(2),
            auth_time: r.get(3),
            expires: r.get(4),
        }))
    }

    pub async fn delete_hosted_session(&self, id_sha256: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM hosted_sessions WHERE id_sha256 = ?")
            .bind(id_sha256)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}

impl Store {
    pub async fn set_family_scope(&self, origin_jti: &str, scope: &str) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT OR REPLACE INTO oauth_family_scopes (origin_jti, scope) VALUES (?, ?)")
            .bind(origin_jti)
            .bind(scope)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn family_scope(&self, origin_jti: &str) -> Result<Option<String>, sqlx::Error> {
        let row = sqlx::query("SELECT scope FROM oauth_family_scopes WHERE origin_jti = ?")
            .bind(origin_jti)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(|r| r.get(0)))
    }
}
