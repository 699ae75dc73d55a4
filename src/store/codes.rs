//! One-time codes (sign-up confirmation, password reset, attribute verification): one live
//! code per user and purpose; a new code replaces the previous one.

use super::Store;
use sqlx::Row;

/// A stored code and when it stops being accepted (epoch seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCode {
    pub code: String,
    pub expires: f64,
}

impl Store {
    pub async fn put_code(
        &self,
        pool_id: &str,
        username: &str,
        purpose: &str,
        code: &str,
        expires: f64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO user_codes (pool_id, username, purpose, code, expires) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (pool_id, username, purpose) DO UPDATE SET code = excluded.code, \
             expires = excluded.expires",
        )
        .bind(pool_id)
        .bind(username)
        .bind(purpose)
        .bind(code)
        .bind(expires)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn get_code(
        &self,
        pool_id: &str,
        username: &str,
        purpose: &str,
    ) -> Result<Option<StoredCode>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT code, expires FROM user_codes WHERE pool_id = ? AND username = ? AND purpose = ?",
        )
        .bind(pool_id)
        .bind(username)
        .bind(purpose)
        .fetch_optional(&self.write)
        .await?;
        row.map(|r| {
            Ok(StoredCode {
                code: r.try_get(0)?,
                expires: r.try_get(1)?,
            })
        })
        .transpose()
    }

    pub async fn delete_code(
        &self,
        pool_id: &str,
        username: &str,
        purpose: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM user_codes WHERE pool_id = ? AND username = ? AND purpose = ?")
            .bind(pool_id)
            .bind(username)
            .bind(purpose)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}

/// Pending attribute values (AttributesRequireVerificationBeforeUpdate): one per user and
/// attribute; a newer update replaces it.
impl Store {
    pub async fn put_pending_attribute(
        &self,
        pool_id: &str,
        username: &str,
        attribute: &str,
        value: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO pending_attributes (pool_id, username, attribute, value) VALUES (?, ?, ?, ?) \
             ON CONFLICT (pool_id, username, attribute) DO UPDATE SET value = excluded.value",
        )
        .bind(pool_id)
        .bind(username)
        .bind(attribute)
        .bind(value)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn get_pending_attribute(
        &self,
        pool_id: &str,
        username: &str,
        attribute: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT value FROM pending_attributes WHERE pool_id = ? AND username = ? AND attribute = ?",
        )
        .bind(pool_id)
        .bind(username)
        .bind(attribute)
        .fetch_optional(&self.write)
        .await?;
        row.map(|r| r.try_get(0)).transpose()
    }

    pub async fn delete_pending_attribute(
        &self,
        pool_id: &str,
        username: &str,
        attribute: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "DELETE FROM pending_attributes WHERE pool_id = ? AND username = ? AND attribute = ?",
        )
        .bind(pool_id)
        .bind(username)
        .bind(attribute)
        .execute(&self.write)
        .await?;
        Ok(())
    }
}
