//! User pools and app clients. Settings are stored as JSON documents; callers choose the type.

use super::Store;
use super::documents::DocTable;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;

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
        let done = POOLS.insert(&self.write, &cols, Some(created), doc).await;
        self.docs.pools.forget(id);
        done
    }

    pub async fn get_pool<T: DeserializeOwned + Clone + Send + Sync + 'static>(
        &self,
        id: &str,
    ) -> Result<Option<T>, sqlx::Error> {
        Ok(self
            .get_pool_shared::<T>(id)
            .await?
            .map(Arc::unwrap_or_clone))
    }

    /// The pool's document, from memory after the first read (see `doc_cache.rs`).
    pub async fn get_pool_shared<T: DeserializeOwned + Send + Sync + 'static>(
        &self,
        id: &str,
    ) -> Result<Option<Arc<T>>, sqlx::Error> {
        if let Some(doc) = self.docs.pools.get::<T>(id) {
            return Ok(Some(doc));
        }
        let generation = self.docs.pools.generation();
        let doc: Option<T> = POOLS.get(&self.read, &[("id", id)]).await?;
        Ok(doc.map(|doc| {
            let doc = Arc::new(doc);
            self.docs.pools.put(generation, id, doc.clone());
            doc
        }))
    }

    /// Replaces a pool's document; false when the pool does not exist.
    pub async fn update_pool<T: Serialize>(
        &self,
        id: &str,
        name: &str,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        let done = POOLS
            .update(&self.write, Some(name), &[("id", id)], doc)
            .await;
        self.docs.pools.forget(id);
        done
    }

    /// Deletes a pool and everything in it; false when it did not exist.
    pub async fn delete_pool(&self, id: &str) -> Result<bool, sqlx::Error> {
        let done = POOLS.delete(&self.write, &[("id", id)]).await;
        // The pool's clients and settings went with it.
        self.docs.clear();
        done
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
        let done = CLIENTS.insert(&self.write, &cols, Some(created), doc).await;
        self.docs.clients.forget(client_id);
        done
    }

    /// A client by id alone (public calls name only the client): `(pool_id, doc)`.
    pub async fn get_client<T: DeserializeOwned + Clone + Send + Sync + 'static>(
        &self,
        client_id: &str,
    ) -> Result<Option<(String, T)>, sqlx::Error> {
        if let Some(doc) = self.docs.clients.get::<(String, T)>(client_id) {
            return Ok(Some(Arc::unwrap_or_clone(doc)));
        }
        let generation = self.docs.clients.generation();
        let doc: Option<(String, T)> = CLIENTS
            .get_with(&self.read, "pool_id", &[("client_id", client_id)])
            .await?;
        if let Some(doc) = &doc {
            self.docs
                .clients
                .put(generation, client_id, Arc::new(doc.clone()));
        }
        Ok(doc)
    }

    pub async fn update_client<T: Serialize>(
        &self,
        client_id: &str,
        name: &str,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        let done = CLIENTS
            .update(&self.write, Some(name), &[("client_id", client_id)], doc)
            .await;
        self.docs.clients.forget(client_id);
        done
    }

    pub async fn delete_client(&self, pool_id: &str, client_id: &str) -> Result<bool, sqlx::Error> {
        let filter = [("pool_id", pool_id), ("client_id", client_id)];
        let deleted = CLIENTS.delete(&self.write, &filter).await;
        self.docs.clients.forget(client_id);
        let deleted = deleted?;
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
