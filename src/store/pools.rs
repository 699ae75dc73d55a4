//! User pools and app clients. Settings are stored as JSON documents; callers choose the type.

use super::Store;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;

fn to_json<T: Serialize>(doc: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(doc).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

impl Store {
    pub async fn insert_pool<T: Serialize>(
        &self,
        id: &str,
        name: &str,
        created: f64,
        doc: &T,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO user_pools (id, name, created, doc) VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(name)
            .bind(created)
            .bind(to_json(doc)?)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn get_pool<T: DeserializeOwned>(&self, id: &str) -> Result<Option<T>, sqlx::Error> {
        let row = sqlx::query("SELECT doc FROM user_pools WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| from_json(r.get::<&str, _>(0))).transpose()
    }

    /// Replaces a pool's document; false when the pool does not exist.
    pub async fn update_pool<T: Serialize>(
        &self,
        id: &str,
        name: &str,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("UPDATE user_pools SET name = ?, doc = ? WHERE id = ?")
            .bind(name)
            .bind(to_json(doc)?)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes a pool and everything in it; false when it did not exist.
    pub async fn delete_pool(&self, id: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM user_pools WHERE id = ?")
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Pools in id order after `after`, at most `limit`.
    pub async fn list_pools<T: DeserializeOwned>(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<T>, sqlx::Error> {
        let rows = sqlx::query("SELECT doc FROM user_pools WHERE id > ? ORDER BY id LIMIT ?")
            .bind(after.unwrap_or(""))
            .bind(limit as i64)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| from_json(r.get::<&str, _>(0)))
            .collect()
    }

    pub async fn insert_client<T: Serialize>(
        &self,
        pool_id: &str,
        client_id: &str,
        name: &str,
        created: f64,
        doc: &T,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO user_pool_clients (client_id, pool_id, name, created, doc) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(client_id)
        .bind(pool_id)
        .bind(name)
        .bind(created)
        .bind(to_json(doc)?)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// A client by id alone (public calls name only the client): `(pool_id, doc)`.
    pub async fn get_client<T: DeserializeOwned>(
        &self,
        client_id: &str,
    ) -> Result<Option<(String, T)>, sqlx::Error> {
        let row = sqlx::query("SELECT pool_id, doc FROM user_pool_clients WHERE client_id = ?")
            .bind(client_id)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| Ok((r.get::<String, _>(0), from_json(r.get::<&str, _>(1))?)))
            .transpose()
    }

    pub async fn update_client<T: Serialize>(
        &self,
        client_id: &str,
        name: &str,
        doc: &T,
    ) -> Result<bool, sqlx::Error> {
        let done =
            sqlx::query("UPDATE user_pool_clients SET name = ?, doc = ? WHERE client_id = ?")
                .bind(name)
                .bind(to_json(doc)?)
                .bind(client_id)
                .execute(&self.write)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn delete_client(&self, pool_id: &str, client_id: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM user_pool_clients WHERE pool_id = ? AND client_id = ?")
            .bind(pool_id)
            .bind(client_id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A pool's clients in id order after `after`, at most `limit`.
    pub async fn list_clients<T: DeserializeOwned>(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<T>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT doc FROM user_pool_clients WHERE pool_id = ? AND client_id > ? ORDER BY client_id LIMIT ?",
        )
        .bind(pool_id)
        .bind(after.unwrap_or(""))
        .bind(limit as i64)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| from_json(r.get::<&str, _>(0)))
            .collect()
    }
}
