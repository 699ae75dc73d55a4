//! cognito-emu's benchmark: a light load generator (hyper 1, keep-alive, one connection per
//! worker, raw AWS JSON 1.1) run against any Cognito-compatible endpoint on loopback.
//!
//! `bench --target http://127.0.0.1:9229` measures a running server. With `--spawn CMD` the
//! bench starts the server itself (start-up time, RSS and CPU from /proc), stops it by PID,
//! and with `--restart` measures start-up again on the populated data. `--merge` turns the
//! JSON of several runs into one side-by-side Markdown table. `bench/run.sh` does it all.
//!
//! `bench --store-scale 1000,100000` measures the user store itself at those sizes, with no
//! server (see `store_scale.rs`); run it with `cargo run --release -p bench -- ...`.

mod client;
mod load;
mod micro;
mod procs;
mod report;
mod scenario;
mod store_scale;

use clap::Parser;
use client::{Conn, Target};
use load::{Limits, Stats};
use scenario::{Fixture, Op, Worker};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(
    name = "bench",
    about = "Benchmark a Cognito-compatible endpoint on loopback"
)]
struct Args {
    /// Endpoint to measure (loopback only).
    #[arg(long)]
    target: Option<String>,
    /// Name of the target in the tables.
    #[arg(long, default_value = "cognito-emu")]
    label: String,
    /// Version string recorded with the results.
    #[arg(long, default_value = "")]
    version_string: String,
    /// Command that starts the server on --target's port (run with `sh -c exec`).
    #[arg(long)]
    spawn: Option<String>,
    /// Where the spawned server's output goes.
    #[arg(long, default_value = "bench/.peers/server.log")]
    server_log: PathBuf,
    /// After everything, restart the spawned server on the same data and time it.
    #[arg(long)]
    restart: bool,
    /// Seconds per phase and concurrency.
    #[arg(long, default_value_t = 3.0)]
    duration: f64,
    /// Most ops per phase and concurrency.
    #[arg(long, default_value_t = 200_000)]
    max_ops: u64,
    /// Concurrency levels (workers, one connection each).
    #[arg(long, value_delimiter = ',', default_value = "1,16")]
    concurrency: Vec<usize>,
    /// Only these phases (names as in the table, comma-separated substrings); default all.
    #[arg(long, value_delimiter = ',')]
    phases: Vec<String>,
    /// Pool sizes for the scale runs (0 or empty: none).
    #[arg(long, value_delimiter = ',', default_value = "1000,100000")]
    scale: Vec<u64>,
    /// Also preload to 1,000,000 users.
    #[arg(long)]
    scale_1m: bool,
    /// Most seconds spent preloading each size (a target too slow reports how far it got).
    #[arg(long, default_value_t = 600.0)]
    scale_budget: f64,
    /// Workers for the preload.
    #[arg(long, default_value_t = 16)]
    preload_workers: usize,
    /// Most samples per operation at each size (concurrency 1).
    #[arg(long, default_value_t = 2000)]
    scale_samples: u64,
    /// Most seconds per operation at each size.
    #[arg(long, default_value_t = 5.0)]
    scale_seconds: f64,
    /// Measure the user store directly at these sizes (no server, no --target) and exit.
    #[arg(long, value_delimiter = ',')]
    store_scale: Vec<usize>,
    /// Run the crypto micro-benchmark (the emulator's arithmetic).
    #[arg(long)]
    micro: bool,
    /// Write the JSON result here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write the Markdown table here.
    #[arg(long)]
    md: Option<PathBuf>,
    /// Merge these JSON results into one table (with --json/--md for the outputs).
    #[arg(long, num_args = 1..)]
    merge: Vec<PathBuf>,
}

fn now_utc() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

fn round(x: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (x * p).round() / p
}

fn stats_json(op: Op, c: usize, s: &Stats) -> Value {
    json!({
        "op": op.name(),
        "concurrency": c,
        "status": "ok",
        "ops": s.ops,
        "errors": s.errors,
        "error_samples": s.error_samples,
        "seconds": round(s.elapsed.as_secs_f64(), 3),
        "ops_per_s": round(s.ops_per_s(), 1),
        "p50_ms": round(s.quantile_ms(0.5), 3),
        "p99_ms": round(s.quantile_ms(0.99), 3),
    })
}

