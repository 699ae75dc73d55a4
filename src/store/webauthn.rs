//! Passkeys (`webauthn_credentials`): rows owned by `idp::webauthn`, its JSON document plus
//! the signature counter.

use super::Store;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct StoredCredential {
    pub credential_id: String,
    pub sub: String,
    pub doc: String,
    pub sign_count: i64,
    pub created_at: f64,
}

fn from_row(r: &sqlx::sqlite::SqliteRow) -> StoredCredential {
    StoredCredential {
        credential_id: r.get(0),
        sub: r.get(1),
        doc: r.get(2),
        sign_count: r.get(3),
        created_at: r.get(4),
    }
}

impl Store {
    /// Stores a new credential; false when the pool already has one with this id.
    pub async fn insert_webauthn_credential(
        &self,
        pool_id: &str,
        c: &StoredCredential,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "INSERT OR IGNORE INTO webauthn_credentials \
             (pool_id, credential_id, sub, doc, sign_count, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(pool_id)
        .bind(&c.credential_id)
        .bind(&c.sub)
        .bind(&c.doc)
        .bind(c.sign_count)
        .bind(c.created_at)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A user's credentials, oldest first.
    pub async fn list_webauthn_credentials(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> Result<Vec<StoredCredential>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT credential_id, sub, doc, sign_count, created_at FROM webauthn_credentials \
             WHERE pool_id = ? AND sub = ? ORDER BY created_at, credential_id",
        )
        .bind(pool_id)
        .bind(sub)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.iter().map(from_row).collect())
    }

    pub async fn get_webauthn_credential(
        &self,
        pool_id: &str,
        credential_id: &str,
    ) -> Result<Option<StoredCredential>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT credential_id, sub, doc, sign_count, created_at FROM webauthn_credentials \
             WHERE pool_id = ? AND credential_id = ?",
        )
        .bind(pool_id)
        .bind(credential_id)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.as_ref().map(from_row))
    }

    /// Deletes one of a user's credentials; false when they have none with this id.
    pub async fn delete_webauthn_credential(
        &self,
        pool_id: &str,
        sub: &str,
        credential_id: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "DELETE FROM webauthn_credentials WHERE pool_id = ? AND sub = ? AND credential_id = ?",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(credential_id)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Moves a credential's counter from `old` to `new`; false when another sign-in moved it
    /// first (of two concurrent assertions only one counts).
    pub async fn advance_webauthn_sign_count(
        &self,
        pool_id: &str,
        credential_id: &str,
        old: i64,
        new: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE webauthn_credentials SET sign_count = ? \
             WHERE pool_id = ? AND credential_id = ? AND sign_count = ?",
        )
        .bind(new)
        .bind(pool_id)
        .bind(credential_id)
        .bind(old)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
