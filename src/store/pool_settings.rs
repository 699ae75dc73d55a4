//! Stored settings documents per pool or per app client (`pool_settings`); the callers in
//! `idp/` choose the document types, the store never reads them.

use super::Store;
use super::documents::{from_json, to_json};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;

/// The client column of a pool-wide setting.
pub const POOL_WIDE: &str = "";

/// A setting's key in the settings cache (unit separators keep the parts apart).
fn cache_key(pool_id: &str, kind: &str, client_id: &str) -> String {
    format!("{pool_id}\u{1f}{kind}\u{1f}{client_id}")
}

impl Store {
    pub async fn get_setting<T: DeserializeOwned>(
        &self,
        pool_id: &str,
        kind: &'static str,
        client_id: &str,
    ) -> Result<Option<T>, sqlx::Error> {
        let key = cache_key(pool_id, kind, client_id);
        let doc = match self.docs.settings.get::<Option<String>>(&key) {
            Some(doc) => doc,
            None => {
                let generation = self.docs.settings.generation();
                let row = sqlx::query(
                    "SELECT doc FROM pool_settings WHERE pool_id = ? AND kind = ? AND client_id = ?",
                )
                .bind(pool_id)
                .bind(kind)
                .bind(client_id)
                .fetch_optional(&self.read)
                .await?;
                let doc = std::sync::Arc::new(row.map(|r| r.get::<String, _>(0)));
                self.docs.settings.put(generation, &key, doc.clone());
                doc
            }
        };
        doc.as_deref().map(from_json).transpose()
    }

    /// Writes (or replaces) a setting.
    pub async fn put_setting<T: Serialize>(
        &self,
        pool_id: &str,
        kind: &'static str,
        client_id: &str,
        now: f64,
        doc: &T,
    ) -> Result<(), sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO pool_settings (pool_id, kind, client_id, updated, doc) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (pool_id, kind, client_id) DO UPDATE SET updated = excluded.updated, doc = excluded.doc",
        )
        .bind(pool_id)
        .bind(kind)
        .bind(client_id)
        .bind(now)
        .bind(to_json(doc)?)
        .execute(&self.write)
        .await;
        self.docs
            .settings
            .forget(&cache_key(pool_id, kind, client_id));
        done?;
        Ok(())
    }

    /// False when there was no such setting.
    pub async fn delete_setting(
        &self,
        pool_id: &str,
        kind: &'static str,
        client_id: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "DELETE FROM pool_settings WHERE pool_id = ? AND kind = ? AND client_id = ?",
        )
        .bind(pool_id)
        .bind(kind)
        .bind(client_id)
        .execute(&self.write)
        .await;
        self.docs
            .settings
            .forget(&cache_key(pool_id, kind, client_id));
        Ok(done?.rows_affected() == 1)
    }

    /// Every setting of a deleted client.
    pub async fn delete_client_settings(&self, client_id: &str) -> Result<(), sqlx::Error> {
        let done = sqlx::query("DELETE FROM pool_settings WHERE client_id = ?")
            .bind(client_id)
            .execute(&self.write)
            .await;
        self.docs.settings.clear();
        done?;
        Ok(())
    }
}
