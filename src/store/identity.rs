//! Identity pools, identities, their linked logins, issued credentials and the identity
//! service's signing key. Pool settings are JSON documents; callers choose the type.

use super::Store;
use super::documents::DocTable;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;

const POOLS: DocTable = DocTable {
    table: "identity_pools",
    key: "id",
};

/// An identity with the logins linked to it.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityRow {
    pub identity_id: String,
    pub pool_id: String,
    pub created: f64,
    pub modified: f64,
    /// `(provider, subject)` pairs, ordered by provider.
    pub logins: Vec<(String, String)>,
}

impl IdentityRow {
    pub fn is_authenticated(&self) -> bool {
        !self.logins.is_empty()
    }
}

/// What linking a set of logins to an identity came to.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkOutcome {
    /// Every login now points at this identity (`created` when it is new).
    Linked { identity_id: String, created: bool },
    /// The logins already belong to different identities.
    Conflict,
}

/// One set of credentials GetCredentialsForIdentity handed out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssuedCredentials {
    pub access_key_id: String,
    pub identity_id: String,
    pub identity_pool_id: String,
    pub role_arn: String,
    pub issued: f64,
    pub expiration: f64,
}

impl Store {
    pub async fn insert_identity_pool<T: Serialize>(
        &self,
        id: &str,
        name: &str,
        created: f64,
        doc: &T,
    ) -> Result<(), sqlx::Error> {
        let cols = [("id", id), ("name", name)];
        POOLS.insert(&self.write, &cols, Some(created), doc).await
    }

    pub async fn get_identity_pool<T: DeserializeOwned>(
        &self,
        id: &str,
    ) -> Result<Option<T>, sqlx::Error> {
        POOLS.get(&self.read, &[("id", id)]).await
    }

    /// Replaces a pool's document; false when the pool does not exist.
    pub async fn update_identity_pool<T: Serialize>(
        &self,
        id: &str,
        name: &str,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        POOLS
            .update(&self.write, Some(name), &[("id", id)], doc)
            .await
    }

    /// Deletes a pool with its identities, logins and settings; false when it did not exist.
    pub async fn delete_identity_pool(&self, id: &str) -> Result<bool, sqlx::Error> {
        POOLS.delete(&self.write, &[("id", id)]).await
    }

