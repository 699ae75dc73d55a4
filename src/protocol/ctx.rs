//! The request context every handler receives: the application state, plus what the
//! request itself says about where and how it was addressed. Kept apart from the dispatcher
//! (`aws_json`) so that handlers, tokens and the OAuth pages import the context without
//! importing the action tables that import them.

use crate::state::AppState;
use axum::http::{HeaderMap, header};

/// What a handler knows about the request besides its input.
#[derive(Clone)]
pub struct Ctx {
    pub app: AppState,
    /// `scheme://host[:port]` as the client addressed us (the issuer follows it).
    pub base_url: String,
    /// The region from the SigV4 credential scope when the request was signed, else the
    /// configured one.
    pub region: String,
    /// Whether `region` came from a signature. AWS regions are separate services, so a signed
    /// call sees only the resources of its region; unsigned calls (SignUp, InitiateAuth, GetId)
    /// name no region and resolve by the resource they name.
    pub signed: bool,
    pub request_id: String,
}

impl std::ops::Deref for Ctx {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.app
    }
}

impl Ctx {
    /// A context for calling handlers directly (tests, seeding).
    pub fn internal(app: AppState) -> Self {
        let base_url = app.config.public_base_url();
        let region = app.config.region.clone();
        Ctx {
            app,
            base_url,
            region,
            signed: false,
            request_id: uuid::Uuid::new_v4().to_string(),
        }
    }
}

/// `scheme://host` as the client addressed us.
pub fn base_url(app: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &app.config.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty());
    match host {
        Some(host) => {
            let scheme = headers
                .get("x-forwarded-proto")
                .and_then(|h| h.to_str().ok())
                .unwrap_or("http");
            format!("{scheme}://{host}")
        }
        None => app.config.public_base_url(),
    }
}
