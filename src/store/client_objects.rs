//! Per-client objects created by id (`client_objects`): terms and managed login branding.
//! Documents are owned by `idp::terms` and `idp::branding`; the store never reads them.

use super::Store;
use super::documents::{from_json, to_json};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;

/// Where an object lives: pool, kind and id.
#[derive(Clone, Copy)]
pub struct ObjectKey<'a> {
    pub pool_id: &'a str,
    pub kind: &'static str,
    pub object_id: &'a str,
}

impl Store {
    /// False (nothing written) when the client already has an object of this kind and name.
    pub async fn insert_client_object<T: Serialize>(
        &self,
        key: ObjectKey<'_>,
        client_id: &str,
        name: &str,
        created: f64,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO client_objects (pool_id, kind, object_id, client_id, name, created, doc) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(key.pool_id)
        .bind(key.kind)
        .bind(key.object_id)
        .bind(client_id)
        .bind(name)
        .bind(created)
        .bind(to_json(doc)?)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn get_client_object<T: DeserializeOwned>(
        &self,
        key: ObjectKey<'_>,
    ) -> Result<Option<T>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT doc FROM client_objects WHERE pool_id = ? AND kind = ? AND object_id = ?",
        )
        .bind(key.pool_id)
        .bind(key.kind)
        .bind(key.object_id)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| from_json(r.get::<&str, _>(0))).transpose()
    }

    /// The client's object of this kind and name.
    pub async fn find_client_object<T: DeserializeOwned>(
        &self,
        pool_id: &str,
        kind: &'static str,
        client_id: &str,
        name: &str,
    ) -> Result<Option<T>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT doc FROM client_objects WHERE pool_id = ? AND kind = ? AND client_id = ? AND name = ?",
        )
        .bind(pool_id)
        .bind(kind)
        .bind(client_id)
        .bind(name)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| from_json(r.get::<&str, _>(0))).transpose()
    }

    /// The client's objects of a kind, in name order.
    pub async fn client_objects<T: DeserializeOwned>(
        &self,
        pool_id: &str,
        kind: &'static str,
        client_id: &str,
    ) -> Result<Vec<T>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT doc FROM client_objects WHERE pool_id = ? AND kind = ? AND client_id = ? ORDER BY name",
        )
        .bind(pool_id)
        .bind(kind)
        .bind(client_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| from_json(r.get::<&str, _>(0)))
            .collect()
    }

    /// A pool's objects of a kind in (created, id) order after the id `after`, at most `limit`.
    pub async fn list_client_objects<T: DeserializeOwned>(
        &self,
        pool_id: &str,
        kind: &'static str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(String, T)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT object_id, doc FROM client_objects WHERE pool_id = ? AND kind = ? AND object_id > ? \
             ORDER BY object_id LIMIT ?",
        )
        .bind(pool_id)
        .bind(kind)
        .bind(after.unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((r.get(0), from_json(r.get::<&str, _>(1))?)))
            .collect()
    }

    /// Replaces the document (and the name); false when there is no such object, an error
    /// when the new name is taken for the client.
    pub async fn update_client_object<T: Serialize>(
        &self,
        key: ObjectKey<'_>,
        name: &str,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE client_objects SET name = ?, doc = ? WHERE pool_id = ? AND kind = ? AND object_id = ?",
        )
        .bind(name)
        .bind(to_json(doc)?)
        .bind(key.pool_id)
        .bind(key.kind)
        .bind(key.object_id)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every object of a deleted client.
    pub async fn delete_objects_of_client(&self, client_id: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM client_objects WHERE client_id = ?")
            .bind(client_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn delete_client_object(&self, key: ObjectKey<'_>) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "DELETE FROM client_objects WHERE pool_id = ? AND kind = ? AND object_id = ?",
        )
        .bind(key.pool_id)
        .bind(key.kind)
        .bind(key.object_id)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
