//! In-memory copies of the documents nearly every request reads (user pools, app clients
//! and their settings), so a request does not query SQLite and parse a JSON document for them.
//!
//! Correctness under concurrency: every write of such a document goes through `Store`, which
//! commits and then calls [`DocCache::forget`] (or [`DocCache::clear`]). A reader notes the
//! cache's generation before it reads the database and stores what it read only if no
//! invalidation happened meanwhile (checked under the same lock the invalidation takes), so a
//! document read before a write committed is never kept after the write was acknowledged.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Most documents kept; past it the cache starts over (a test suite creating thousands of
/// pools must not grow the server without bound).
const MAX_ENTRIES: usize = 4096;

type Entry = Arc<dyn Any + Send + Sync>;

#[derive(Default)]
pub struct DocCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Bumped by every invalidation.
    generation: u64,
    /// By key, the document as each type it was read as.
    docs: HashMap<String, Vec<(TypeId, Entry)>>,
}

impl std::fmt::Debug for DocCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DocCache({} documents)", self.lock().docs.len())
    }
}

impl DocCache {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding this lock leaves the map consistent (no multi-step updates).
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What a reader notes before reading the database (see [`DocCache::put`]).
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// The document under `key` as `T`, if kept.
    pub fn get<T: Send + Sync + 'static>(&self, key: &str) -> Option<Arc<T>> {
        let entry = {
            let inner = self.lock();
            let (_, entry) = inner
                .docs
                .get(key)?
                .iter()
                .find(|(t, _)| *t == TypeId::of::<T>())?;
            entry.clone()
        };
        entry.downcast::<T>().ok()
    }

    /// Keeps `doc` under `key`, unless something was invalidated since `generation`.
    pub fn put<T: Send + Sync + 'static>(&self, generation: u64, key: &str, doc: Arc<T>) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.docs.len() >= MAX_ENTRIES && !inner.docs.contains_key(key) {
            inner.docs.clear();
        }
        let types = inner.docs.entry(key.to_string()).or_default();
        types.retain(|(t, _)| *t != TypeId::of::<T>());
        types.push((TypeId::of::<T>(), doc));
    }

    /// Drops the document under `key` (after a write of it committed).
    pub fn forget(&self, key: &str) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.docs.remove(key);
    }

    /// Drops every document (after a write that may touch many committed).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.docs.clear();
    }
}

/// The document caches a `Store` keeps.
#[derive(Default, Debug)]
pub struct Docs {
    /// User pools by pool id.
    pub pools: DocCache,
    /// App clients by client id, as `(pool id, document)`.
    pub clients: DocCache,
    /// Pool and client settings (`pool_settings`) as stored JSON, absent ones included:
    /// sign-in reads one (session tracking) that is nearly always absent.
    pub settings: DocCache,
}

impl Docs {
    /// Drops every document (after a write that may touch many committed).
    pub fn clear(&self) {
        self.pools.clear();
        self.clients.clear();
        self.settings.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_from_before_an_invalidation_is_not_kept() {
        let cache = DocCache::default();
        let before = cache.generation();
        cache.forget("p"); // a write committed while the reader was reading
        cache.put(before, "p", Arc::new(1u32));
        assert!(cache.get::<u32>("p").is_none());
        let now = cache.generation();
        cache.put(now, "p", Arc::new(2u32));
        assert_eq!(cache.get::<u32>("p").as_deref(), Some(&2));
        // Kept per type: another type of the same key is a miss.
        assert!(cache.get::<String>("p").is_none());
        cache.clear();
        assert!(cache.get::<u32>("p").is_none());
    }
}
