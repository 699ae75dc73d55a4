//! MFA settings: a pool's factors (`pool_mfa`) and a user's factors and TOTP secret
//! (`user_mfa`), both as JSON documents owned by `idp::mfa`.

use super::Store;
use sqlx::Row;

impl Store {
    pub async fn pool_mfa(&self, pool_id: &str) -> Result<Option<String>, sqlx::Error> {
        let row = sqlx::query("SELECT doc FROM pool_mfa WHERE pool_id = ?")
            .bind(pool_id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    pub async fn put_pool_mfa(&self, pool_id: &str, doc: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO pool_mfa (pool_id, doc) VALUES (?, ?) \
             ON CONFLICT (pool_id) DO UPDATE SET doc = excluded.doc",
        )
        .bind(pool_id)
        .bind(doc)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn user_mfa(&self, pool_id: &str, sub: &str) -> Result<Option<String>, sqlx::Error> {
        let row = sqlx::query("SELECT doc FROM user_mfa WHERE pool_id = ? AND sub = ?")
            .bind(pool_id)
            .bind(sub)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    pub async fn put_user_mfa(
        &self,
        pool_id: &str,
        sub: &str,
        doc: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO user_mfa (pool_id, sub, doc) VALUES (?, ?, ?) \
             ON CONFLICT (pool_id, sub) DO UPDATE SET doc = excluded.doc",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(doc)
        .execute(&self.write)
        .await?;
        Ok(())
    }
}
