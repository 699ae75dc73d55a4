//! `/_dev/` routes: the mailbox (JSON and HTML) and the clock.
//!
//! - `GET /_dev/mailbox[?to=&pool=&username=&kind=]` → `{"messages": [...]}`, oldest first;
//!   with `Accept: text/html`, a page listing them newest first (auto-refreshing).
//! - `GET /_dev/mailbox/latest[?same filters]` → the newest matching message, 404 when none.
//! - `DELETE /_dev/mailbox` → empties it.
//! - `POST /_dev/clock/advance` with `{"seconds": N}` → moves the emulator's clock (expire
//!   codes and tokens in HTTP-level tests); answers `{"offset_seconds": total}`.
//! - `GET /_dev/` → a small index page.

use super::page;
use crate::state::AppState;
use crate::store::mailbox::MailboxFilter;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

/// Most messages one listing answers.
const LIST_LIMIT: u32 = 10_000;

#[derive(Debug, Default, Deserialize)]
pub struct FilterQuery {
    to: Option<String>,
    pool: Option<String>,
    username: Option<String>,
    kind: Option<String>,
}

impl From<FilterQuery> for MailboxFilter {
    fn from(q: FilterQuery) -> Self {
        let keep = |v: Option<String>| v.filter(|s| !s.is_empty());
        MailboxFilter {
            to: keep(q.to),
            pool: keep(q.pool),
            username: keep(q.username),
            kind: keep(q.kind),
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_dev", get(index))
        .route("/_dev/", get(index))
        .route("/_dev/mailbox", get(list).delete(clear))
        .route("/_dev/mailbox/latest", get(latest))
        .route("/_dev/clock/advance", post(advance_clock))
}

fn storage_error(e: sqlx::Error) -> Response {
    tracing::error!(cause = %e, "mailbox storage error");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({"error": "storage error"})),
    )
        .into_response()
}

pub(crate) fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

async fn index() -> Html<String> {
    Html(page::index())
}

async fn list(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<FilterQuery>,
) -> Response {
    let html = wants_html(&headers);
    let filter: MailboxFilter = q.into();
    match app.store.list_messages(&filter, html, LIST_LIMIT).await {
        Ok(messages) if html => Html(page::mailbox(&messages, &filter)).into_response(),
        Ok(messages) => Json(json!({"messages": messages})).into_response(),
        Err(e) => storage_error(e),
    }
}

async fn latest(State(app): State<AppState>, Query(q): Query<FilterQuery>) -> Response {
    match app.store.list_messages(&q.into(), true, 1).await {
        Ok(mut messages) => match messages.pop() {
            Some(m) => Json(m).into_response(),
            None => (
                StatusCode::NOT_FOUND,
                Json(json!({"error": "no message matches"})),
            )
                .into_response(),
        },
        Err(e) => storage_error(e),
    }
}

async fn clear(State(app): State<AppState>) -> Response {
    match app.store.clear_messages().await {
        Ok(n) => Json(json!({"deleted": n})).into_response(),
        Err(e) => storage_error(e),
    }
}

#[derive(Debug, Deserialize)]
struct Advance {
    seconds: i64,
}

async fn advance_clock(State(app): State<AppState>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<Advance>(&body) {
        Ok(a) => match app.clock.try_advance(a.seconds) {
            Ok(offset) => Json(json!({"offset_seconds": offset})).into_response(),
            // Past this, times wrap or every lockout and token goes wrong at once.
            Err(_) => (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": format!(
                    "the clock stays within {} seconds (100 years) of real time; offset now {}",
                    crate::clock::MAX_OFFSET_SECS,
                    app.clock.offset_secs()
                )})),
            )
                .into_response(),
        },
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": format!("expected {{\"seconds\": N}}: {e}")})),
        )
            .into_response(),
    }
}
