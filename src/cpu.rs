//! CPU-heavy work (RSA signatures, SRP exponentiations, password verifiers) runs here, off
//! the async worker threads, at most two jobs per core at a time.
//!
//! Why: a worker busy with a 1 ms signature cannot poll the other tasks queued on it, among
//! them the one holding the single write connection; with the crypto inline, every sign-in
//! waited behind the database and the server used one core of two. Off the workers, a task
//! that holds the write connection is polled as soon as its query returns.

use crate::crypto::password::{self, StoredPassword};
use crate::protocol::{ApiError, ApiResult};
use std::sync::LazyLock;
use tokio::sync::Semaphore;

/// Two jobs per core: one running and one ready, so a core never idles while the next job is
/// handed over; more would only time-slice the same cores.
static PERMITS: LazyLock<Semaphore> = LazyLock::new(|| {
    Semaphore::new(2 * std::thread::available_parallelism().map_or(2, |n| n.get()))
});

/// Runs `job` on the blocking pool once a core is free. A panic in `job` is an internal
/// error of this request only.
pub async fn run<T, F>(job: F) -> ApiResult<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let _permit = PERMITS.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(|| {
        yield_to_io();
        job()
    })
    .await
    .map_err(ApiError::internal)
}

/// Lowers the calling thread's scheduling priority (nice 10), once per thread. The threads
/// that answer requests and run SQLite then get a core as soon as they wake instead of
/// waiting out a crypto job's time slice; that matters most for the task holding the one
/// write connection, which every queued write waits for. The crypto still gets every cycle
/// nobody else wants. (Only lowering is allowed unprivileged, so it is never undone; the
/// blocking pool's threads also serve other, latency-tolerant jobs.)
pub(crate) fn yield_to_io() {
    thread_local!(static LOWERED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if !LOWERED.replace(true) {
        lower_priority(10);
    }
}

/// Sets the calling thread's nice value (only ever raised: lowering it again needs a
/// privilege). Best effort: a refusal leaves the thread as it was.
pub(crate) fn lower_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    {
        let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), nice);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

/// [`password::hash_password`] off the async workers.
pub async fn hash_password(
    pool_id: &str,
    user_id: &str,
    password: &str,
) -> ApiResult<StoredPassword> {
    let (pool_id, user_id, password) = (
        pool_id.to_string(),
        user_id.to_string(),
        password.to_string(),
    );
    run(move || password::hash_password(&pool_id, &user_id, &password)).await
}

/// [`password::check_password`] off the async workers.
pub async fn check_password(
    pool_id: &str,
    user_id: &str,
    password: &str,
    stored: &StoredPassword,
) -> ApiResult<bool> {
    let (pool_id, user_id, password, stored) = (
        pool_id.to_string(),
        user_id.to_string(),
        password.to_string(),
        stored.clone(),
    );
    run(move || password::check_password(&pool_id, &user_id, &password, &stored)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn jobs_run_at_a_lower_priority() {
        let nice = run(|| rustix::process::getpriority_process(Some(rustix::thread::gettid())))
            .await
            .unwrap()
            .unwrap();
        // At least 10 (a process started nicer than that stays so).
        assert!(nice >= 10, "{nice}");
    }

    #[tokio::test]
    async fn jobs_run_and_panics_are_errors() {
        assert_eq!(run(|| 2 + 2).await.unwrap(), 4);
        #[allow(clippy::panic)]
        let e = run(|| -> u8 { panic!("boom") }).await.unwrap_err();
        assert_eq!(e.status().as_u16(), 500);
        let stored = hash_password("us-east-1_A", "alice", "Passw0rd!")
            .await
            .unwrap();
        assert!(
            check_password("us-east-1_A", "alice", "Passw0rd!", &stored)
                .await
                .unwrap()
        );
        assert!(
            !check_password("us-east-1_A", "alice", "wrong", &stored)
                .await
                .unwrap()
        );
    }
}
