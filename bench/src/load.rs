//! N workers repeat one operation for a fixed time or count; latencies are kept as sorted
//! samples (bounded by the count) for exact percentiles.

use crate::scenario::{Fixture, Op, Worker, run_op};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What one timed run measured.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub ops: u64,
    pub errors: u64,
    pub elapsed: Duration,
    /// Latencies in microseconds, sorted.
    pub lat_us: Vec<u32>,
    /// The first few distinct error descriptions.
    pub error_samples: Vec<String>,
}

impl Stats {
    pub fn ops_per_s(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 { self.ops as f64 / s } else { 0.0 }
    }

    /// The q-quantile in milliseconds (nearest rank).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        quantile_us(&self.lat_us, q) as f64 / 1000.0
    }
}

pub fn quantile_us(sorted: &[u32], q: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Bounds of a run: whichever comes first.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub duration: Duration,
    pub max_ops: u64,
}

/// Runs `op` on every worker until the limits are reached; gives the workers back.
pub async fn run(
    fx: Arc<Fixture>,
    workers: Vec<Worker>,
    op: Op,
    limits: Limits,
) -> (Stats, Vec<Worker>) {
    let issued = Arc::new(AtomicU64::new(0));
    let barrier = Arc::new(tokio::sync::Barrier::new(workers.len()));
    let mut tasks = Vec::new();
    for mut w in workers {
        let fx = fx.clone();
        let issued = issued.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            w.prepare(op);
            barrier.wait().await;
            let start = Instant::now();
            let deadline = start + limits.duration;
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut samples: Vec<String> = Vec::new();
            while Instant::now() < deadline
                && issued.fetch_add(1, Ordering::Relaxed) < limits.max_ops
            {
                let t0 = Instant::now();
                let r = run_op(&fx, &mut w, op).await;
                lat.push(t0.elapsed().as_micros().min(u32::MAX as u128) as u32);
                if let Err(e) = r {
                    errors += 1;
                    if samples.len() < 3 && !samples.contains(&e) {
                        samples.push(e);
                    }
                }
            }
            (w, lat, errors, samples, start.elapsed())
        }));
    }
    let mut stats = Stats::default();
    let mut back = Vec::new();
    for t in tasks {
        // A worker task only ends by returning; a join error means it panicked.
        let Ok((w, lat, errors, samples, elapsed)) = t.await else {
            stats.errors += 1;
            stats.error_samples.push("worker panicked".into());
            continue;
        };
        back.push(w);
        stats.ops += lat.len() as u64;
        stats.lat_us.extend(lat);
        stats.errors += errors;
        for s in samples {
            if stats.error_samples.len() < 5 && !stats.error_samples.contains(&s) {
                stats.error_samples.push(s);
            }
        }
        stats.elapsed = stats.elapsed.max(elapsed);
    }
    back.sort_by_key(|w| w.id);
    stats.lat_us.sort_unstable();
    (stats, back)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(quantile_us(&v, 0.5), 50);
        assert_eq!(quantile_us(&v, 0.99), 99);
        assert_eq!(quantile_us(&v, 1.0), 100);
        assert_eq!(quantile_us(&[7], 0.99), 7);
        assert_eq!(quantile_us(&[], 0.5), 0);
    }
}
