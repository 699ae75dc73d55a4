//! cognito-emu: a local, offline, Amazon Cognito-compatible emulator.
//!
//! `router(state)` builds the whole HTTP surface; `serve` runs it on a listener until the
//! shutdown future resolves; `start` does both on a free port (tests use it).

pub mod clock;
pub mod config;
pub mod console;
pub mod cpu;
pub mod crypto;
pub mod exposure;
pub mod http_client;
pub mod identity;
pub mod idp;
pub mod ids;
pub mod listener;
pub mod mail;
pub mod model;
pub mod oauth;
pub mod protocol;
#[cfg(test)]
mod readme_tests;
pub mod seed;
pub mod state;
pub mod store;
pub mod tasks;
#[cfg(test)]
pub(crate) mod testkit;
pub mod tokens;
pub mod triggers;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use config::Config;
use state::AppState;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Instant;
use store::Store;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The whole HTTP surface of the emulator.
pub fn router(state: AppState) -> Router {
    // Browser SDKs call POST / from any origin; this is a local development tool.
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allow_headers([
            HeaderName::from_static("content-type"),
            HeaderName::from_static("x-amz-target"),
            HeaderName::from_static("x-amz-user-agent"),
            HeaderName::from_static("x-amz-date"),
            HeaderName::from_static("x-amz-security-token"),
            HeaderName::from_static("x-amz-content-sha256"),
            HeaderName::from_static("amz-sdk-invocation-id"),
            HeaderName::from_static("amz-sdk-request"),
            HeaderName::from_static("cache-control"),
            HeaderName::from_static("authorization"),
        ])
        .expose_headers([
            HeaderName::from_static("x-amzn-requestid"),
            HeaderName::from_static("x-amzn-errortype"),
            HeaderName::from_static("x-amzn-errormessage"),
        ])
        .max_age(std::time::Duration::from_secs(600));
    // The Cognito API, OAuth endpoints and discovery documents: CORS for any origin, as AWS
    // answers, so browser SDKs work from any dev server.
    let public = Router::new()
        .route("/", post(protocol::aws_json::handle))
        .route("/health", get(health))
        .merge(oauth::router())
        .merge(idp::user_import::upload::router())
        .route(
            "/_identity/.well-known/jwks.json",
            get(identity::openid::jwks),
        )
        .route(
            "/_identity/.well-known/openid-configuration",
            get(identity::openid::discovery),
        )
        .route(
            "/{pool_id}/.well-known/jwks.json",
            get(oauth::discovery::jwks),
        )
        .route(
            "/{pool_id}/.well-known/openid-configuration",
            get(oauth::discovery::openid_configuration),
        )
        .layer(cors);
    // The dev routes hold codes, temporary passwords and credentials and move the clock: no
    // CORS, no cross-site requests, and none at all with --no-dev-routes.
    let all = if state.config.no_dev_routes {
        public
    } else {
        let dev = Router::new()
            .route("/_bench/constant", post(bench_constant))
            .merge(console::router())
            .merge(mail::routes::router())
            .merge(triggers::routes::router())
            .route(
                "/_dev/identity/credentials",
                get(identity::credentials::dev_credentials),
            )
            .layer(middleware::from_fn_with_state(
                state.clone(),
                exposure::refuse_cross_site,
            ));
        public.merge(dev)
    };
    all.layer(middleware::from_fn_with_state(
        state.clone(),
        exposure::check_host,
    ))
    .layer(middleware::from_fn(log_request))
    .with_state(state)
}

async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({"status": "ok"}))
}

/// Dev route for the benchmark's HTTP floor: `POST /_bench/constant?size=N` answers a fixed
/// JSON body of exactly N bytes (16..=65536, default 512) without touching the store, so the
/// bench can compare an API call with the cost of the HTTP path alone.
async fn bench_constant(
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let size = q
        .get("size")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(512)
        .clamp(16, 65536);
    // {"pad":"xxx..."} is 10 bytes plus the padding.
    let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(size - 10));
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/x-amz-json-1.1",
        )],
        body,
    )
        .into_response()
}

/// One log line per request: method, path, target, status, latency.
async fn log_request(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(|t| t.rsplit('.').next().unwrap_or(t).to_string());
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    let error = resp
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info!(
        target: "cognito_emu::request",
        "{method} {path} {} {status} {error} {:.2}ms",
        target.as_deref().unwrap_or("-"),
        started.elapsed().as_secs_f64() * 1000.0
    );
    resp
}

/// Why the emulator could not start.
#[derive(Debug)]
pub enum StartError {
    Database(sqlx::Error),
    Seed(seed::SeedError),
    /// A flag or variable that cannot be used as given.
    Config(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Database(e) => write!(f, "cannot open the database: {e}"),
            StartError::Seed(e) => write!(f, "{e}"),
            StartError::Config(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StartError {}

/// Opens the store the config names, builds the state and applies the seed file, if any.
pub async fn build_state(config: Config) -> Result<AppState, StartError> {
    let store = if config.in_memory {
        Store::open(None).await
    } else {
        Store::open_with(Some(&config.db), config.sync).await
    }
    .map_err(StartError::Database)?;
    let triggers = crate::triggers::Triggers::from_config(&config).map_err(StartError::Config)?;
    let seed_file = config.seed.clone();
    let state = AppState::with_triggers(config, store, triggers);
    if let Some(path) = seed_file {
        seed::apply_file(&state, &path)
            .await
            .map_err(StartError::Seed)?;
    }
    Ok(state)
}

/// Serves on `listener` until `shutdown` resolves; then, once in-flight requests are done,
/// drains the background tasks (see `tasks.rs`) and closes the store.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (store, tasks) = (state.store.clone(), state.tasks.clone());
    if state.config.spare_keys > 0 {
        let (store, stop, target) = (store.clone(), tasks.clone(), state.config.spare_keys);
        tasks.spawn("spare signing keys", async move {
            store.keep_spare_keys(target, &stop).await;
        });
    }
    {
        let (store, stop) = (store.clone(), tasks.clone());
        tasks.spawn("WAL checkpoints", async move {
            store.keep_checkpointing(&stop).await;
        });
    }
    let listener = listener::BoundedListener::new(
        listener,
        state.config.max_connections,
        std::time::Duration::from_secs(state.config.read_timeout_secs.max(1)),
    );
    let app = router(state);
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    tasks.drain(tasks::DRAIN_BOUND).await;
    store.close().await;
    result
}

/// A running emulator started by [`start`].
pub struct Running {
    pub addr: SocketAddr,
    pub url: String,
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Binds `config.host:config.port` (0 = free port) and serves in a background task.
pub async fn start(config: Config) -> Result<Running, Box<dyn std::error::Error + Send + Sync>> {
    let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await?;
    let addr = listener.local_addr()?;
    let mut config = config;
    config.port = addr.port();
    let state = build_state(config).await?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, state.clone(), async {
        let _ = rx.await;
    }));
    Ok(Running {
        addr,
        url: format!("http://{addr}"),
        state,
        stop: Some(tx),
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bench_constant_answers_exactly_the_requested_size() {
        for (asked, got) in [("700", 700), ("3", 16), ("x", 512)] {
            let q = std::collections::HashMap::from([("size".to_string(), asked.to_string())]);
            let resp = bench_constant(axum::extract::Query(q)).await;
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap();
            assert_eq!(body.len(), got);
            assert!(serde_json::from_slice::<serde_json::Value>(&body).is_ok());
        }
    }
}
