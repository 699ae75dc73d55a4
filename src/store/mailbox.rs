//! The dev mailbox: messages the emulator would have delivered, in the order sent.

use super::Store;
use serde::Serialize;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Row};

/// A stored message as `GET /_dev/mailbox` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredMessage {
    pub id: i64,
    pub pool_id: String,
    pub username: String,
    pub to: String,
    /// `EMAIL` or `SMS`.
    pub medium: String,
    /// What the message is for: `sign_up`, `resend_code`, `invitation`, `forgot_password`,
    /// `verify_attribute`, `mfa`, ...
    pub kind: String,
    pub subject: Option<String>,
    pub body: String,
    pub code: Option<String>,
    /// Epoch seconds by the emulator's clock.
    pub created_at: f64,
}

/// Which messages to list; `None` matches everything.
#[derive(Debug, Clone, Default)]
pub struct MailboxFilter {
    pub to: Option<String>,
    pub pool: Option<String>,
    pub username: Option<String>,
    pub kind: Option<String>,
}

/// A message to store (the id and time are the store's).
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub pool_id: &'a str,
    pub username: &'a str,
    pub to: &'a str,
    pub medium: &'a str,
    pub kind: &'a str,
    pub subject: Option<&'a str>,
    pub body: &'a str,
    pub code: Option<&'a str>,
    pub created_at: f64,
}

fn message_from_row(r: &SqliteRow) -> Result<StoredMessage, sqlx::Error> {
    Ok(StoredMessage {
        id: r.try_get("id")?,
        pool_id: r.try_get("pool_id")?,
        username: r.try_get("username")?,
        to: r.try_get("recipient")?,
        medium: r.try_get("medium")?,
        kind: r.try_get("kind")?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        code: r.try_get("code")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Store {
    pub async fn insert_message(&self, m: &NewMessage<'_>) -> Result<i64, sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO mailbox (pool_id, username, recipient, medium, kind, subject, body, code, \
             created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(m.pool_id)
        .bind(m.username)
        .bind(m.to)
        .bind(m.medium)
        .bind(m.kind)
        .bind(m.subject)
        .bind(m.body)
        .bind(m.code)
        .bind(m.created_at)
        .execute(&self.write)
        .await?;
        Ok(done.last_insert_rowid())
    }

    /// Messages matching `filter`, oldest first (`newest_first` reverses), at most `limit`.
    pub async fn list_messages(
        &self,
        filter: &MailboxFilter,
        newest_first: bool,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, sqlx::Error> {
        let order = if newest_first { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT id, pool_id, username, recipient, medium, kind, subject, body, code, created_at \
             FROM mailbox WHERE (?1 IS NULL OR lower(recipient) = lower(?1)) \
             AND (?2 IS NULL OR pool_id = ?2) AND (?3 IS NULL OR username = ?3) \
             AND (?4 IS NULL OR kind = ?4) ORDER BY id {order} LIMIT ?5"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(filter.to.as_deref())
            .bind(filter.pool.as_deref())
            .bind(filter.username.as_deref())
            .bind(filter.kind.as_deref())
            .bind(limit as i64)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// Empties the mailbox; answers how many messages were removed.
    pub async fn clear_messages(&self) -> Result<u64, sqlx::Error> {
        let done = sqlx::query("DELETE FROM mailbox")
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }
}
