//! Applies migrations/*.sql (embedded by build.rs) in version order, each in its own
//! transaction, recording what was applied with a checksum so an edited migration is
//! refused instead of silently diverging.

use sha2::{Digest, Sha256};
use sqlx::{Connection, SqlitePool};
use std::collections::HashMap;

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

fn checksum(sql: &str) -> String {
    Sha256::digest(sql.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub async fn run(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS _migrations (
            version INTEGER PRIMARY KEY NOT NULL,
            description TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied_at REAL NOT NULL
        )",
    )
    .execute(&mut *conn)
    .await?;
    let applied: HashMap<i64, String> =
        sqlx::query_as::<_, (i64, String)>("SELECT version, checksum FROM _migrations")
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    for (version, description, sql) in MIGRATIONS {
        let sum = checksum(sql);
        match applied.get(version) {
            Some(done) if *done == sum => continue,
            Some(_) => {
                return Err(sqlx::Error::Protocol(format!(
                    "migration {version} ({description}) was changed after this database applied it"
                )));
            }
            None => {}
        }
        let mut tx = conn.begin().await?;
        sqlx::raw_sql(*sql).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO _migrations (version, description, checksum, applied_at)
             VALUES (?, ?, ?, unixepoch('subsec'))",
        )
        .bind(version)
        .bind(description)
        .bind(&sum)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn migrations_apply_once_and_edits_are_refused() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        super::run(&pool).await.unwrap();
        super::run(&pool).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM _migrations")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(n as usize, super::MIGRATIONS.len());
        sqlx::query("UPDATE _migrations SET checksum = 'x' WHERE version = 1")
            .execute(&pool)
            .await
            .unwrap();
        assert!(super::run(&pool).await.is_err());
    }
}
