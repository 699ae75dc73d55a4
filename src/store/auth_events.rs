//! A user's sign-in events (`auth_events`), documents owned by `idp::auth_events`.

use super::Store;
use super::documents::{from_json, to_json};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;

/// One stored event: its position for paging, the feedback token, the document.
pub struct StoredEvent<T> {
    pub created: f64,
    pub event_id: String,
    pub feedback_token: String,
    pub doc: T,
}

impl Store {
    pub async fn insert_auth_event<T: Serialize>(
        &self,
        pool_id: &str,
        sub: &str,
        event: &StoredEvent<T>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO auth_events (pool_id, event_id, sub, created, feedback_token, doc) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(pool_id)
        .bind(&event.event_id)
        .bind(sub)
        .bind(event.created)
        .bind(&event.feedback_token)
        .bind(to_json(&event.doc)?)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// A user's events, newest first, after the `(created, event_id)` position `after`.
    pub async fn list_auth_events<T: DeserializeOwned>(
        &self,
        sub: &str,
        after: Option<(f64, &str)>,
        limit: u32,
    ) -> Result<Vec<StoredEvent<T>>, sqlx::Error> {
        let (created, id) = after.unwrap_or((f64::MAX, ""));
        let rows = sqlx::query(
            "SELECT created, event_id, feedback_token, doc FROM auth_events WHERE sub = ? \
             AND (created < ? OR (created = ? AND event_id < ?) OR ? = '') \
             ORDER BY created DESC, event_id DESC LIMIT ?",
        )
        .bind(sub)
        .bind(created)
        .bind(created)
        .bind(id)
        .bind(id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(stored).collect()
    }

    pub async fn get_auth_event<T: DeserializeOwned>(
        &self,
        pool_id: &str,
        sub: &str,
        event_id: &str,
    ) -> Result<Option<StoredEvent<T>>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT created, event_id, feedback_token, doc FROM auth_events \
             WHERE pool_id = ? AND event_id = ? AND sub = ?",
        )
        .bind(pool_id)
        .bind(event_id)
        .bind(sub)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(stored).transpose()
    }

    pub async fn update_auth_event<T: Serialize>(
        &self,
        pool_id: &str,
        event_id: &str,
        doc: &T,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE auth_events SET doc = ? WHERE pool_id = ? AND event_id = ?")
            .bind(to_json(doc)?)
            .bind(pool_id)
            .bind(event_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}

fn stored<T: DeserializeOwned>(r: &sqlx::sqlite::SqliteRow) -> Result<StoredEvent<T>, sqlx::Error> {
    Ok(StoredEvent {
        created: r.get(0),
        event_id: r.get(1),
        feedback_token: r.get(2),
        doc: from_json(r.get::<&str, _>(3))?,
    })
}
