//! Multi-step sign-in state (`auth_challenges`).

use super::Store;
use sqlx::Row;

/// A pending challenge, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredChallenge {
    pub pool_id: String,
    pub client_id: String,
    pub username: String,
    pub challenge: String,
    pub state: serde_json::Value,
    pub expires: f64,
}

impl Store {
    /// Stores a challenge session (replacing one with that handle), dropping expired ones.
    pub async fn put_challenge(
        &self,
        handle_sha256: &str,
        c: &StoredChallenge,
        now: f64,
    ) -> Result<(), sqlx::Error> {
        let batch = sqlx::query(
            "BEGIN IMMEDIATE; \
             DELETE FROM auth_challenges WHERE expires < ?1; \
             INSERT OR REPLACE INTO auth_challenges (handle_sha256, pool_id, client_id, username, challenge, state, expires) VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8); \
             COMMIT",
        )
        .bind(now)
        .bind(handle_sha256)
        .bind(&c.pool_id)
        .bind(&c.client_id)
        .bind(&c.username)
        .bind(&c.challenge)
        .bind(c.state.to_string())
        .bind(c.expires);
        self.write.execute_atomic(batch).await.map(drop)
    }

    /// Stores `c` unless a live row has that handle already; false (nothing written) then.
    /// What makes a one-time token single use (a SAML assertion presented twice).
    pub async fn put_challenge_once(
        &self,
        handle_sha256: &str,
        c: &StoredChallenge,
        now: f64,
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM auth_challenges WHERE expires < ?")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query(
            "INSERT OR IGNORE INTO auth_challenges (handle_sha256, pool_id, client_id, username, challenge, state, expires) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(handle_sha256)
        .bind(&c.pool_id)
        .bind(&c.client_id)
        .bind(&c.username)
        .bind(&c.challenge)
        .bind(c.state.to_string())
        .bind(c.expires)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn get_challenge(
        &self,
        handle_sha256: &str,
    ) -> Result<Option<StoredChallenge>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT pool_id, client_id, username, challenge, state, expires FROM auth_challenges WHERE handle_sha256 = ?",
        )
        .bind(handle_sha256)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            Ok(StoredChallenge {
                pool_id: r.get("pool_id"),
                client_id: r.get("client_id"),
                username: r.get("username"),
                challenge: r.get("challenge"),
                state: serde_json::from_str(r.get::<&str, _>("state"))
                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                expires: r.get("expires"),
            })
        })
        .transpose()
    }

    /// Consumes a challenge (each answer is single-use).
    /// True when this call consumed it (false: already consumed, e.g. by a concurrent answer).
    pub async fn delete_challenge(&self, handle_sha256: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM auth_challenges WHERE handle_sha256 = ?")
            .bind(handle_sha256)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Takes one code attempt on a challenge session: the attempt's number, or None when the
    /// session is gone or its `max` attempts are spent. One statement, so concurrent answers
    /// each get their own number.
    pub async fn take_challenge_attempt(
        &self,
        handle_sha256: &str,
        max: i64,
    ) -> Result<Option<i64>, sqlx::Error> {
        let row = sqlx::query(
            "UPDATE auth_challenges SET attempts = attempts + 1 \
             WHERE handle_sha256 = ? AND attempts < ? RETURNING attempts",
        )
        .bind(handle_sha256)
        .bind(max)
        .fetch_optional(&self.write)
        .await?;
        Ok(row.map(|r| r.get(0)))
    }
}
