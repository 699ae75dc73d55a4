//! User pools and app clients. Settings are stored as JSON documents; callers choose the type.

use super::Store;
use super::documents::DocTable;
use serde::Serialize;
use serde::de::DeserializeOwned;

const POOLS: DocTable = DocTable {
    table: "user_pools",
    key: "id",
};

/// Client ids are unique across pools (public calls name only the client).
const CLIENTS: DocTable = DocTable {
    table: "user_pool_clients",
    key: "client_id",
};

impl Store {
    pub async fn insert_pool<T: Serialize>(
        &self,
        id: &str,
        name: &str,
        created: f64,
        doc: &T,
    ) -> Result<(), sqlx::Error> {
        let cols = [("id", id), ("name", name)];
        POOLS.insert(&self.write, &cols, Some(created), doc).await
    }

    pub async fn get_pool<T: DeserializeOwned>(&self, id: &str) -> Result<Option<T>, sqlx::Error> {
        POOLS.get(&self.read, &[("id", id)]).await
    }

    /// Replaces a pool's document; false when the pool does not exist.
    pub async fn update_pool<T: Serialize>(
        &self,
        id: &str,
        name: &str,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        POOLS
            .update(&self.write, Some(name), &[("id", id)], doc)
            .await
    }

    /// Deletes a pool and everything in it; false when it did not exist.
    pub async fn delete_pool(&self, id: &str) -> Result<bool, sqlx::Error> {
        POOLS.delete(&self.write, &[("id", id)]).await
    }

    /// Pools of `region` (every region when `None`) in id order after `after`, at most
    /// `limit`.
    pub async fn list_pools<T: DeserializeOwned>(
        &self,
        region: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<T>, sqlx::Error> {
        let prefix = region.map(|r| format!("{r}_"));
        POOLS
            .list_prefixed(&self.read, prefix.as_deref(), after, limit)
            .await
    }

    pub async fn insert_client<T: Serialize>(
        &self,
        pool_id: &str,
        client_id: &str,
        name: &str,
        created: f64,
        doc: &T,
    ) -> Result<(), sqlx::Error> {
        let cols = [
            ("client_id", client_id),
            ("pool_id", pool_id),
            ("name", name),
        ];
        CLIENTS.insert(&self.write, &cols, Some(created), doc).await
    }

    /// A client by id alone (public calls name only the client): `(pool_id, doc)`.
    pub async fn get_client<T: DeserializeOwned>(
        &self,
        client_id: &str,
    ) -> Result<Option<(String, T)>, sqlx::Error> {
        CLIENTS
            .get_with(&self.read, "pool_id", &[("client_id", client_id)])
            .await
    }

    pub async fn update_client<T: Serialize>(
        &self,
        client_id: &str,
        name: &str,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        CLIENTS
            .update(&self.write, Some(name), &[("client_id", client_id)], doc)
            .await
    }

    pub async fn delete_client(&self, pool_id: &str, client_id: &str) -> Result<bool, sqlx::Error> {
        let filter = [("pool_id", pool_id), ("client_id", client_id)];
        let deleted = CLIENTS.delete(&self.write, &filter).await?;
        if deleted {
            // Per-client settings have no foreign key (a pool-wide row has no client).
            self.delete_client_settings(client_id).await?;
            self.delete_objects_of_client(client_id).await?;
        }
        Ok(deleted)
    }

    /// A pool's clients in id order after `after`, at most `limit`.
    pub async fn list_clients<T: DeserializeOwned>(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<T>, sqlx::Error> {
        CLIENTS
            .list(&self.read, &[("pool_id", pool_id)], after, limit)
            .await
    }
}
