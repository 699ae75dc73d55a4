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

#[derive(Clone, Debug)]
pub struct Store {
    pub read: Db,
    pub write: Db,
    /// Signing keys loaded so far (see `keys.rs`).
    pub keys: std::sync::Arc<keys::KeyCache>,
    /// User-pool and app-client documents read so far (see `doc_cache.rs`).
    pub docs: std::sync::Arc<doc_cache::Docs>,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, or an in-memory one when `None`,
    /// and applies the migrations.
    pub async fn open(path: Option<&Path>) -> Result<Store, sqlx::Error> {
        Self::open_with(path, SyncMode::Normal).await
    }

    /// [`Store::open`] with SQLite's `synchronous` setting for a database file.
    pub async fn open_with(path: Option<&Path>, sync: SyncMode) -> Result<Store, sqlx::Error> {
        let (read, write) = match path {
            Some(path) => {
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
                // All writes go through one connection, so they queue instead of failing
                // with SQLITE_BUSY.
                let write = Db::open(&opts, 1).await?;
                migrate::run(&write).await?;
                let read = Db::open(&opts.read_only(true), READERS).await?;
                (read, write)
            }
            None => {
                // One connection holds the in-memory database; it must never be closed.
                let opts = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
                let db = Db::open(&opts, 1).await?;
                migrate::run(&db).await?;
                (db.clone(), db)
            }
        };
        Ok(Store {
            read,
            write,
            keys: Default::default(),
            docs: Default::default(),
        })
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}
