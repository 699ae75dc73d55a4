//! Token families (one per sign-in, keyed by `origin_jti`) and the refresh tokens that belong
//! to them. Revocation works on families: RevokeToken revokes one, GlobalSignOut all of a user's.

use super::Store;
use sqlx::Row;

/// A sign-in, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenFamily {
    pub origin_jti: String,
    pub pool_id: String,
    pub client_id: String,
    pub username: String,
    pub sub: String,
    pub auth_time: i64,
    pub revoked_at: Option<f64>,
    /// The device the sign-in was made from (device tracking), kept in refreshed tokens.
    pub device_key: Option<String>,
}

/// A refresh token found by its hash, with its family.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshTokenRow {
    pub family: TokenFamily,
    pub expires: i64,
    pub replaced_at: Option<f64>,
}

fn family_of(row: &sqlx::sqlite::SqliteRow) -> TokenFamily {
    TokenFamily {
        origin_jti: row.get("origin_jti"),
        pool_id: row.get("pool_id"),
        client_id: row.get("client_id"),
        username: row.get("username"),
        sub: row.get("sub"),
        auth_time: row.get("auth_time"),
        revoked_at: row.get("revoked_at"),
        device_key: row.get("device_key"),
    }
}

impl Store {
    /// Records a sign-in and its first refresh token, in one transaction.
    pub async fn start_token_family(
        &self,
        family: &TokenFamily,
        refresh_sha256: &str,
        now: f64,
        refresh_expires: i64,
    ) -> Result<(), sqlx::Error> {
        let batch = sqlx::query(
            "BEGIN IMMEDIATE; \
             INSERT INTO token_families (origin_jti, pool_id, client_id, username, sub, auth_time, created, device_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8); \
             INSERT INTO refresh_tokens (token_sha256, origin_jti, created, expires) VALUES (?9, ?1, ?7, ?10); \
             COMMIT",
        )
        .bind(&family.origin_jti)
        .bind(&family.pool_id)
        .bind(&family.client_id)
        .bind(&family.username)
        .bind(&family.sub)
        .bind(family.auth_time)
        .bind(now)
        .bind(&family.device_key)
        .bind(refresh_sha256)
        .bind(refresh_expires);
        self.write.execute_atomic(batch).await.map(drop)
    }

    pub async fn find_refresh_token(
        &self,
        refresh_sha256: &str,
    ) -> Result<Option<RefreshTokenRow>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT f.origin_jti, f.pool_id, f.client_id, f.username, f.sub, f.auth_time, f.revoked_at, f.device_key, r.expires, r.replaced_at \
             FROM refresh_tokens r JOIN token_families f ON f.origin_jti = r.origin_jti WHERE r.token_sha256 = ?",
        )
        .bind(refresh_sha256)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(|r| RefreshTokenRow {
            family: family_of(&r),
            expires: r.get("expires"),
            replaced_at: r.get("replaced_at"),
        }))
    }

    pub async fn find_token_family(
        &self,
        origin_jti: &str,
    ) -> Result<Option<TokenFamily>, sqlx::Error> {
        let row = sqlx::query("SELECT * FROM token_families WHERE origin_jti = ?")
            .bind(origin_jti)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.as_ref().map(family_of))
    }

    /// Refresh-token rotation: marks the old token replaced and stores the new one.
    pub async fn rotate_refresh_token(
        &self,
        old_sha256: &str,
        new_sha256: &str,
        origin_jti: &str,
        now: f64,
        new_expires: i64,
    ) -> Result<(), sqlx::Error> {
        let batch = sqlx::query(
            "BEGIN IMMEDIATE; \
             UPDATE refresh_tokens SET replaced_at = ?1 WHERE token_sha256 = ?2 AND replaced_at IS NULL; \
             INSERT INTO refresh_tokens (token_sha256, origin_jti, created, expires) VALUES (?3, ?4, ?1, ?5); \
             COMMIT",
        )
        .bind(now)
        .bind(old_sha256)
        .bind(new_sha256)
        .bind(origin_jti)
        .bind(new_expires);
        self.write.execute_atomic(batch).await.map(drop)
    }

    /// Revokes one family; false when it does not exist.
    pub async fn revoke_token_family(
        &self,
        origin_jti: &str,
        now: f64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE token_families SET revoked_at = COALESCE(revoked_at, ?) WHERE origin_jti = ?",
        )
        .bind(now)
        .bind(origin_jti)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Revokes every family of a user (GlobalSignOut, AdminUserGlobalSignOut).
    pub async fn revoke_user_token_families(
        &self,
        pool_id: &str,
        username: &str,
        now: f64,
    ) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE token_families SET revoked_at = ? WHERE pool_id = ? AND username = ? AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(pool_id)
        .bind(username)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected())
    }
}

/// A live sign-in as the session actions list it.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveSession {
    pub origin_jti: String,
    pub client_id: String,
    pub created: f64,
    /// The newest refresh token's issue time (the last refresh, or the sign-in).
    pub last_active: f64,
}

impl Store {
    /// A user's unrevoked sign-ins that still hold a refresh token valid at `now`, oldest
    /// first. Served by `token_families_by_user` and `refresh_tokens_by_family`.
    pub async fn live_sessions(
        &self,
        pool_id: &str,
        username: &str,
        now: i64,
    ) -> Result<Vec<LiveSession>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT f.origin_jti, f.client_id, f.created, MAX(r.created) AS last_active \
             FROM token_families f JOIN refresh_tokens r ON r.origin_jti = f.origin_jti \
             WHERE f.pool_id = ? AND f.username = ? AND f.revoked_at IS NULL \
               AND r.replaced_at IS NULL AND r.expires > ? \
             GROUP BY f.origin_jti ORDER BY f.created, f.origin_jti",
        )
        .bind(pool_id)
        .bind(username)
        .bind(now)
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .iter()
            .map(|r| LiveSession {
                origin_jti: r.get("origin_jti"),
                client_id: r.get("client_id"),
                created: r.get("created"),
                last_active: r.get("last_active"),
            })
            .collect())
    }
}
