//! The store's SQLite connections, held by the store itself rather than by sqlx's pool.
//!
//! Why not `SqlitePool`: on every release of a connection the pool sends it a ping (a round
//! trip to the connection's worker thread and back, two thread wake-ups) before another task
//! may use it. Every query through `&SqlitePool` pays it, and on the single write connection
//! the next writer waits for it. Measured under load (perf, GetUser at c16), the release path
//! was ~10% of the server's CPU. Here a connection is a mutex-guarded `SqliteConnection`:
//! releasing it is dropping the guard.
//!
//! What the pool's ping also did, flushing a rollback left by a dropped transaction, sqlx's
//! worker does by itself: commands run in order, so a rollback queued by [`Tx`]'s `drop` runs
//! before the next holder's first query, and a `BEGIN` nobody received is rolled back there.

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use sqlx::sqlite::SqliteTransactionManager;
use sqlx::sqlite::{SqliteConnectOptions, SqliteQueryResult, SqliteRow, SqliteStatement};
use sqlx::{ConnectOptions, Connection, Either, Execute, Executor, Sqlite, SqliteConnection};
use sqlx_core::transaction::TransactionManager;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard, Semaphore, SemaphorePermit};

/// A fixed set of connections to one database; clones share them.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    opts: SqliteConnectOptions,
    /// One permit per connection: a task holding a permit finds a free connection.
    free: Semaphore,
    /// `None` until first needed (the first is opened at once), and again once closed.
    conns: Box<[Mutex<Option<SqliteConnection>>]>,
    closed: AtomicBool,
    /// Notified whenever a connection is handed out (see [`Db::used`]).
    used: tokio::sync::Notify,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Db({} connections)", self.inner.conns.len())
    }
}

/// One connection, held until dropped.
pub struct Conn<'a> {
    conn: MappedMutexGuard<'a, SqliteConnection>,
    _permit: SemaphorePermit<'a>,
}

impl Deref for Conn<'_> {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.conn
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }
}

impl Db {
    /// Up to `count` connections with `opts`: the first opened now (so a bad file fails at
    /// once), the others when concurrent use first needs them (a quiet server idles with one).
    pub async fn open(opts: &SqliteConnectOptions, count: usize) -> Result<Db, sqlx::Error> {
        let db = Db::deferred(opts, count);
        *db.inner.conns[0].lock().await = Some(opts.connect().await?);
        Ok(db)
    }

    /// Up to `count` connections with `opts`, none opened before first use.
    pub fn deferred(opts: &SqliteConnectOptions, count: usize) -> Db {
        let count = count.max(1);
        let conns: Vec<_> = (0..count).map(|_| Mutex::new(None)).collect();
        Db {
            inner: Arc::new(Inner {
                opts: opts.clone(),
                free: Semaphore::new(count),
                conns: conns.into_boxed_slice(),
                closed: AtomicBool::new(false),
                used: tokio::sync::Notify::new(),
            }),
        }
    }

    /// A free connection, waiting (first come, first served) while all are in use.
    pub async fn conn(&self) -> Result<Conn<'_>, sqlx::Error> {
        let permit = self
            .inner
            .free
            .acquire()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        // Each permit holder holds at most one connection, so one is unlocked (only `close`
        // locks without a permit; the loop waits that out). Earlier slots first, so later
        // ones are opened only under concurrent use.
        loop {
            for slot in self.inner.conns.iter() {
                let Ok(mut guard) = slot.try_lock() else {
                    continue;
                };
                if self.inner.closed.load(Ordering::Acquire) {
                    return Err(sqlx::Error::PoolClosed);
                }
                if guard.is_none() {
                    *guard = Some(self.inner.opts.connect().await?);
                }
                let conn = MutexGuard::try_map(guard, Option::as_mut)
                    .map_err(|_| sqlx::Error::PoolClosed)?;
                self.inner.used.notify_one();
                return Ok(Conn {
                    conn,
                    _permit: permit,
                });
            }
            tokio::task::yield_now().await;
        }
    }

    /// Resolves once a connection was handed out since the last call (at once if one was):
    /// on the write connection, "something may have been written".
    pub async fn used(&self) {
        self.inner.used.notified().await;
    }

    /// Starts a transaction on a free connection; it rolls back unless committed.
    pub async fn begin(&self) -> Result<Tx<'_>, sqlx::Error> {
        let mut conn = self.conn().await?;
        SqliteTransactionManager::begin(&mut conn, None).await?;
        Ok(Tx { conn, open: true })
    }

    /// Runs `query`, several statements written as one transaction
    /// (`BEGIN IMMEDIATE; ...; COMMIT`, binds in order), in one round trip to the
    /// connection's thread where [`Db::begin`] takes one per statement plus two. On the write
    /// connection every round trip is time no other write can use. When a statement fails,
    /// the ones after it (the COMMIT too) never ran: the transaction is rolled back here.
    /// The result's `rows_affected` is not meaningful (SQLite repeats the last count after
    /// BEGIN and COMMIT).
    pub async fn execute_atomic<'q>(
        &self,
        query: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>,
    ) -> Result<SqliteQueryResult, sqlx::Error> {
        let mut conn = self.conn().await?;
        let result = conn.execute(query).await;
        if result.is_err() {
            // Fails harmlessly ("no transaction is active") when BEGIN itself failed.
            let _ = conn.execute("ROLLBACK").await;
        }
        result
    }

    /// Closes every connection (waiting for those in use); later calls fail with PoolClosed.
    pub async fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
        self.inner.free.close();
        for slot in self.inner.conns.iter() {
            if let Some(conn) = slot.lock().await.take() {
                let _ = conn.close().await;
            }
        }
    }
}

