//! Per-pool signing keys: stored in `pool_signing_keys`, generated on first use, and kept in
//! memory after the first load so no request parses or generates a key twice.

use super::Store;
use crate::crypto::keys::{self, PoolKeys, SigningKey};
use sqlx::Row;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Keys loaded so far, by pool id. Shared by every clone of the `Store`.
#[derive(Default)]
pub struct KeyCache {
    loaded: Mutex<HashMap<String, Arc<PoolKeys>>>,
    /// Serialises generation so two first requests do not both generate.
    generating: tokio::sync::Mutex<()>,
    /// Wakes the task keeping spare keys (see [`Store::keep_spare_keys`]) when a pool took some.
    spares_taken: tokio::sync::Notify,
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.loaded.lock().map(|m| m.len()).unwrap_or(0);
        write!(f, "KeyCache({n} pools)")
    }
}

impl KeyCache {
    fn get(&self, pool_id: &str) -> Option<Arc<PoolKeys>> {
        self.loaded.lock().ok()?.get(pool_id).cloned()
    }

    fn put(&self, pool_id: &str, keys: Arc<PoolKeys>) {
        if let Ok(mut m) = self.loaded.lock() {
            m.insert(pool_id.to_string(), keys);
        }
    }

    fn forget(&self, pool_id: &str) {
        if let Ok(mut m) = self.loaded.lock() {
            m.remove(pool_id);
        }
    }

    /// Drops a deleted pool's keys (a pool re-created under the same ID gets new ones).
    pub fn forget_pool(&self, pool_id: &str) {
        self.forget(pool_id);
    }

    pub fn forget_all(&self) {
        if let Ok(mut m) = self.loaded.lock() {
            m.clear();
        }
    }
}

fn key_error(e: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Protocol(format!("signing key: {e}"))
}

