//! `AppState`: everything a handler needs, cheap to clone.

use crate::clock::Clock;
use crate::config::Config;
use crate::store::Store;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub store: Store,
    pub clock: Clock,
    pub triggers: crate::triggers::Triggers,
    /// Background work (import runs, SMTP relays) that shutdown drains before closing the store.
    pub tasks: crate::tasks::Tasks,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// A state whose trigger routes come from `config` (tests; routes it cannot read are left
    /// out — `build_state` refuses such a config before it gets here).
    pub fn new(config: Config, store: Store) -> Self {
        let triggers = crate::triggers::Triggers::from_config(&config).unwrap_or_default();
        Self::with_triggers(config, store, triggers)
    }

    /// A state with trigger routes already built from the config (`build_state`).
    pub fn with_triggers(
        config: Config,
        store: Store,
        triggers: crate::triggers::Triggers,
    ) -> Self {
        AppState(Arc::new(Inner {
            config,
            store,
            clock: Clock::default(),
            triggers,
            tasks: Default::default(),
        }))
    }
}
