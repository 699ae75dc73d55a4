//! Failed-sign-in counters (`sign_in_failures`) and the lockout they drive: from the
//! `after`-th failure in a row each one locks the user out for a time that doubles.
//!
//! Attempts under way are tracked in memory, per user, for as long as one is: while a user
//! has one, their entry holds the stored counters (read once, then kept in step with every
//! write) and how many attempts were let through to a password check. That is what lets a
//! right password cost no write at all when nothing was stored (the common sign-in: before,
//! every attempt was counted on the one write connection up front and cleared after), while
//! guesses sent in parallel are still checked no more often than serial ones: an attempt is
//! refused when the ones already let through would, all wrong, have locked the user.

use super::Store;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::OnceCell;

/// When failed sign-ins lock a user out.
#[derive(Clone, Copy, Debug)]
pub struct Lockout {
    /// The first failure that locks (for one second; each further one doubles it).
    pub after: i64,
    /// The longest lock.
    pub max_secs: f64,
}

type Key = (String, String);

/// Users with sign-in attempts under way (see the module's comment).
#[derive(Debug, Default)]
pub struct AttemptsUnderWay(Mutex<HashMap<Key, Entry>>);

#[derive(Debug, Default)]
struct Entry {
    /// Set once the stored counters were read into `failures` / `locked_until`.
    loaded: Arc<OnceCell<()>>,
    /// Attempts holding this entry (waiting for it to load, or under way).
    holders: u32,
    /// Attempts let through to a password check and not yet ended.
    checking: i64,
    /// The stored counters, as of the last write.
    failures: i64,
    locked_until: f64,
    /// Serializes the writes of ending attempts with the counters' updates here.
    writes: Arc<tokio::sync::Mutex<()>>,
}

impl AttemptsUnderWay {
    fn map(&self) -> MutexGuard<'_, HashMap<Key, Entry>> {
        // A panic while holding it cannot leave an entry half-changed.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One sign-in attempt under way (see [`Store::begin_sign_in_attempt`]). Dropping it without
/// [`Store::end_sign_in_attempt`] (a request cancelled mid-check) counts nothing.
#[derive(Debug)]
pub struct SignInAttempt {
    key: Key,
    /// Let through to a password check (not refused, not still loading).
    checking: bool,
    under_way: Arc<AttemptsUnderWay>,
}

impl Drop for SignInAttempt {
    fn drop(&mut self) {
        let mut map = self.under_way.map();
        if let Some(entry) = map.get_mut(&self.key) {
            entry.checking -= i64::from(self.checking);
            entry.holders -= 1;
            if entry.holders == 0 {
                map.remove(&self.key);
            }
        }
    }
}

/// The stored row's counters after one more failure at `now` (binds: pool id, sub, now,
/// lock.after, lock.max_secs): 2^(n - after) seconds of lock from the `after`-th on, at
/// most `max_secs`, never shortening a lock already set. In DO UPDATE a bare column is the
/// stored row's value.
const COUNT_FAILURE: &str = "INSERT INTO sign_in_failures (pool_id, sub, failures, locked_until) \
     VALUES (?1, ?2, 1, CASE WHEN 1 >= ?4 THEN ?3 + MIN(1 << MIN(1 - ?4, 20), ?5) ELSE 0 END) \
     ON CONFLICT (pool_id, sub) DO UPDATE SET failures = failures + 1, \
     locked_until = MAX(locked_until, CASE WHEN failures + 1 >= ?4 \
         THEN ?3 + MIN(1 << MIN(failures + 1 - ?4, 20), ?5) ELSE 0 END) \
     RETURNING failures, locked_until";

impl Store {
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

    /// Starts one sign-in attempt, or None when it is refused unchecked: the user is locked
    /// out at `now`, or the attempts already let through would lock them if all were wrong.
    /// Reads the stored counters only when no other attempt of the user's is under way;
    /// writes nothing.
    pub async fn begin_sign_in_attempt(
        &self,
        pool_id: &str,
        sub: &str,
        now: f64,
        lock: Lockout,
    ) -> Result<Option<SignInAttempt>, sqlx::Error> {
        let key = (pool_id.to_string(), sub.to_string());
        let loaded = {
            let mut map = self.attempts.map();
            let entry = map.entry(key.clone()).or_default();
            entry.holders += 1;
            entry.loaded.clone()
        };
        let mut attempt = SignInAttempt {
            key,
            checking: false,
            under_way: self.attempts.clone(),
        };
        // The first holder reads the stored counters; later ones wait for that read. Every
        // write after it happens under the entry (see `end_sign_in_attempt`), so the read
        // cannot miss one.
        loaded
            .get_or_try_init(|| async {
                let (failures, until) = self.sign_in_failures(pool_id, sub).await?;
                if let Some(entry) = self.attempts.map().get_mut(&attempt.key) {
                    entry.failures = failures;
                    entry.locked_until = until;
                }
                Ok::<_, sqlx::Error>(())
            })
            .await?;
        let mut map = self.attempts.map();
        let Some(entry) = map.get_mut(&attempt.key) else {
            return Ok(None);
        };
        let locked = entry.locked_until > now;
        let would_lock = entry.checking > 0 && entry.failures + entry.checking >= lock.after;
        if locked || would_lock {
            drop(map);
            return Ok(None);
        }
        entry.checking += 1;
        attempt.checking = true;
        drop(map);
        Ok(Some(attempt))
    }

