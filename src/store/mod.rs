//! Storage over SQLite. All writes go through one connection (`write`), so concurrent
//! requests queue instead of failing with SQLITE_BUSY; reads use a small pool (`read`).
//! A write a response acknowledges is committed before the handler returns.

pub mod auth_events;
pub mod client_objects;
pub mod client_secrets;
pub mod codes;
mod db;
pub mod devices;
pub mod doc_cache;
mod documents;
pub mod groups;
pub mod identity;
pub mod keys;
pub mod limits;
pub mod mailbox;
pub mod mfa;
pub mod migrate;
pub mod oauth;
pub mod pool_settings;
pub mod pools;
pub mod providers;
pub mod reset;
pub mod sessions;
pub mod sign_in_attempts;
pub mod tokens;
pub mod user_import;
pub mod user_writes;
pub mod users;
pub mod webauthn;

use crate::config::SyncMode;
pub use db::{Db, Tx};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Read connections for a database file (readers never wait for the writer in WAL mode).
const READERS: usize = 4;

/// WAL pages after which the writer checkpoints by itself: only a backstop, for a store
/// whose background checkpoints (see [`Store::keep_checkpointing`]) are not running.
const WAL_BACKSTOP_PAGES: &str = "20000";

/// How long written pages gather in the WAL before a background checkpoint copies them.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

#[derive(Clone, Debug)]
pub struct Store {
    pub read: Db,
    pub write: Db,
    /// For a database file: the connection that checkpoints the WAL in the background.
    checkpoints: Option<Db>,
    /// Signing keys loaded so far (see `keys.rs`).
    pub keys: std::sync::Arc<keys::KeyCache>,
    /// User-pool and app-client documents read so far (see `doc_cache.rs`).
    pub docs: std::sync::Arc<doc_cache::Docs>,
    /// Users with sign-in attempts under way (see `sign_in_attempts.rs`).
    attempts: std::sync::Arc<sign_in_attempts::AttemptsUnderWay>,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, or an in-memory one when `None`,
    /// and applies the migrations.
    pub async fn open(path: Option<&Path>) -> Result<Store, sqlx::Error> {
        Self::open_with(path, SyncMode::Normal).await
    }

    /// [`Store::open`] with SQLite's `synchronous` setting for a database file.
    pub async fn open_with(path: Option<&Path>, sync: SyncMode) -> Result<Store, sqlx::Error> {
        let Some(path) = path else {
            // One connection holds the in-memory database; it must never be closed.
            let opts = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
            let db = Db::open(&opts, 1).await?;
            migrate::run(&db).await?;
            return Ok(Store::over(db));
        };
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
        }
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match sync {
                SyncMode::Off => SqliteSynchronous::Off,
                SyncMode::Normal => SqliteSynchronous::Normal,
                SyncMode::Full => SqliteSynchronous::Full,
            })
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        // All writes go through one connection, so they queue instead of failing with
        // SQLITE_BUSY. It does not checkpoint: a checkpoint's two fsyncs would stall every
        // write queued behind it (with `normal`, writes measured 684/s against 1,177/s with
        // `off`); another connection does, off that path, opened at its first checkpoint.
        let write_opts = opts
            .clone()
            .pragma("wal_autocheckpoint", WAL_BACKSTOP_PAGES);
        let write = Db::open(&write_opts, 1).await?;
        migrate::run(&write).await?;
        Ok(Store {
            read: Db::open(&opts.clone().read_only(true), READERS).await?,
            write,
            checkpoints: Some(Db::deferred(&opts, 1)),
            keys: Default::default(),
            docs: Default::default(),
            attempts: Default::default(),
        })
    }

    /// A store over one connection set that both reads and writes (an in-memory database).
    pub fn over(db: Db) -> Store {
        Store {
            read: db.clone(),
            write: db,
            checkpoints: None,
            keys: Default::default(),
            docs: Default::default(),
            attempts: Default::default(),
        }
    }

    pub async fn close(&self) {
        self.read.close().await;
        if let Some(c) = &self.checkpoints {
            c.close().await;
        }
        self.write.close().await;
    }

    /// Until `tasks` stop: a while after each write, copies the WAL's committed pages into
    /// the database file (PASSIVE: never waits for, nor blocks, the writer or readers).
    /// Durability is as before: a commit is in the WAL when acknowledged; this only moves
    /// the checkpoint's fsyncs off the writer.
    pub async fn keep_checkpointing(&self, tasks: &crate::tasks::Tasks) {
        let Some(checkpoints) = &self.checkpoints else {
            return;
        };
        while !tasks.is_stopping() {
            tokio::select! {
                _ = self.write.used() => {}
                // Checks for shutdown now and then while idle.
                _ = tokio::time::sleep(Duration::from_millis(250)) => continue,
            }
            tokio::time::sleep(CHECKPOINT_EVERY).await;
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_all(checkpoints)
                .await
            {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The writer never checkpoints below the backstop, so the database file stays at its
    /// first page until the background checkpoints copy the WAL into it.
    #[tokio::test]
    async fn background_checkpoints_copy_the_wal_into_the_file() {
        let dir = std::env::temp_dir().join(format!("cognito-emu-wal-{}", crate::ids::uuid()));
        let path = dir.join("db.sqlite");
        let store = Store::open(Some(&path)).await.unwrap();
        let size = || std::fs::metadata(&path).map_or(0, |m| m.len());
        // The first page (written when the file became a WAL database); the migrations'
        // tables are only in the WAL.
        let empty = size();
        assert!(empty <= 4096, "{empty}");
        let tasks = crate::tasks::Tasks::default();
        let (s, t) = (store.clone(), tasks.clone());
        tasks.spawn(
            "WAL checkpoints",
            async move { s.keep_checkpointing(&t).await },
        );
        let mut waited = 0;
        while size() <= empty && waited < 5_000 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            waited += 20;
        }
        assert!(size() > empty, "nothing checkpointed after {waited} ms");
        // It stops when told to.
        let drained = tasks.drain(Duration::from_secs(2)).await;
        assert_eq!(drained.aborted, 0);
        store.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
