//! Applies migrations/*.sql (embedded by build.rs) in version order, each in its own
//! transaction, recording what was applied with a checksum so an edited migration is
//! refused instead of silently diverging.
//!
//! A migration whose first line is `-- migrate: foreign_keys=off` runs with foreign-key
//! enforcement off (needed to rebuild a table others reference: SQLite ignores the pragma
//! inside a transaction, and DROP TABLE would otherwise cascade into the referencing rows).
//! Before it commits, `PRAGMA foreign_key_check` must find nothing; enforcement is turned
//! back on whatever happens.
//!
//! A new database (nothing applied yet) takes every migration in one transaction, with
//! enforcement off throughout and one `foreign_key_check` at the end: it has no rows to
//! protect, and one commit in place of one per migration makes a first start (and every
//! in-memory store the tests open) faster.

use super::Db;
use sqlx::{Connection, SqliteConnection};
use std::collections::HashMap;

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

const FOREIGN_KEYS_OFF: &str = "-- migrate: foreign_keys=off";

fn checksum(sql: &str) -> String {
    crate::crypto::hex::sha256_hex(sql)
}

pub async fn run(db: &Db) -> Result<(), sqlx::Error> {
    run_migrations(db, MIGRATIONS).await
}

/// Applies those of `migrations` this database has not applied yet.
pub(crate) async fn run_migrations(
    db: &Db,
    migrations: &[(i64, &str, &str)],
) -> Result<(), sqlx::Error> {
    let mut conn = db.conn().await?;
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
    let mut pending = Vec::new();
    for (version, description, sql) in migrations {
        let sum = checksum(sql);
        match applied.get(version) {
            Some(done) if *done == sum => continue,
            Some(_) => {
                return Err(sqlx::Error::Protocol(format!(
                    "migration {version} ({description}) was changed after this database applied it"
                )));
            }
            None => pending.push(Migration {
                version: *version,
                description,
                sql,
                sum,
            }),
        }
    }
    let fresh = applied.is_empty();
    let batches: Vec<&[Migration]> = if fresh {
        vec![&pending[..]]
    } else {
        pending.chunks(1).collect()
    };
    for batch in batches.into_iter().filter(|b| !b.is_empty()) {
        let fk_off = fresh
            || batch.iter().any(|m| {
                m.sql
                    .lines()
                    .next()
                    .is_some_and(|l| l.trim() == FOREIGN_KEYS_OFF)
            });
        if fk_off {
            sqlx::raw_sql("PRAGMA foreign_keys = OFF")
                .execute(&mut *conn)
                .await?;
            let result = apply(&mut conn, batch, true).await;
            let restored = sqlx::raw_sql("PRAGMA foreign_keys = ON")
                .execute(&mut *conn)
                .await;
            result?;
            restored?;
        } else {
            apply(&mut conn, batch, false).await?;
        }
    }
    Ok(())
}

/// A migration not applied yet.
struct Migration<'a> {
    version: i64,
    description: &'a str,
    sql: &'a str,
    sum: String,
}

/// Applies `batch` in one transaction.
async fn apply(
    conn: &mut SqliteConnection,
    batch: &[Migration<'_>],
    check_foreign_keys: bool,
) -> Result<(), sqlx::Error> {
    let mut tx = conn.begin().await?;
    for m in batch {
        sqlx::raw_sql(sqlx::AssertSqlSafe(m.sql))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO _migrations (version, description, checksum, applied_at)
             VALUES (?, ?, ?, unixepoch('subsec'))",
        )
        .bind(m.version)
        .bind(m.description)
        .bind(&m.sum)
        .execute(&mut *tx)
        .await?;
    }
    if check_foreign_keys {
        let broken = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut *tx)
            .await?;
        if !broken.is_empty() {
            let last = batch.last().map_or(0, |m| m.version);
            let description = batch.last().map_or("", |m| m.description);
            // Dropping `tx` rolls the migrations back.
            return Err(sqlx::Error::Protocol(format!(
                "migration {last} ({description}) leaves {} rows with broken foreign keys",
                broken.len()
            )));
        }
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn migrations_apply_once_and_edits_are_refused() {
        let pool = memory_pool().await;
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

    async fn memory_pool() -> Db {
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .in_memory(true)
            .foreign_keys(true);
        Db::open(&opts, 1).await.unwrap()
    }

    async fn foreign_keys_on(pool: &Db) -> bool {
        sqlx::query_scalar::<_, i64>("PRAGMA foreign_keys")
            .fetch_one(pool)
            .await
            .unwrap()
            == 1
    }

    #[tokio::test]
    async fn foreign_keys_off_migrations_rebuild_referenced_tables() {
        let pool = memory_pool().await;
        let base: &[(i64, &str, &str)] = &[(
            1,
            "base",
            "CREATE TABLE p (id TEXT PRIMARY KEY NOT NULL);
             CREATE TABLE c (pid TEXT NOT NULL REFERENCES p(id) ON DELETE CASCADE);
             INSERT INTO p VALUES ('a'); INSERT INTO c VALUES ('a');",
        )];
        run_migrations(&pool, base).await.unwrap();
        // Rebuilding `p` keeps `c`'s rows (with enforcement on, DROP TABLE p would have
        // deleted them), and the cascade still works afterwards.
        let rebuild = "-- migrate: foreign_keys=off
             CREATE TABLE p_new (id TEXT PRIMARY KEY NOT NULL, extra TEXT);
             INSERT INTO p_new (id) SELECT id FROM p;
             DROP TABLE p;
             ALTER TABLE p_new RENAME TO p;";
        let all = [base[0], (2, "rebuild", rebuild)];
        run_migrations(&pool, &all).await.unwrap();
        assert!(foreign_keys_on(&pool).await);
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM c")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(n, 1);
        sqlx::query("DELETE FROM p").execute(&pool).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM c")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(n, 0);

        // A migration that leaves a dangling reference is rolled back and enforcement is
        // back on.
        let breaking = "-- migrate: foreign_keys=off
             INSERT INTO c VALUES ('nobody');";
        let all = [all[0], all[1], (3, "breaking", breaking)];
        assert!(run_migrations(&pool, &all).await.is_err());
        assert!(foreign_keys_on(&pool).await);
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM c")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(n, 0);
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM _migrations")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(n, 2);
    }
}
