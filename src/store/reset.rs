//! Wiping stored state for `POST /_dev/reset`: a test suite sharing one emulator starts each
//! test from nothing (or from its seed) without a restart.

use super::Store;
use sqlx::{AssertSqlSafe, Row};

/// Tables a reset keeps: the migration ledger, the identity service's signing key (tokens
/// it signed stay verifiable, and no caller can tell one key from another) and the spare
/// pool keys (no pool owns them yet).
const KEPT: [&str; 3] = ["_migrations", "identity_signing_keys", "spare_signing_keys"];

impl Store {
    /// Deletes every row of every table but [`KEPT`], in one transaction.
    pub async fn reset_all(&self) -> Result<(), sqlx::Error> {
        let mut tx = self.write.begin().await?;
        // Rows reference each other; the constraints are checked once, at commit.
        sqlx::query("PRAGMA defer_foreign_keys = ON")
            .execute(&mut *tx)
            .await?;
        let tables: Vec<String> = sqlx::query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.get::<String, _>(0))
        .filter(|t| !KEPT.contains(&t.as_str()))
        .collect();
        for table in tables {
            // Names come from sqlite_master, quoted as identifiers.
            let sql = format!("DELETE FROM \"{}\"", table.replace('"', "\"\""));
            sqlx::query(AssertSqlSafe(sql)).execute(&mut *tx).await?;
        }
        let committed = tx.commit().await;
        self.docs.clear();
        committed?;
        self.keys.forget_all();
        Ok(())
    }

    /// Deletes one user pool with everything in it, and the mail sent for it; false when
    /// there is no such pool.
    pub async fn reset_pool(&self, pool_id: &str) -> Result<bool, sqlx::Error> {
        if !self.delete_pool(pool_id).await? {
            return Ok(false);
        }
        sqlx::query("DELETE FROM mailbox WHERE pool_id = ?")
            .bind(pool_id)
            .execute(&self.write)
            .await?;
        self.keys.forget_pool(pool_id);
        Ok(true)
    }
}
