//! The account's provisioned API rate limits (`provisioned_limits`).

use super::Store;

impl Store {
    pub async fn provisioned_limit(&self, category: &str) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query_scalar("SELECT value FROM provisioned_limits WHERE category = ?")
            .bind(category)
            .fetch_optional(&self.read)
            .await
    }

    pub async fn set_provisioned_limit(
        &self,
        category: &str,
        value: i64,
        now: f64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO provisioned_limits (category, value, updated) VALUES (?, ?, ?) \
             ON CONFLICT (category) DO UPDATE SET value = excluded.value, updated = excluded.updated",
        )
        .bind(category)
        .bind(value)
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(())
    }
}
