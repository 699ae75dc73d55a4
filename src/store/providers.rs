//! A user pool's identity providers (`identity_providers`), documents owned by
//! `idp::identity_providers`.

use super::Store;
use super::documents::DocTable;
use serde::Serialize;
use serde::de::DeserializeOwned;

const PROVIDERS: DocTable = DocTable {
    table: "identity_providers",
    key: "provider_name",
};

/// A pool has few providers; listings read them all.
const ALL: u32 = 10_000;

impl Store {
    /// False (nothing written) when the pool already has a provider of that name.
    pub async fn insert_identity_provider<T: Serialize>(
        &self,
        pool_id: &str,
        name: &str,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        let cols = [("pool_id", pool_id), ("provider_name", name)];
        PROVIDERS.insert_new(&self.write, &cols, None, doc).await
    }

    pub async fn get_identity_provider<T: DeserializeOwned>(
        &self,
        pool_id: &str,
        name: &str,
    ) -> Result<Option<T>, sqlx::Error> {
        let filter = [("pool_id", pool_id), ("provider_name", name)];
        PROVIDERS.get(&self.read, &filter).await
    }

    pub async fn update_identity_provider<T: Serialize>(
        &self,
        pool_id: &str,
        name: &str,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        let filter = [("pool_id", pool_id), ("provider_name", name)];
        PROVIDERS.update(&self.write, None, &filter, doc).await
    }

    pub async fn delete_identity_provider(
        &self,
        pool_id: &str,
        name: &str,
    ) -> Result<bool, sqlx::Error> {
        let filter = [("pool_id", pool_id), ("provider_name", name)];
        PROVIDERS.delete(&self.write, &filter).await
    }

    /// A pool's providers in name order.
    pub async fn list_identity_providers<T: DeserializeOwned>(
        &self,
        pool_id: &str,
    ) -> Result<Vec<T>, sqlx::Error> {
        PROVIDERS
            .list(&self.read, &[("pool_id", pool_id)], None, ALL)
            .await
    }
}

impl Store {
    /// Links `provider`'s `subject` to the user `sub`; false when it is linked already.
    pub async fn link_provider(
        &self,
        pool_id: &str,
        provider: &str,
        subject: &str,
        sub: &str,
        now: f64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "INSERT OR IGNORE INTO provider_links (pool_id, provider_name, subject, sub, created) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(pool_id)
        .bind(provider)
        .bind(subject)
        .bind(sub)
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The sub of the user `provider`'s `subject` is linked to.
    pub async fn linked_user(
        &self,
        pool_id: &str,
        provider: &str,
        subject: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT sub FROM provider_links WHERE pool_id = ? AND provider_name = ? AND subject = ?",
        )
        .bind(pool_id)
        .bind(provider)
        .bind(subject)
        .fetch_optional(&self.read)
        .await
    }

    pub async fn unlink_provider(
        &self,
        pool_id: &str,
        provider: &str,
        subject: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "DELETE FROM provider_links WHERE pool_id = ? AND provider_name = ? AND subject = ?",
        )
        .bind(pool_id)
        .bind(provider)
        .bind(subject)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
