//! `/_dev/` routes: the mailbox (JSON and HTML) and the clock.
//!
//! - `GET /_dev/mailbox[?to=&pool=&username=&kind=]` → `{"messages": [...]}`, oldest first;
//!   with `Accept: text/html`, a page listing them newest first (auto-refreshing).
//! - `GET /_dev/mailbox/latest[?same filters]` → the newest matching message, 404 when none.
//! - `DELETE /_dev/mailbox` → empties it.
//! - `POST /_dev/clock/advance` with `{"seconds": N}` → moves the emulator's clock (expire
//!   codes and tokens in HTTP-level tests); answers `{"offset_seconds": total}`.
//!
//! `GET /_dev/` is the dev console's home (`console`).

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
        .route("/_dev/mailbox", get(list).delete(clear))
        .route("/_dev/mailbox/latest", get(latest))
        .route("/_dev/clock/advance", post(advance_clock))
        .route("/_dev/reset", post(reset))
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

#[derive(Debug, Default, Deserialize)]
struct ResetQuery {
    pool: Option<String>,
}

/// `POST /_dev/reset`: everything stored is deleted (pools, users, identity pools, mail, the
/// trigger log) and the clock returns to real time; `?pool=<id>` deletes just that user pool
/// and its mail. Then the seed file, if any, is applied again, so a suite sharing one
/// emulator can start each test from its seeded state.
async fn reset(State(app): State<AppState>, Query(q): Query<ResetQuery>) -> Response {
    let what = match q.pool.as_deref().filter(|p| !p.is_empty()) {
        Some(pool_id) => match app.store.reset_pool(pool_id).await {
            Ok(true) => pool_id.to_string(),
            Ok(false) => {
                return (
                    StatusCode::NOT_FOUND,
                    Json(json!({"error": format!("no user pool {pool_id}")})),
                )
                    .into_response();
            }
            Err(e) => return storage_error(e),
        },
        None => {
            if let Err(e) = app.store.reset_all().await {
                return storage_error(e);
            }
            app.triggers.log.clear();
            // Back to real time: an offset cannot grow past its bound, so this cannot fail.
            let _ = app.clock.try_advance(-app.clock.offset_secs());
            "all".to_string()
        }
    };
    let seeded = match &app.config.seed {
        Some(path) => match crate::seed::apply_file(&app, path).await {
            Ok(()) => true,
            Err(e) => {
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({"error": e.to_string()})),
                )
                    .into_response();
            }
        },
        None => false,
    };
    Json(json!({"reset": what, "seeded": seeded})).into_response()
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

#[cfg(test)]
mod tests {
    use crate::idp::shapes::*;
    use crate::protocol::ctx::Ctx;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    async fn post(app: &axum::Router, uri: &str) -> (StatusCode, serde_json::Value) {
        let req = Request::builder()
            .method("POST")
            .uri(uri)
            .header("host", "localhost:9229")
            .body(Body::empty())
            .unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    async fn pool_ids(ctx: &Ctx) -> Vec<String> {
        crate::idp::user_pools::list_user_pools(
            ctx.clone(),
            ListUserPoolsRequest {
                max_results: 60,
                next_token: None,
            },
        )
        .await
        .unwrap()
        .user_pools
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.id)
        .collect()
    }

    #[tokio::test]
    async fn reset_returns_to_the_seeded_state() {
        let mut config = crate::config::Config::for_tests();
        config.seed =
            Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.json"));
        let state = crate::build_state(config).await.unwrap();
        let ctx = Ctx::internal(state.clone());
        let app = crate::router(state);
        let seeded = pool_ids(&ctx).await;
        assert_eq!(seeded, ["us-east-1_Example01"]);

        let extra = crate::testkit::pool(&ctx, |_| {}).await.id.unwrap();
        let (status, body) = post(&app, &format!("/_dev/reset?pool={extra}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["reset"], extra.as_str());
        assert_eq!(pool_ids(&ctx).await, seeded);
        let (status, _) = post(&app, "/_dev/reset?pool=us-east-1_Nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Everything: pools (the seeded one comes back), users, identity pools, the clock.
        crate::testkit::pool(&ctx, |_| {}).await;
        crate::idp::admin_users::admin_delete_user(
            ctx.clone(),
            AdminDeleteUserRequest {
                user_pool_id: "us-east-1_Example01".into(),
                username: "dev@example.com".into(),
            },
        )
        .await
        .ok();
        crate::identity::identity_pools::create_identity_pool(
            ctx.clone(),
            crate::protocol::generated::identity::CreateIdentityPoolInput {
                identity_pool_name: "ids".into(),
                allow_unauthenticated_identities: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        ctx.clock.advance(3600);
        let (status, body) = post(&app, "/_dev/reset").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body, serde_json::json!({"reset": "all", "seeded": true}));
        assert_eq!(pool_ids(&ctx).await, seeded);
        assert_eq!(ctx.clock.offset_secs(), 0);
        let identity_pools = crate::identity::identity_pools::list_identity_pools(
            ctx.clone(),
            crate::protocol::generated::identity::ListIdentityPoolsInput {
                max_results: 60,
                next_token: None,
            },
        )
        .await
        .unwrap();
        assert!(identity_pools.identity_pools.unwrap_or_default().is_empty());
    }
}
