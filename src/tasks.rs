//! Work the server does after a response is sent (user import runs, SMTP relays), tracked so
//! that shutting down is ordered: `serve` stops taking requests, then [`Tasks::drain`] tells
//! the tasks to stop and waits for them (at most a bound), and only then is the store closed.
//! Without it the tasks were detached `tokio::spawn`s writing to a store being closed under
//! them, and a running import was left IN_PROGRESS.
//!
//! A task that has more than one step to do (the import runner) checks
//! [`Tasks::is_stopping`] between steps and ends in a defined state; a single step (one SMTP
//! delivery) just runs to its end. Whatever is still running when the bound passes is
//! aborted (an import's open transaction then rolls back; the job is settled as interrupted
//! the next time it is read). A task spawned once draining has begun is not run.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::task::JoinSet;

/// How long shutdown waits for background tasks before aborting them.
pub const DRAIN_BOUND: Duration = Duration::from_secs(10);

/// The background tasks of one server; cheap to clone (all clones share the set).
#[derive(Clone, Default)]
pub struct Tasks(Arc<Inner>);

#[derive(Default)]
struct Inner {
    /// `None` once draining has taken the set.
    set: Mutex<Option<JoinSet<()>>>,
    stopping: AtomicBool,
}

impl std::fmt::Debug for Tasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tasks")
            .field("stopping", &self.is_stopping())
            .finish_non_exhaustive()
    }
}

/// What [`Tasks::drain`] came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drained {
    /// Tasks that ended by themselves within the bound.
    pub finished: usize,
    /// Tasks still running at the bound, aborted.
    pub aborted: usize,
}

impl Tasks {
    /// Runs `task` in the background, tracked. `what` names it in the log if it is refused
    /// (the server is shutting down) or panics.
    pub fn spawn<F>(&self, what: &'static str, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let mut guard = self.0.set.lock().unwrap_or_else(PoisonError::into_inner);
        if self.is_stopping() {
            tracing::warn!(task = what, "not started: the server is shutting down");
            return;
        }
        let set = guard.get_or_insert_with(JoinSet::new);
        // Forget tasks that have ended, so the set holds only running ones.
        while let Some(done) = set.try_join_next() {
            log_panic(done);
        }
        set.spawn(task);
    }

    /// True once shutdown has begun: a task between steps should wind up now.
    pub fn is_stopping(&self) -> bool {
        self.0.stopping.load(Ordering::Acquire)
    }

    /// Tells the tasks to stop, waits up to `bound` for them to end, aborts the rest.
    /// Later calls find nothing left to wait for.
    pub async fn drain(&self, bound: Duration) -> Drained {
        let set = {
            let mut guard = self.0.set.lock().unwrap_or_else(PoisonError::into_inner);
            self.0.stopping.store(true, Ordering::Release);
            guard.take()
        };
        let Some(mut set) = set else {
            return Drained {
                finished: 0,
                aborted: 0,
            };
        };
        let mut finished = 0;
        let waited = tokio::time::timeout(bound, async {
            while let Some(done) = set.join_next().await {
                log_panic(done);
                finished += 1;
            }
        })
        .await;
        let aborted = if waited.is_err() {
            let left = set.len();
            tracing::warn!(
                tasks = left,
                "background tasks still running at shutdown: aborted"
            );
            set.shutdown().await;
            left
        } else {
            0
        };
        Drained { finished, aborted }
    }
}

fn log_panic(done: Result<(), tokio::task::JoinError>) {
    if let Err(e) = done
        && e.is_panic()
    {
        tracing::error!("a background task panicked: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[tokio::test]
    async fn drain_waits_for_tasks_that_end_and_aborts_the_rest() {
        let tasks = Tasks::default();
        let ended = Arc::new(AtomicUsize::new(0));
        for _ in 0..3 {
            let ended = ended.clone();
            tasks.spawn("short", async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                ended.fetch_add(1, Ordering::SeqCst);
            });
        }
        tasks.spawn("endless", std::future::pending());
        let drained = tasks.drain(Duration::from_millis(300)).await;
        assert_eq!(
            drained,
            Drained {
                finished: 3,
                aborted: 1
            }
        );
        assert_eq!(ended.load(Ordering::SeqCst), 3);
        assert_eq!(
            tasks.drain(Duration::from_millis(10)).await,
            Drained {
                finished: 0,
                aborted: 0
            }
        );
    }

    #[tokio::test]
    async fn tasks_see_the_stop_and_nothing_starts_after_it() {
        let tasks = Tasks::default();
        let steps = Arc::new(AtomicUsize::new(0));
        let (t, s) = (tasks.clone(), steps.clone());
        // A task of many steps that checks between them, as the import runner does.
        tasks.spawn("steps", async move {
            while !t.is_stopping() {
                s.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        tokio::time::sleep(Duration::from_millis(30)).await;
        let drained = tasks.drain(Duration::from_secs(5)).await;
        assert_eq!(drained.aborted, 0);
        assert_eq!(drained.finished, 1);
        assert!(steps.load(Ordering::SeqCst) > 0);

        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        tasks.spawn("late", async move { r.store(true, Ordering::SeqCst) });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!ran.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn finished_tasks_are_not_kept() {
        let tasks = Tasks::default();
        for _ in 0..100 {
            tasks.spawn("quick", async {});
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        tasks.spawn("one more", async {});
        let held = tasks
            .0
            .set
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map_or(0, JoinSet::len);
        assert!(held <= 2, "{held} tasks held");
    }
}
