//! An app client's rotated secrets (`client_secrets`), owned by `idp::client_secrets`.

use super::Store;
use sqlx::Row;

/// One current secret of a client.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientSecret {
    pub id: String,
    pub secret: String,
    pub created: f64,
}

/// What an add or a delete did.
#[derive(Debug, PartialEq)]
pub enum SecretChange {
    Done,
    /// Adding: the client already has the most secrets allowed.
    Full,
    /// Deleting: no secret of that id.
    NotFound,
    /// Deleting: it is the client's last secret.
    Last,
}

impl Store {
    /// A client's secrets, oldest first (empty when it never rotated).
    pub async fn client_secrets(&self, client_id: &str) -> Result<Vec<ClientSecret>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT secret_id, secret, created FROM client_secrets WHERE client_id = ? \
             ORDER BY created, secret_id",
        )
        .bind(client_id)
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| ClientSecret {
                id: r.get(0),
                secret: r.get(1),
                created: r.get(2),
            })
            .collect())
    }

    /// Adds `new` unless the client holds `max` secrets. `original` (the document's secret)
    /// is written first when the client has no rows yet, in the same transaction.
    pub async fn add_client_secret(
        &self,
        client_id: &str,
        original: &ClientSecret,
        new: &ClientSecret,
        max: i64,
    ) -> Result<SecretChange, sqlx::Error> {
        let mut tx = self.write.begin().await?;
        seed(&mut tx, client_id, original).await?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM client_secrets WHERE client_id = ?")
                .bind(client_id)
                .fetch_one(&mut *tx)
                .await?;
        if count >= max {
            return Ok(SecretChange::Full);
        }
        insert(&mut tx, client_id, new).await?;
        tx.commit().await?;
        Ok(SecretChange::Done)
    }

    /// Deletes one secret, never the last one (seeding `original` first, as above).
    pub async fn delete_client_secret(
        &self,
        client_id: &str,
        original: &ClientSecret,
        secret_id: &str,
    ) -> Result<SecretChange, sqlx::Error> {
        let mut tx = self.write.begin().await?;
        seed(&mut tx, client_id, original).await?;
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT secret_id FROM client_secrets WHERE client_id = ?")
                .bind(client_id)
                .fetch_all(&mut *tx)
                .await?;
        if !ids.iter().any(|id| id == secret_id) {
            return Ok(SecretChange::NotFound);
        }
        if ids.len() == 1 {
            return Ok(SecretChange::Last);
        }
        sqlx::query("DELETE FROM client_secrets WHERE client_id = ? AND secret_id = ?")
            .bind(client_id)
            .bind(secret_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(SecretChange::Done)
    }
}

async fn seed(
    tx: &mut sqlx::SqliteConnection,
    client_id: &str,
    original: &ClientSecret,
) -> Result<(), sqlx::Error> {
    let any: Option<i64> = sqlx::query_scalar("SELECT 1 FROM client_secrets WHERE client_id = ?")
        .bind(client_id)
        .fetch_optional(&mut *tx)
        .await?;
    if any.is_none() {
        insert(tx, client_id, original).await?;
    }
    Ok(())
}

async fn insert(
    tx: &mut sqlx::SqliteConnection,
    client_id: &str,
    s: &ClientSecret,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO client_secrets (client_id, secret_id, secret, created) VALUES (?, ?, ?, ?)",
    )
    .bind(client_id)
    .bind(&s.id)
    .bind(&s.secret)
    .bind(s.created)
    .execute(tx)
    .await?;
    Ok(())
}