fn not_run(op: Op, c: usize, status: &str, reason: &str) -> Value {
    json!({"op": op.name(), "concurrency": c, "status": status, "reason": reason})
}

fn write(path: &Option<PathBuf>, text: &str) -> Result<(), String> {
    if let Some(p) = path {
        if let Some(dir) = p.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::write(p, text).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    if !args.merge.is_empty() {
        let mut results = Vec::new();
        for p in &args.merge {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            results.push(serde_json::from_str::<Value>(&text).map_err(|e| e.to_string())?);
        }
        let md = report::markdown(&results);
        write(&args.md, &md)?;
        write(
            &args.json,
            &serde_json::to_string_pretty(&json!({"results": results})).unwrap_or_default(),
        )?;
        println!("{md}");
        return Ok(());
    }
    if !args.store_scale.is_empty() {
        return store_scale::run(&args.store_scale).await;
    }
    let url = args.target.clone().ok_or("--target is required")?;
    let target = Target::parse(&url)?;
    let mut result = json!({
        "label": args.label,
        "target": url,
        "version": args.version_string,
        "date": now_utc(),
        "machine": procs::machine(),
        "settings": {
            "duration_s": args.duration,
            "max_ops": args.max_ops,
            "concurrency": args.concurrency,
            "spawn": args.spawn,
            "scale": args.scale,
            "scale_1m": args.scale_1m,
            "scale_samples": args.scale_samples,
        },
        "startup": {},
        "memory": {},
    });

    if args.micro {
        eprintln!("[{}] crypto micro-benchmark", args.label);
        result["micro"] = micro::run(Duration::from_secs(2))?;
    }

    let mut server = None;
    if let Some(cmd) = &args.spawn {
        // Something already answering there would be measured instead of the spawned server.
        if tokio::net::TcpStream::connect(&target.authority)
            .await
            .is_ok()
        {
            return Err(format!("{} is already in use", target.authority));
        }
        let started = Instant::now();
        let mut s = procs::spawn(cmd, &args.server_log)?;
        let t = procs::wait_ready(&target, &mut s, started, Duration::from_secs(60)).await;
        let t = match t {
            Ok(t) => t,
            Err(e) => {
                procs::stop(s);
                return Err(e);
            }
        };
        eprintln!(
            "[{}] started in {:.1} ms",
            args.label,
            t.as_secs_f64() * 1e3
        );
        result["startup"]["empty_ms"] = json!(round(t.as_secs_f64() * 1e3, 2));
        tokio::time::sleep(Duration::from_millis(500)).await;
        if let Some(m) = procs::memory(s.pid) {
            result["memory"]["idle_kib"] = json!(m.rss_kib);
        }
        server = Some(s);
    }
    let pid = server.as_ref().map(|s| s.pid);

    let outcome = measure(&args, &target, pid, &mut result).await;
    if let Err(e) = &outcome {
        result["error"] = json!(e);
    }
    if let Some(p) = pid
        && let Some(m) = procs::memory(p)
    {
        result["memory"]["peak_kib"] = json!(m.hwm_kib);
    }

    if let Some(s) = server {
        procs::stop(s);
        if args.restart
            && outcome.is_ok()
            && let Some(cmd) = &args.spawn
        {
            restart(&args, &target, cmd, &mut result).await?;
        }
    }
    result["load_end"] = json!(procs::loadavg());

    let md = report::markdown(std::slice::from_ref(&result));
    write(&args.md, &md)?;
    write(
        &args.json,
        &serde_json::to_string_pretty(&result).unwrap_or_default(),
    )?;
    println!("{md}");
    outcome
}

/// Start-up on the populated data, idle memory, and a check that the data survived.
async fn restart(
    args: &Args,
    target: &Target,
    cmd: &str,
    result: &mut Value,
) -> Result<(), String> {
    let started = Instant::now();
    let mut s = procs::spawn(cmd, &args.server_log)?;
    let t = procs::wait_ready(target, &mut s, started, Duration::from_secs(120)).await;
    match t {
        Ok(t) => {
            result["startup"]["populated_ms"] = json!(round(t.as_secs_f64() * 1e3, 2));
            tokio::time::sleep(Duration::from_millis(500)).await;
            if let Some(m) = procs::memory(s.pid) {
                result["memory"]["populated_idle_kib"] = json!(m.rss_kib);
            }
            // Every acknowledged write must have survived the restart: spot-check one user.
            let mut conn = Conn::new(target);
            let pool = result["pool_id"].as_str().unwrap_or_default().to_string();
            let user = result["check_user"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let survived = conn
                .idp_ok(
                    "AdminGetUser",
                    &json!({"UserPoolId": pool, "Username": user}),
                )
                .await;
            result["startup"]["data_survived_restart"] = json!(survived.is_ok());
            procs::stop(s);
            Ok(())
        }
        Err(e) => {
            procs::stop(s);
            result["startup"]["populated_error"] = json!(e);
            Ok(())
        }
    }
}

fn wants(args: &Args, op: Op) -> bool {
    args.phases.is_empty()
        || args.phases.iter().any(|p| {
            op.name()
                .to_ascii_lowercase()
                .contains(&p.to_ascii_lowercase())
        })
}

fn workers(target: &Target, n: usize) -> Vec<Worker> {
    (0..n).map(|i| Worker::new(target, i)).collect()
}

fn self_cpu() -> f64 {
    procs::cpu_secs(std::process::id()).unwrap_or(0.0)
}

async fn measure(
    args: &Args,
    target: &Target,
    pid: Option<u32>,
    result: &mut Value,
) -> Result<(), String> {
    eprintln!("[{}] setting up the pool, clients and users", args.label);
    let fx = Arc::new(Fixture::create(target).await?);
    result["pool_id"] = json!(fx.pool_id);
    result["check_user"] = json!(fx.users[0]);
    result["floor_bytes"] = json!(fx.floor_size);
    let mut phases = Vec::new();
    let limits = Limits {
        duration: Duration::from_secs_f64(args.duration),
        max_ops: args.max_ops,
    };
    for op in Op::PHASES {
        if !wants(args, op) {
            continue;
        }
        // One untimed call tells whether the target has this operation at all.
        let mut probe = Worker::new(target, 0);
        if let Err(e) = scenario::run_op(&fx, &mut probe, op).await {
            let status = if scenario::is_unsupported(&e) {
                "unsupported"
            } else {
                "failed"
            };
            eprintln!("[{}] {}: {status}: {e}", args.label, op.name());
            for &c in &args.concurrency {
                phases.push(not_run(op, c, status, &e));
            }
            continue;
        }
        for &c in &args.concurrency {
            // Warm-up: one call per worker opens its connection.
            let warm = Limits {
                duration: Duration::from_secs(30),
                max_ops: c as u64,
            };
            let (_, ws) = load::run(fx.clone(), workers(target, c), op, warm).await;
            let (cpu0, srv0) = (self_cpu(), pid.and_then(procs::cpu_secs));
            let (stats, _) = load::run(fx.clone(), ws, op, limits).await;
            let (cpu1, srv1) = (self_cpu(), pid.and_then(procs::cpu_secs));
            let mut j = stats_json(op, c, &stats);
            let secs = stats.elapsed.as_secs_f64().max(1e-9);
            j["client_cpu_pct"] = json!(round(100.0 * (cpu1 - cpu0) / secs, 1));
            if let (Some(a), Some(b)) = (srv0, srv1) {
                j["server_cpu_pct"] = json!(round(100.0 * (b - a) / secs, 1));
                j["server_cpu_us_per_op"] =
                    json!(round((b - a) * 1e6 / (stats.ops.max(1) as f64), 1));
            }
            eprintln!(
                "[{}] {} c={c}: {:.0} ops/s p50 {:.2} ms p99 {:.2} ms errors {} (client CPU {}%, server CPU {}%)",
                args.label,
                op.name(),
                stats.ops_per_s(),
                stats.quantile_ms(0.5),
                stats.quantile_ms(0.99),
                stats.errors,
                j["client_cpu_pct"],
                j["server_cpu_pct"],
            );
            phases.push(j);
        }
    }
    result["phases"] = json!(phases);
    match scenario::first_sign_in(target).await {
        Ok(ms) => result["startup"]["first_sign_in_ms"] = json!(round(ms, 2)),
        Err(e) => eprintln!("[{}] first sign-in on a new pool: {e}", args.label),
    }
    if let Some(p) = pid
        && let Some(m) = procs::memory(p)
    {
        result["memory"]["after_load_kib"] = json!(m.rss_kib);
    }

    let mut sizes: Vec<u64> = args.scale.iter().copied().filter(|s| *s > 0).collect();
    if args.scale_1m {
        sizes.push(1_000_000);
    }
    sizes.sort_unstable();
    sizes.dedup();
    let mut scale = Vec::new();
    for size in sizes {
        scale.push(scale_step(args, target, pid, &fx, size).await);
        result["scale"] = json!(scale);
        if scale.last().and_then(|s| s["reached"].as_bool()) != Some(true) {
            break;
        }
    }
    result["scale"] = json!(scale);
    // Users the pool holds now (sign-in users, created by the phases, preloaded).
    result["startup"]["populated_users"] = json!(
        scenario::SIGN_IN_USERS as u64
            + fx.seq.load(Ordering::Relaxed)
            + fx.preloaded.load(Ordering::Relaxed)
    );
    Ok(())
}

/// Preloads the pool to `size` users, then samples each operation at concurrency 1.
async fn scale_step(
    args: &Args,
    target: &Target,
    pid: Option<u32>,
    fx: &Arc<Fixture>,
    size: u64,
) -> Value {
    let have = fx.preloaded.load(Ordering::Relaxed);
    let need = size.saturating_sub(have);
    eprintln!("[{}] preloading {need} users (to {size})", args.label);
    let started = Instant::now();
    let budget = Duration::from_secs_f64(args.scale_budget);
    let next = Arc::new(std::sync::atomic::AtomicU64::new(have));
    let errors = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..args.preload_workers.max(1) {
        let (fx, next, errors, target) = (fx.clone(), next.clone(), errors.clone(), target.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(&target);
            loop {
                if started.elapsed() > budget {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= size {
                    break;
                }
                if scenario::preload_one(&fx, &mut conn, i).await.is_err() {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let secs = started.elapsed().as_secs_f64();
    let created = next.load(Ordering::Relaxed).min(size);
    let errs = errors.load(Ordering::Relaxed);
    fx.preloaded.store(created, Ordering::Relaxed);
    let reached = created >= size;
    let mut step = json!({
        "size": size,
        "users": created,
        "reached": reached,
        "preload_s": round(secs, 1),
        "preload_per_s": round((created - have) as f64 / secs.max(1e-9), 1),
        "preload_errors": errs,
    });
    eprintln!(
        "[{}] preloaded to {created} in {secs:.1} s ({errs} errors)",
        args.label
    );
    if !reached {
        return step;
    }
    let limits = Limits {
        duration: Duration::from_secs_f64(args.scale_seconds),
        max_ops: args.scale_samples,
    };
    let mut ops = Vec::new();
    for op in [
        Op::AdminGetUser,
        Op::ListUsersFilter,
        Op::PasswordAuth,
        Op::AdminCreateOnly,
    ] {
        let mut probe = Worker::new(target, 0);
        if let Err(e) = scenario::run_op(fx, &mut probe, op).await {
            let status = if scenario::is_unsupported(&e) {
                "unsupported"
            } else {
                "failed"
            };
            ops.push(not_run(op, 1, status, &e));
            continue;
        }
        let (stats, _) = load::run(fx.clone(), vec![probe], op, limits).await;
        eprintln!(
            "[{}] {size} users: {} p50 {:.2} ms p99 {:.2} ms ({} samples, {} errors)",
            args.label,
            op.name(),
            stats.quantile_ms(0.5),
            stats.quantile_ms(0.99),
            stats.ops,
            stats.errors
        );
        ops.push(stats_json(op, 1, &stats));
    }
    step["ops"] = json!(ops);
    if let Some(p) = pid
        && let Some(m) = procs::memory(p)
    {
        step["rss_kib"] = json!(m.rss_kib);
    }
    step
}