impl Store {
    async fn read_pool_keys(&self, pool_id: &str) -> Result<Option<PoolKeys>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT purpose, kid, private_pkcs1_der FROM pool_signing_keys WHERE pool_id = ?",
        )
        .bind(pool_id)
        .fetch_all(&self.read)
        .await?;
        let (mut id, mut access) = (None, None);
        for row in rows {
            let key = SigningKey::from_stored(row.get("kid"), row.get("private_pkcs1_der"))
                .map_err(key_error)?;
            match row.get::<&str, _>("purpose") {
                "id" => id = Some(key),
                _ => access = Some(key),
            }
        }
        Ok(match (id, access) {
            (Some(id), Some(access)) => Some(PoolKeys { id, access }),
            _ => None,
        })
    }

    /// The pool's keys, generating and storing them on first use. `None` when the pool does
    /// not exist.
    pub async fn pool_keys(&self, pool_id: &str) -> Result<Option<Arc<PoolKeys>>, sqlx::Error> {
        if let Some(k) = self.keys.get(pool_id) {
            return Ok(Some(k));
        }
        if let Some(k) = self.read_pool_keys(pool_id).await? {
            let k = Arc::new(k);
            self.keys.put(pool_id, k.clone());
            return Ok(Some(k));
        }
        let exists = sqlx::query("SELECT 1 FROM user_pools WHERE id = ?")
            .bind(pool_id)
            .fetch_optional(&self.read)
            .await?
            .is_some();
        if !exists {
            return Ok(None);
        }
        let _guard = self.keys.generating.lock().await;
        // Another request may have generated them while we waited.
        if let Some(k) = self.read_pool_keys(pool_id).await? {
            let k = Arc::new(k);
            self.keys.put(pool_id, k.clone());
            return Ok(Some(k));
        }
        let now = crate::clock::Clock::default().now_epoch();
        // Two spare keys when the stock holds two: taken and stored for the pool in one
        // transaction. Otherwise generated now, with no connection held meanwhile.
        let mut tx = self.write.begin().await?;
        let spares: Vec<(String, Vec<u8>)> = sqlx::query_as(
            "DELETE FROM spare_signing_keys WHERE id IN \
             (SELECT id FROM spare_signing_keys ORDER BY id LIMIT 2) \
             RETURNING kid, private_pkcs1_der",
        )
        .fetch_all(&mut *tx)
        .await?;
        let generated = match <[_; 2]>::try_from(spares) {
            Ok([(id_kid, id_der), (access_kid, access_der)]) => {
                self.keys.spares_taken.notify_one();
                (
                    keys::GeneratedKey {
                        kid: id_kid,
                        private_pkcs1_der: id_der,
                    },
                    keys::GeneratedKey {
                        kid: access_kid,
                        private_pkcs1_der: access_der,
                    },
                )
            }
            Err(_) => {
                tx.rollback().await?;
                let generated = tokio::task::spawn_blocking(|| -> Result<_, rsa::Error> {
                    Ok((keys::generate()?, keys::generate()?))
                })
                .await
                .map_err(key_error)?
                .map_err(key_error)?;
                tx = self.write.begin().await?;
                generated
            }
        };
        for (purpose, key) in [("id", &generated.0), ("access", &generated.1)] {
            // A pool deleted meanwhile makes the foreign key fail; that is an honest error.
            sqlx::query(
                "INSERT OR IGNORE INTO pool_signing_keys (pool_id, purpose, kid, private_pkcs1_der, created) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(pool_id)
            .bind(purpose)
            .bind(&key.kid)
            .bind(&key.private_pkcs1_der)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.keys.forget(pool_id);
        let k = self.read_pool_keys(pool_id).await?.map(Arc::new);
        if let Some(k) = &k {
            self.keys.put(pool_id, k.clone());
        }
        Ok(k)
    }
}

/// How long the spare-key task sleeps between looks at the stock (and at shutdown).
const SPARE_CHECK: std::time::Duration = std::time::Duration::from_millis(250);

impl Store {
    /// Keeps `target` spare key pairs in stock until `tasks` stops: generates one at a time
    /// off the async workers and stores it, and sleeps while the stock is full.
    pub async fn keep_spare_keys(&self, target: usize, tasks: &crate::tasks::Tasks) {
        while !tasks.is_stopping() {
            match self.add_spare_key_if_short(target).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "cannot keep spare signing keys"),
            }
            tokio::select! {
                _ = self.keys.spares_taken.notified() => {}
                _ = tokio::time::sleep(SPARE_CHECK) => {}
            }
        }
    }

    /// Generates and stores one spare key when the stock holds fewer than `target`; true
    /// when it did.
    pub async fn add_spare_key_if_short(&self, target: usize) -> Result<bool, sqlx::Error> {
        let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM spare_signing_keys")
            .fetch_one(&self.read)
            .await?;
        if usize::try_from(have).unwrap_or(usize::MAX) >= target {
            return Ok(false);
        }
        let key = tokio::task::spawn_blocking(keys::generate)
            .await
            .map_err(key_error)?
            .map_err(key_error)?;
        sqlx::query(
            "INSERT INTO spare_signing_keys (kid, private_pkcs1_der, created) VALUES (?, ?, ?)",
        )
        .bind(&key.kid)
        .bind(&key.private_pkcs1_der)
        .bind(crate::clock::Clock::default().now_epoch())
        .execute(&self.write)
        .await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;

    #[tokio::test]
    async fn a_new_pool_takes_spare_keys_from_the_stock() {
        let store = Store::open(None).await.unwrap();
        assert!(store.add_spare_key_if_short(2).await.unwrap());
        assert!(store.add_spare_key_if_short(2).await.unwrap());
        assert!(!store.add_spare_key_if_short(2).await.unwrap());
        let spare_kids: Vec<String> =
            sqlx::query_scalar("SELECT kid FROM spare_signing_keys ORDER BY id")
                .fetch_all(&store.read)
                .await
                .unwrap();
        store
            .insert_pool("us-east-1_Spare0001", "p", 0.0, &serde_json::json!({}))
            .await
            .unwrap();
        let keys = store
            .pool_keys("us-east-1_Spare0001")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            vec![keys.id.kid.clone(), keys.access.kid.clone()],
            spare_kids
        );
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM spare_signing_keys")
            .fetch_one(&store.read)
            .await
            .unwrap();
        assert_eq!(left, 0);
        // With the stock empty, keys are generated as before.
        store
            .insert_pool("us-east-1_Spare0002", "p", 0.0, &serde_json::json!({}))
            .await
            .unwrap();
        let other = store
            .pool_keys("us-east-1_Spare0002")
            .await
            .unwrap()
            .unwrap();
        assert!(!spare_kids.contains(&other.id.kid));
    }

    #[tokio::test]
    async fn keys_are_generated_once_and_survive_the_cache() {
        let store = Store::open(None).await.unwrap();
        assert!(
            store
                .pool_keys("us-east-1_nothere00")
                .await
                .unwrap()
                .is_none()
        );
        store
            .insert_pool("us-east-1_AbCdEf123", "p", 0.0, &serde_json::json!({}))
            .await
            .unwrap();
        let a = store
            .pool_keys("us-east-1_AbCdEf123")
            .await
            .unwrap()
            .unwrap();
        assert_ne!(a.id.kid, a.access.kid);
        let b = store
            .pool_keys("us-east-1_AbCdEf123")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.id.kid, b.id.kid);
        store.keys.forget("us-east-1_AbCdEf123");
        let c = store
            .pool_keys("us-east-1_AbCdEf123")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.access.kid, c.access.kid);
        assert_eq!(a.access.n, c.access.n);
    }
}