    /// Pools of `region` (every region when `None`) in id order after `after`, at most
    /// `limit`.
    pub async fn list_identity_pools<T: DeserializeOwned>(
        &self,
        region: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<T>, sqlx::Error> {
        let prefix = region.map(|r| format!("{r}:"));
        POOLS
            .list_prefixed(&self.read, prefix.as_deref(), after, limit)
            .await
    }

    /// The roles document SetIdentityPoolRoles stored; `None` when the pool does not exist.
    pub async fn get_identity_pool_roles<T: DeserializeOwned>(
        &self,
        id: &str,
    ) -> Result<Option<T>, sqlx::Error> {
        POOLS.get_column(&self.read, "roles", &[("id", id)]).await
    }

    pub async fn set_identity_pool_roles<T: Serialize>(
        &self,
        id: &str,
        roles: &T,
    ) -> Result<bool, sqlx::Error> {
        POOLS
            .set_column(&self.write, "roles", &[("id", id)], roles)
            .await
    }

    /// The principal-tag maps of a pool (by provider); `None` when the pool does not exist.
    pub async fn get_principal_tag_maps<T: DeserializeOwned>(
        &self,
        id: &str,
    ) -> Result<Option<T>, sqlx::Error> {
        POOLS
            .get_column(&self.read, "principal_tags", &[("id", id)])
            .await
    }

    pub async fn set_principal_tag_maps<T: Serialize>(
        &self,
        id: &str,
        maps: &T,
    ) -> Result<bool, sqlx::Error> {
        POOLS
            .set_column(&self.write, "principal_tags", &[("id", id)], maps)
            .await
    }

    /// A new identity with no logins (an unauthenticated identity).
    pub async fn insert_identity(
        &self,
        pool_id: &str,
        identity_id: &str,
        now: f64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO identities (identity_id, pool_id, created, modified) VALUES (?, ?, ?, ?)",
        )
        .bind(identity_id)
        .bind(pool_id)
        .bind(now)
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn logins_of(&self, identity_id: &str) -> Result<Vec<(String, String)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT provider, subject FROM identity_logins WHERE identity_id = ? ORDER BY provider, subject",
        )
        .bind(identity_id)
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
            .collect())
    }

    pub async fn get_identity(
        &self,
        identity_id: &str,
    ) -> Result<Option<IdentityRow>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT identity_id, pool_id, created, modified FROM identities WHERE identity_id = ?",
        )
        .bind(identity_id)
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(IdentityRow {
            identity_id: row.get(0),
            pool_id: row.get(1),
            created: row.get(2),
            modified: row.get(3),
            logins: self.logins_of(identity_id).await?,
        }))
    }

    /// A pool's identities in id order after `after`, at most `limit`.
    pub async fn list_identities(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<IdentityRow>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT identity_id, pool_id, created, modified FROM identities
             WHERE pool_id = ? AND identity_id > ? ORDER BY identity_id LIMIT ?",
        )
        .bind(pool_id)
        .bind(after.unwrap_or(""))
        .bind(limit as i64)
        .fetch_all(&self.read)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let identity_id: String = row.get(0);
            let logins = self.logins_of(&identity_id).await?;
            out.push(IdentityRow {
                identity_id,
                pool_id: row.get(1),
                created: row.get(2),
                modified: row.get(3),
                logins,
            });
        }
        Ok(out)
    }

    /// Deletes identities (with their logins); returns how many existed.
    pub async fn delete_identities(&self, ids: &[String]) -> Result<u64, sqlx::Error> {
        let mut tx = self.write.begin().await?;
        let mut n = 0;
        for id in ids {
            n += sqlx::query("DELETE FROM identities WHERE identity_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(n)
    }

    /// The identity a login is linked to in a pool.
    pub async fn find_login(
        &self,
        pool_id: &str,
        provider: &str,
        subject: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT identity_id FROM identity_logins WHERE pool_id = ? AND provider = ? AND subject = ?",
        )
        .bind(pool_id)
        .bind(provider)
        .bind(subject)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(|r| r.get(0)))
    }

    /// The subjects linked to an identity for one provider.
    pub async fn subjects_for(
        &self,
        identity_id: &str,
        provider: &str,
    ) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT subject FROM identity_logins WHERE identity_id = ? AND provider = ? ORDER BY subject",
        )
        .bind(identity_id)
        .bind(provider)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Links `logins` to one identity in one transaction: the identity they already point at,
    /// else `target` (an existing identity, e.g. the one a request names), else a new identity
    /// `new_id`. Logins pointing at different identities are a conflict and change nothing.
    pub async fn link_logins(
        &self,
        pool_id: &str,
        logins: &[(String, String)],
        target: Option<&str>,
        new_id: &str,
        now: f64,
    ) -> Result<LinkOutcome, sqlx::Error> {
        let mut tx = self.write.begin().await?;
        let mut existing: Vec<String> = Vec::new();
        for (provider, subject) in logins {
            let row = sqlx::query(
                "SELECT identity_id FROM identity_logins WHERE pool_id = ? AND provider = ? AND subject = ?",
            )
            .bind(pool_id)
            .bind(provider)
            .bind(subject)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(r) = row {
                let id: String = r.get(0);
                if !existing.contains(&id) {
                    existing.push(id);
                }
            }
        }
        if let Some(t) = target {
            if !existing.is_empty() && existing.iter().any(|e| e != t) {
                return Ok(LinkOutcome::Conflict);
            }
        } else if existing.len() > 1 {
            return Ok(LinkOutcome::Conflict);
        }
        let (identity_id, created) = match (target, existing.first()) {
            (Some(t), _) => (t.to_string(), false),
            (None, Some(e)) => (e.clone(), false),
            (None, None) => {
                sqlx::query(
                    "INSERT INTO identities (identity_id, pool_id, created, modified) VALUES (?, ?, ?, ?)",
                )
                .bind(new_id)
                .bind(pool_id)
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                (new_id.to_string(), true)
            }
        };
        let mut added = false;
        for (provider, subject) in logins {
            added |= sqlx::query(
                "INSERT OR IGNORE INTO identity_logins (pool_id, provider, subject, identity_id, created)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(pool_id)
            .bind(provider)
            .bind(subject)
            .bind(&identity_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
        }
        if added && !created {
            sqlx::query("UPDATE identities SET modified = ? WHERE identity_id = ?")
                .bind(now)
                .bind(&identity_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(LinkOutcome::Linked {
            identity_id,
            created,
        })
    }

    /// Removes logins of one identity: `(provider, Some(subject))` one login,
    /// `(provider, None)` every login of that provider. Returns how many were removed.
    pub async fn unlink_logins(
        &self,
        identity_id: &str,
        logins: &[(String, Option<String>)],
        now: f64,
    ) -> Result<u64, sqlx::Error> {
        let mut tx = self.write.begin().await?;
        let mut n = 0;
        for (provider, subject) in logins {
            let done = match subject {
                Some(s) => {
                    sqlx::query(
                        "DELETE FROM identity_logins WHERE identity_id = ? AND provider = ? AND subject = ?",
                    )
                    .bind(identity_id)
                    .bind(provider)
                    .bind(s)
                    .execute(&mut *tx)
                    .await?
                }
                None => {
                    sqlx::query("DELETE FROM identity_logins WHERE identity_id = ? AND provider = ?")
                        .bind(identity_id)
                        .bind(provider)
                        .execute(&mut *tx)
                        .await?
                }
            };
            n += done.rows_affected();
        }
        if n > 0 {
            sqlx::query("UPDATE identities SET modified = ? WHERE identity_id = ?")
                .bind(now)
                .bind(identity_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Moves every login of `from` to `to` and deletes `from` (MergeDeveloperIdentities).
    pub async fn merge_identities(
        &self,
        from: &str,
        to: &str,
        now: f64,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.write.begin().await?;
        sqlx::query("UPDATE identity_logins SET identity_id = ? WHERE identity_id = ?")
            .bind(to)
            .bind(from)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM identities WHERE identity_id = ?")
            .bind(from)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE identities SET modified = ? WHERE identity_id = ?")
            .bind(now)
            .bind(to)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn record_credentials(&self, c: &IssuedCredentials) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO identity_credentials (access_key_id, identity_id, pool_id, role_arn, issued, expiration)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&c.access_key_id)
        .bind(&c.identity_id)
        .bind(&c.identity_pool_id)
        .bind(&c.role_arn)
        .bind(c.issued)
        .bind(c.expiration)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Credentials issued to an identity, newest first.
    pub async fn issued_credentials(
        &self,
        identity_id: &str,
    ) -> Result<Vec<IssuedCredentials>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT access_key_id, identity_id, pool_id, role_arn, issued, expiration
             FROM identity_credentials WHERE identity_id = ? ORDER BY issued DESC, access_key_id",
        )
        .bind(identity_id)
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .iter()
            .map(|r| IssuedCredentials {
                access_key_id: r.get(0),
                identity_id: r.get(1),
                identity_pool_id: r.get(2),
                role_arn: r.get(3),
                issued: r.get(4),
                expiration: r.get(5),
            })
            .collect())
    }

    /// The identity service's signing key: `(kid, PKCS#1 DER private key)`.
    pub async fn identity_signing_key(&self) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT kid, private_pkcs1_der FROM identity_signing_keys ORDER BY created, kid LIMIT 1",
        )
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }

    /// Stores a key unless one exists already; returns the key in force (the first stored),
    /// so two requests racing to create it agree.
    pub async fn insert_identity_signing_key_if_none(
        &self,
        kid: &str,
        der: &[u8],
        now: f64,
    ) -> Result<(String, Vec<u8>), sqlx::Error> {
        let mut tx = self.write.begin().await?;
        let row = sqlx::query(
            "SELECT kid, private_pkcs1_der FROM identity_signing_keys ORDER BY created, kid LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(r) = row {
            return Ok((r.get(0), r.get(1)));
        }
        sqlx::query(
            "INSERT INTO identity_signing_keys (kid, private_pkcs1_der, created) VALUES (?, ?, ?)",
        )
        .bind(kid)
        .bind(der)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((kid.to_string(), der.to_vec()))
    }
}
