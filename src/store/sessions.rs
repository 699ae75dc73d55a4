//! Multi-step sign-in state (`auth_challenges`) and failed-attempt counters
//! (`sign_in_failures`).

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
    pub async fn put_challenge(
        &self,
        handle_sha256: &str,
        c: &StoredChallenge,
        now: f64,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM auth_challenges WHERE expires < ?")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT OR REPLACE INTO auth_challenges (handle_sha256, pool_id, client_id, username, challenge, state, expires) VALUES (?, ?, ?, ?, ?, ?, ?)",
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
        tx.commit().await
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

    /// `(failures, locked_until)` for a user; `(0, 0.0)` when none are recorded.
    pub async fn sign_in_failures(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> Result<(i64, f64), sqlx::Error> {
        let row = sqlx::query(
            "SELECT failures, locked_until FROM sign_in_failures WHERE pool_id = ? AND sub = ?",
        )
        .bind(pool_id)
        .bind(sub)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map_or((0, 0.0), |r| (r.get(0), r.get(1))))
    }

    /// Takes one sign-in attempt for a user: unless locked out at `now`, counts it as a
    /// failure (the caller clears the count when the password proves right) and, when
    /// `lock_secs` of the new count is positive, locks the user for that long from now.
    /// Answers the attempt's number, or None while locked. One transaction on the write
    /// connection (the only writer): however many attempts arrive at once, each gets its own
    /// number and none passes a lock an earlier one set.
    pub async fn take_sign_in_attempt(
        &self,
        pool_id: &str,
        sub: &str,
        now: f64,
        lock_secs: impl Fn(i64) -> f64,
    ) -> Result<Option<i64>, sqlx::Error> {
        let mut tx = self.write.begin().await?;
        let row = sqlx::query(
            "SELECT failures, locked_until FROM sign_in_failures WHERE pool_id = ? AND sub = ?",
        )
        .bind(pool_id)
        .bind(sub)
        .fetch_optional(&mut *tx)
        .await?;
        let (failures, locked_until): (i64, f64) = row.map_or((0, 0.0), |r| (r.get(0), r.get(1)));
        if locked_until > now {
            return Ok(None);
        }
        let attempt = failures.saturating_add(1);
        let lock = lock_secs(attempt);
        let until = if lock > 0.0 { now + lock } else { 0.0 };
        sqlx::query(
            "INSERT INTO sign_in_failures (pool_id, sub, failures, locked_until) VALUES (?, ?, ?, ?) \
             ON CONFLICT (pool_id, sub) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(attempt)
        .bind(until)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(attempt))
    }

    pub async fn clear_sign_in_failures(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM sign_in_failures WHERE pool_id = ? AND sub = ?")
            .bind(pool_id)
            .bind(sub)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
