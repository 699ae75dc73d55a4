//! `/_dev/triggers`: what the pools' Lambda triggers were sent and answered.
//!
//! - `GET /_dev/triggers[?trigger=PreSignUp]` → `{"invocations": [...]}`, oldest first, each
//!   with `trigger`, `trigger_source`, `function`, `event`, `response` or `error`,
//!   `duration_ms`, `at`.
//! - `DELETE /_dev/triggers` → empties the log.

use crate::state::AppState;
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new().route("/_dev/triggers", get(list).delete(clear))
}

#[derive(Debug, Default, Deserialize)]
struct Filter {
    trigger: Option<String>,
}

async fn list(State(app): State<AppState>, Query(f): Query<Filter>) -> Json<Value> {
    let invocations: Vec<_> = app
        .triggers
        .log
        .entries()
        .into_iter()
        .filter(|e| f.trigger.as_deref().is_none_or(|t| t == e.trigger))
        .collect();
    Json(json!({ "invocations": invocations }))
}

async fn clear(State(app): State<AppState>) -> StatusCode {
    app.triggers.log.clear();
    StatusCode::NO_CONTENT
}
