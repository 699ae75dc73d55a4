//! `/_dev/triggers`: what the pools' Lambda triggers were sent and answered.
//!
//! - `GET /_dev/triggers[?trigger=PreSignUp]` → `{"invocations": [...]}`, oldest first, each
//!   with `trigger`, `trigger_source`, `function`, `event`, `response` or `error`,
//!   `duration_ms`, `at`; as a page (`triggers::page`) when the browser asks for HTML.
//! - `DELETE /_dev/triggers` → empties the log.

use crate::state::AppState;
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new().route("/_dev/triggers", get(list).delete(clear))
}

#[derive(Debug, Default, Deserialize)]
struct Filter {
    trigger: Option<String>,
}

async fn list(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(f): Query<Filter>,
) -> Response {
    let invocations: Vec<_> = app
        .triggers
        .log
        .entries()
        .into_iter()
        .filter(|e| f.trigger.as_deref().is_none_or(|t| t == e.trigger))
        .collect();
    if crate::mail::routes::wants_html(&headers) {
        return Html(super::page::invocations(&invocations, f.trigger.as_deref())).into_response();
    }
    Json(json!({ "invocations": invocations })).into_response()
}

async fn clear(State(app): State<AppState>) -> StatusCode {
    app.triggers.log.clear();
    StatusCode::NO_CONTENT
}
