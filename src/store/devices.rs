//! Users' devices (`devices`): created when a sign-in hands out NewDeviceMetadata, confirmed
//! with the device's SRP verifier, remembered or not, forgotten. Owned by `idp::devices`.

use super::Store;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub pool_id: String,
    pub device_key: String,
    /// The owner's sub.
    pub sub: String,
    pub group_key: String,
    pub name: Option<String>,
    /// The SRP salt and verifier bytes ConfirmDevice gave (None until confirmed).
    pub salt: Option<Vec<u8>>,
    pub verifier: Option<Vec<u8>>,
    pub remembered: bool,
    pub last_ip: Option<String>,
    pub created: f64,
    pub modified: f64,
    pub last_authenticated: f64,
}

impl Device {
    pub fn confirmed(&self) -> bool {
        self.verifier.is_some()
    }
}

fn device_of(row: &sqlx::sqlite::SqliteRow) -> Device {
    Device {
        pool_id: row.get("pool_id"),
        device_key: row.get("device_key"),
        sub: row.get("sub"),
        group_key: row.get("group_key"),
        name: row.get("name"),
        salt: row.get("salt"),
        verifier: row.get("verifier"),
        remembered: row.get::<i64, _>("remembered") != 0,
        last_ip: row.get("last_ip"),
        created: row.get("created"),
        modified: row.get("modified"),
        last_authenticated: row.get("last_authenticated"),
    }
}

impl Store {
    pub async fn insert_device(&self, d: &Device) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO devices (pool_id, device_key, sub, group_key, name, salt, verifier, \
             remembered, last_ip, created, modified, last_authenticated) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&d.pool_id)
        .bind(&d.device_key)
        .bind(&d.sub)
        .bind(&d.group_key)
        .bind(&d.name)
        .bind(&d.salt)
        .bind(&d.verifier)
        .bind(d.remembered as i64)
        .bind(&d.last_ip)
        .bind(d.created)
        .bind(d.modified)
        .bind(d.last_authenticated)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn get_device(
        &self,
        pool_id: &str,
        device_key: &str,
    ) -> Result<Option<Device>, sqlx::Error> {
        let row = sqlx::query("SELECT * FROM devices WHERE pool_id = ? AND device_key = ?")
            .bind(pool_id)
            .bind(device_key)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.as_ref().map(device_of))
    }

    /// A user's confirmed devices, oldest first.
    pub async fn list_devices(&self, pool_id: &str, sub: &str) -> Result<Vec<Device>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT * FROM devices WHERE sub = ? AND pool_id = ? AND verifier IS NOT NULL \
             ORDER BY created, device_key",
        )
        .bind(sub)
        .bind(pool_id)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.iter().map(device_of).collect())
    }

    /// ConfirmDevice: stores `d`'s verifier, salt, name and remembered status. False when the
    /// device is gone (forgotten, or its user deleted) or belongs to someone else.
    pub async fn confirm_device(&self, d: &Device) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE devices SET salt = ?, verifier = ?, name = ?, remembered = ?, modified = ? \
             WHERE pool_id = ? AND device_key = ? AND sub = ?",
        )
        .bind(&d.salt)
        .bind(&d.verifier)
        .bind(&d.name)
        .bind(d.remembered as i64)
        .bind(d.modified)
        .bind(&d.pool_id)
        .bind(&d.device_key)
        .bind(&d.sub)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn set_device_remembered(
        &self,
        pool_id: &str,
        device_key: &str,
        remembered: bool,
        now: f64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE devices SET remembered = ?, modified = ? WHERE pool_id = ? AND device_key = ?",
        )
        .bind(remembered as i64)
        .bind(now)
        .bind(pool_id)
        .bind(device_key)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A sign-in proved the device.
    pub async fn touch_device(
        &self,
        pool_id: &str,
        device_key: &str,
        last_ip: Option<&str>,
        now: f64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE devices SET last_authenticated = ?, last_ip = COALESCE(?, last_ip) \
             WHERE pool_id = ? AND device_key = ?",
        )
        .bind(now)
        .bind(last_ip)
        .bind(pool_id)
        .bind(device_key)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn delete_device(
        &self,
        pool_id: &str,
        device_key: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM devices WHERE pool_id = ? AND device_key = ?")
            .bind(pool_id)
            .bind(device_key)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