    /// Ends an attempt from [`Store::begin_sign_in_attempt`] once its password was checked:
    /// a wrong password counts as a failure (and may lock the user), a right one clears the
    /// failures stored so far. Nothing is written for a right password with none stored.
    pub async fn end_sign_in_attempt(
        &self,
        attempt: SignInAttempt,
        password_ok: bool,
        now: f64,
        lock: Lockout,
    ) -> Result<(), sqlx::Error> {
        let (pool_id, sub) = (&attempt.key.0, &attempt.key.1);
        let Some(writes) = self
            .attempts
            .map()
            .get(&attempt.key)
            .map(|e| e.writes.clone())
        else {
            return Ok(());
        };
        let _writing = writes.lock().await;
        let counters = if password_ok {
            let stored = self.attempts.map().get(&attempt.key).map(|e| e.failures);
            if stored.unwrap_or(0) == 0 {
                return Ok(());
            }
            sqlx::query("DELETE FROM sign_in_failures WHERE pool_id = ? AND sub = ?")
                .bind(pool_id)
                .bind(sub)
                .execute(&self.write)
                .await?;
            (0, 0.0)
        } else {
            let row = sqlx::query(COUNT_FAILURE)
                .bind(pool_id)
                .bind(sub)
                .bind(now)
                .bind(lock.after)
                .bind(lock.max_secs)
                .fetch_one(&self.write)
                .await?;
            (row.get(0), row.get(1))
        };
        if let Some(entry) = self.attempts.map().get_mut(&attempt.key) {
            (entry.failures, entry.locked_until) = counters;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: Lockout = Lockout {
        after: 5,
        max_secs: 900.0,
    };

    async fn store_and_pool() -> (crate::protocol::ctx::Ctx, String) {
        let ctx = crate::testkit::ctx().await;
        let p = crate::testkit::pool(&ctx, |_| {})
            .await
            .id
            .unwrap_or_default();
        (ctx, p)
    }

    #[tokio::test]
    async fn each_failure_from_the_fifth_doubles_the_lock_up_to_the_cap() {
        let (ctx, p) = store_and_pool().await;
        let store = &ctx.store;
        let mut now = 1_000.0;
        for n in 1..=20i64 {
            let attempt = store.begin_sign_in_attempt(&p, "s", now, LOCK).await;
            let attempt = attempt.unwrap().expect("not locked");
            store
                .end_sign_in_attempt(attempt, false, now, LOCK)
                .await
                .unwrap();
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
                let refused = store.begin_sign_in_attempt(&p, "s", until - 0.5, LOCK);
                assert!(refused.await.unwrap().is_none());
                now = until;
            }
        }
        // Another user's count is their own.
        let other = store.begin_sign_in_attempt(&p, "t", now, LOCK).await;
        let other = other.unwrap().unwrap();
        store
            .end_sign_in_attempt(other, false, now, LOCK)
            .await
            .unwrap();
        assert_eq!(store.sign_in_failures(&p, "t").await.unwrap(), (1, 0.0));
    }

    #[tokio::test]
    async fn a_right_password_writes_only_to_clear_failures() {
        let (ctx, p) = store_and_pool().await;
        let store = &ctx.store;
        let now = 1_000.0;
        let begin = || store.begin_sign_in_attempt(&p, "s", now, LOCK);
        let a = begin().await.unwrap().unwrap();
        store.end_sign_in_attempt(a, true, now, LOCK).await.unwrap();
        assert_eq!(store.sign_in_failures(&p, "s").await.unwrap(), (0, 0.0));
        let a = begin().await.unwrap().unwrap();
        store
            .end_sign_in_attempt(a, false, now, LOCK)
            .await
            .unwrap();
        assert_eq!(store.sign_in_failures(&p, "s").await.unwrap(), (1, 0.0));
        let a = begin().await.unwrap().unwrap();
        store.end_sign_in_attempt(a, true, now, LOCK).await.unwrap();
        assert_eq!(store.sign_in_failures(&p, "s").await.unwrap(), (0, 0.0));
        // Nothing is left in memory once no attempt is under way.
        assert!(store.attempts.map().is_empty());
    }

    #[tokio::test]
    async fn guesses_under_way_at_once_are_let_through_no_more_than_serial_ones() {
        let (ctx, p) = store_and_pool().await;
        let store = &ctx.store;
        let now = 1_000.0;
        let begin = || store.begin_sign_in_attempt(&p, "t", now, LOCK);
        // Two failures stored: three more may be checked at once, not a fourth.
        for _ in 0..2 {
            let a = begin().await.unwrap().unwrap();
            store
                .end_sign_in_attempt(a, false, now, LOCK)
                .await
                .unwrap();
        }
        let mut under_way = Vec::new();
        for _ in 0..3 {
            under_way.push(begin().await.unwrap().expect("let through"));
        }
        assert!(begin().await.unwrap().is_none());
        // One proves right: the failures are cleared, and more may be checked again.
        let right = under_way.pop().unwrap();
        store
            .end_sign_in_attempt(right, true, now, LOCK)
            .await
            .unwrap();
        assert_eq!(store.sign_in_failures(&p, "t").await.unwrap(), (0, 0.0));
        under_way.push(begin().await.unwrap().expect("let through after the clear"));
        for a in under_way {
            store
                .end_sign_in_attempt(a, false, now, LOCK)
                .await
                .unwrap();
        }
        assert_eq!(store.sign_in_failures(&p, "t").await.unwrap(), (3, 0.0));
        // A cancelled attempt (dropped unended) counts nothing and holds nothing.
        drop(begin().await.unwrap().unwrap());
        assert_eq!(store.sign_in_failures(&p, "t").await.unwrap(), (3, 0.0));
        assert!(store.attempts.map().is_empty());
    }
}
