//! The user store at scale, measured without a server: fills a file database (WAL,
//! `synchronous=OFF`) with N users per size through `Store::insert_user`, then prints bytes
//! per user, the resident set, and p50/p99 latencies of the lookups requests make (by
//! username key, by sub, by alias, the ListUsers filters, a deep page, an insert, the user
//! count).
//!
//! Run: `cargo run --release -p bench -- --store-scale 1000,100000` (sizes comma-separated).
//!
//! This was an ignored test in `src/store/users.rs` that also filled the pre-0024 schema for
//! comparison; that half needed the crate's private migration list and is gone (its numbers
//! are in the 0024 commits). Every query here goes through the store's public functions, so
//! it measures exactly what requests run.

use cognito_emu::config::SyncMode;
use cognito_emu::crypto::password::{StoredPassword, hash_password};
use cognito_emu::model::user::{User, UserStatus};
use cognito_emu::store::Store;
use cognito_emu::store::users::{FilterOp, LookupAttr, UserCursor, UserFilter};
use std::future::Future;
use std::time::{Duration, Instant};

const POOL_ID: &str = "us-east-1_Scale0001";
const RUNS: usize = 2000;

/// Measures each size in turn; the first failure ends the run.
pub async fn run(sizes: &[usize]) -> Result<(), String> {
    let password = hash_password("p", "u", "Passw0rd!");
    for &n in sizes {
        scale_one(n, &password).await.map_err(|e| e.0)?;
    }
    Ok(())
}

/// The `i`th of `n` users: unique username, sub, email and phone; `n / 10` given names.
fn sample(n: usize, i: usize) -> User {
    let sub = format!("{:08x}-0000-4000-8000-{:012x}", i, i * 7919);
    let mut u = User::new(
        POOL_ID,
        &format!("user{i:07}"),
        &sub,
        UserStatus::Confirmed,
        1.7e9,
    );
    u.set_attr("email", &format!("User{i}@Example.com"));
    u.set_attr("email_verified", "true");
    u.set_attr("phone_number", &format!("+1555{i:07}"));
    u.set_attr("given_name", &format!("Given{}", i % (n / 10).max(1)));
    u.set_attr("family_name", "Family");
    u.set_attr("name", &format!("Given{i} Family"));
    u
}

/// Microseconds at quantile `p` of `v` (nearest rank).
fn percentile(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e6)
}

/// Runs `f(0..runs)` one after another and prints p50/p99; a failed run stops the measurement.
async fn timed<F, Fut>(label: &str, runs: usize, mut f: F) -> Result<(), Failure>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<(), Failure>>,
{
    let mut times = Vec::with_capacity(runs);
    for r in 0..runs {
        let t = Instant::now();
        f(r).await?;
        times.push(t.elapsed());
    }
    let p50 = percentile(times.clone(), 0.5);
    let p99 = percentile(times, 0.99);
    println!("    {label:<34} p50 {p50:>9.1} us   p99 {p99:>9.1} us");
    Ok(())
}

/// Why a measurement stopped: the store's error, or a lookup that found the wrong thing.
#[derive(Debug)]
struct Failure(String);

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

/// A failure unless `ok`.
fn check(ok: bool, what: &str) -> Result<(), Failure> {
    if ok {
        Ok(())
    } else {
        Err(Failure(format!("unexpected result: {what}")))
    }
}

async fn scale_one(n: usize, password: &StoredPassword) -> Result<(), Failure> {
    let dir = std::env::temp_dir().join(format!("cognito-emu-scale-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("db.sqlite");
    let store = Store::open_with(Some(&path), SyncMode::Off).await?;
    store
        .insert_pool(POOL_ID, POOL_ID, 0.0, &serde_json::json!({}))
        .await?;
    let start = Instant::now();
    for i in 0..n {
        let mut u = sample(n, i);
        u.password = Some(password.clone());
        let key = u.username.clone();
        check(store.insert_user(&u, &key).await?, "insert_user")?;
    }
    let fill = start.elapsed();
    // Closing the last connection checkpoints the WAL into the file and removes it, so the
    // file's size is what the users take; the lookups then run on the reopened store.
    store.close().await;
    let bytes = std::fs::metadata(&path)?.len();
    let store = Store::open_with(Some(&path), SyncMode::Off).await?;
    println!(
        "{n} users: {:.0} bytes/user ({:.1} MB), filled in {:.1} s (one insert_user each)",
        bytes as f64 / n as f64,
        bytes as f64 / 1e6,
        fill.as_secs_f64()
    );
    let pick = |r: usize| (r * 7_919_993) % n;
    let store = &store;
    timed("get_user_by_key", RUNS, |r| async move {
        let u = store
            .get_user_by_key(POOL_ID, &format!("user{:07}", pick(r)))
            .await?;
        check(u.is_some(), "get_user_by_key")
    })
    .await?;
    timed("find_user_by_sub", RUNS, |r| async move {
        let sub = sample(n, pick(r)).sub;
        let u = store.find_user_by_sub(POOL_ID, &sub).await?;
        check(u.is_some(), "find_user_by_sub")
    })
    .await?;
    timed("find_users_by_attr email (alias)", RUNS, |r| async move {
        let email = format!("user{}@example.com", pick(r));
        let found = store
            .find_users_by_attr(POOL_ID, LookupAttr::Email, &email, true)
            .await?;
        check(found.len() == 1, "find_users_by_attr")
    })
    .await?;
    let list = |column: &'static str, op: FilterOp, value: String| async move {
        let filter = UserFilter { column, op, value };
        let page = store.list_users(POOL_ID, None, 60, Some(&filter)).await?;
        check(!page.users.is_empty(), column)
    };
    timed("ListUsers email =", RUNS, |r| {
        let value = format!("user{}@example.com", pick(r));
        list("email", FilterOp::Equals, value)
    })
    .await?;
    timed("ListUsers email ^= (60 of many)", RUNS, |r| {
        list(
            "email",
            FilterOp::StartsWith,
            format!("user{}", pick(r) % 10),
        )
    })
    .await?;
    timed("ListUsers given_name =", RUNS, |r| {
        let value = format!("Given{}", pick(r) % (n / 10).max(1));
        list("given_name", FilterOp::Equals, value)
    })
    .await?;
    timed("ListUsers status = CONFIRMED", RUNS, |_| {
        list("status", FilterOp::Equals, "CONFIRMED".into())
    })
    .await?;
    timed("ListUsers no filter, deep page", RUNS, |r| async move {
        let after = UserCursor {
            username: format!("user{:07}", pick(r)),
            key: None,
        };
        store.list_users(POOL_ID, Some(&after), 60, None).await?;
        Ok(())
    })
    .await?;
    timed("insert_user (autocommit)", RUNS, |r| async move {
        let mut u = sample(n, n + r);
        u.password = Some(password.clone());
        let key = u.username.clone();
        check(store.insert_user(&u, &key).await?, "insert_user")
    })
    .await?;
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for line in status
            .lines()
            .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
        {
            println!("    {line}");
        }
    }
    timed("count_users", 20, |_| async move {
        store.count_users(POOL_ID).await?;
        Ok(())
    })
    .await?;
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_picks_the_nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
        assert_eq!(percentile(v.clone(), 0.5), 51.0);
        assert_eq!(percentile(v, 0.99), 99.0);
        assert_eq!(percentile(Vec::new(), 0.5), 0.0);
    }

    #[tokio::test]
    async fn a_small_run_completes() {
        let password = hash_password("p", "u", "Passw0rd!");
        scale_one(20, &password).await.unwrap();
    }
}