/// A transaction on one connection: `&mut *tx` runs queries in it, [`Tx::commit`] ends it,
/// and dropping it uncommitted rolls it back.
pub struct Tx<'a> {
    conn: Conn<'a>,
    open: bool,
}

impl Tx<'_> {
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        SqliteTransactionManager::commit(&mut self.conn).await?;
        self.open = false;
        Ok(())
    }

    pub async fn rollback(mut self) -> Result<(), sqlx::Error> {
        SqliteTransactionManager::rollback(&mut self.conn).await?;
        self.open = false;
        Ok(())
    }
}

impl Deref for Tx<'_> {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.conn
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            // Queued: it runs before anything the next holder sends.
            SqliteTransactionManager::start_rollback(&mut self.conn);
        }
    }
}

/// `&Db` runs a query on a free connection, as `&SqlitePool` did.
impl<'c> Executor<'c> for &'c Db {
    type Database = Sqlite;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<SqliteQueryResult, SqliteRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Sqlite>,
    {
        // The results are collected while the connection is held (every caller reads all of
        // them anyway: execute, fetch_all, or a stream read to its end).
        futures_util::stream::once(async move {
            let items: Vec<_> = match self.conn().await {
                Ok(mut conn) => conn.fetch_many(query).collect().await,
                Err(e) => vec![Err(e)],
            };
            futures_util::stream::iter(items)
        })
        .flatten()
        .boxed()
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<SqliteRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Sqlite>,
    {
        Box::pin(async move { self.conn().await?.fetch_optional(query).await })
    }

    fn prepare_with<'e>(
        self,
        sql: sqlx::SqlStr,
        parameters: &'e [sqlx::sqlite::SqliteTypeInfo],
    ) -> BoxFuture<'e, Result<SqliteStatement, sqlx::Error>>
    where
        'c: 'e,
    {
        Box::pin(async move { self.conn().await?.prepare_with(sql, parameters).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Row;
    use std::str::FromStr;

    async fn memory(count: usize) -> Db {
        let opts = SqliteConnectOptions::from_str("sqlite::memory:").unwrap();
        Db::open(&opts, count).await.unwrap()
    }

    #[tokio::test]
    async fn an_uncommitted_transaction_rolls_back_before_the_next_use() {
        let db = memory(1).await;
        sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(&db)
            .await
            .unwrap();
        {
            let mut tx = db.begin().await.unwrap();
            sqlx::query("INSERT INTO t VALUES (1)")
                .execute(&mut *tx)
                .await
                .unwrap();
        } // dropped: rolled back
        let mut tx = db.begin().await.unwrap();
        sqlx::query("INSERT INTO t VALUES (2)")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let rows = sqlx::query("SELECT x FROM t").fetch_all(&db).await.unwrap();
        let xs: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(xs, [2]);
    }

    #[tokio::test]
    async fn an_atomic_batch_commits_whole_or_not_at_all() {
        let db = memory(1).await;
        sqlx::query("CREATE TABLE t (x INTEGER PRIMARY KEY)")
            .execute(&db)
            .await
            .unwrap();
        let batch = "BEGIN IMMEDIATE; INSERT INTO t VALUES (?); INSERT INTO t VALUES (?); COMMIT";
        db.execute_atomic(sqlx::query(batch).bind(1i64).bind(2i64))
            .await
            .unwrap();
        // The second insert collides: the first one of this batch is undone with it.
        let err = db
            .execute_atomic(sqlx::query(batch).bind(3i64).bind(1i64))
            .await
            .unwrap_err();
        assert!(err.as_database_error().is_some(), "{err:?}");
        let rows = sqlx::query("SELECT x FROM t ORDER BY x")
            .fetch_all(&db)
            .await
            .unwrap();
        let xs: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(xs, [1, 2]);
        // And the connection is usable again, outside any transaction.
        let mut tx = db.begin().await.unwrap();
        sqlx::query("INSERT INTO t VALUES (4)")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    #[tokio::test]
    async fn tasks_share_the_connections_and_close_ends_them() {
        let db = memory(2).await;
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    let row = sqlx::query("SELECT ?1 * 2")
                        .bind(i as i64)
                        .fetch_one(&db)
                        .await
                        .unwrap();
                    row.get::<i64, _>(0)
                })
            })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            assert_eq!(t.await.unwrap(), 2 * i as i64);
        }
        db.close().await;
        let err = sqlx::query("SELECT 1").fetch_one(&db).await.unwrap_err();
        assert!(matches!(err, sqlx::Error::PoolClosed), "{err:?}");
    }
}
