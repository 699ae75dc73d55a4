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
    /// failure (the caller clears the count when the password proves right) and, from the
    /// `lock.after`-th failure on, locks the user for 2^(n - after) seconds (at most
    /// `lock.max_secs`) from now. Answers the attempt's number, or None while locked.
    /// One statement on the write connection (the only writer): however many attempts arrive
    /// at once, each gets its own number and none passes a lock an earlier one set.
    pub async fn take_sign_in_attempt(
        &self,
        pool_id: &str,
        sub: &str,
        now: f64,
        lock: Lockout,
    ) -> Result<Option<i64>, sqlx::Error> {
        // In the DO UPDATE clause a bare column is the stored row's value.
        let row = sqlx::query(
            "INSERT INTO sign_in_failures (pool_id, sub, failures, locked_until) \
             VALUES (?1, ?2, 1, CASE WHEN 1 >= ?4 THEN ?3 + MIN(1 << MIN(1 - ?4, 20), ?5) ELSE 0 END) \
             ON CONFLICT (pool_id, sub) DO UPDATE SET failures = failures + 1, \
             locked_until = CASE WHEN failures + 1 >= ?4 \
                 THEN ?3 + MIN(1 << MIN(failures + 1 - ?4, 20), ?5) ELSE 0 END \
             WHERE locked_until <= ?3 \
             RETURNING failures",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(now)
        .bind(lock.after)
        .bind(lock.max_secs)
        .fetch_optional(&self.write)
        .await?;
        Ok(row.map(|r| r.get(0)))
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

/// When failed sign-ins lock a user out (see [`Store::take_sign_in_attempt`]).
#[derive(Clone, Copy, Debug)]
pub struct Lockout {
    /// The first failure that locks (for one second; each further one doubles it).
    pub after: i64,
    /// The longest lock.
    pub max_secs: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_failure_from_the_fifth_doubles_the_lock_up_to_the_cap() {
        let ctx = crate::testkit::ctx().await;
        let p = crate::testkit::pool(&ctx, |_| {})
            .await
            .id
            .unwrap_or_default();
        let store = &ctx.store;
        let lock = Lockout {
            after: 5,
            max_secs: 900.0,
        };
        let mut now = 1_000.0;
        for n in 1..=20i64 {
            let attempt = store.take_sign_in_attempt(&p, "s", now, lock).await;
            assert_eq!(attempt.unwrap(), Some(n));
            let (failures, until) = store.sign_in_failures(&p, "s").await.unwrap();
            assert_eq!(failures, n);
            let expected = if n < 5 {
                0.0
            } else {
                now + 2f64.powi((n - 5) as i32).min(900.0)
            };
            assert_eq!(until, expected, "attempt {n}");
            if n >= 5 {
                // Refused (and not counted) while locked.
                let refused = store.take_sign_in_attempt(&p, "s", until - 0.5, lock);
                assert_eq!(refused.await.unwrap(), None);
                now = until;
            }
        }
        // Another user's count is their own.
        let other = store.take_sign_in_attempt(&p, "t", now, lock).await;
        assert_eq!(other.unwrap(), Some(1));
    }
}
