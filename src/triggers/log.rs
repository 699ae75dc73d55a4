//! The invocation log behind `GET /_dev/triggers`: the latest invocations, oldest first,
//! kept in memory (a development aid, bounded so a long test run cannot grow it forever).

use serde::Serialize;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::Mutex;

/// How many invocations are kept.
const KEPT: usize = 1000;

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub trigger: &'static str,
    pub trigger_source: String,
    pub function: String,
    pub event: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub duration_ms: f64,
    /// Epoch seconds (the emulator's clock).
    pub at: f64,
}

#[derive(Default)]
pub struct InvocationLog(Mutex<VecDeque<Entry>>);

impl InvocationLog {
    pub fn record(&self, entry: Entry) {
        // A poisoned lock only means a panic elsewhere mid-push; the log is still usable.
        let mut log = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if log.len() == KEPT {
            log.pop_front();
        }
        log.push_back(entry);
    }

    pub fn entries(&self) -> Vec<Entry> {
        let log = self.0.lock().unwrap_or_else(|p| p.into_inner());
        log.iter().cloned().collect()
    }

    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}
