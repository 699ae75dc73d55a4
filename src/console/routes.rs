//! The console's routes (all under `/_dev/`, mounted with the other dev routes, so
//! `--no-dev-routes` / `--no-dev-console` removes them and `exposure::refuse_cross_site`
//! guards them):
//!
//! | Route | |
//! | --- | --- |
//! | `GET /_dev/` | user pools, clock, newest mail, the other dev endpoints |
//! | `POST /_dev/clock` | form `seconds=N` (or `real_time=1`): move the emulated clock |
//! | `GET /_dev/pools/{pool}` | settings, app clients, domains, groups, links, CLI line |
//! | `GET /_dev/pools/{pool}/users?q=&by=&limit=&page=` | users, prefix search, pages |
//! | `POST /_dev/pools/{pool}/users` | create a user (AdminCreateUser [+ AdminSetUserPassword]) |
//! | `GET /_dev/pools/{pool}/user?username=` | one user: attributes, groups, devices, mail |
//! | `POST /_dev/pools/{pool}/user/{action}` | `set-password`, `confirm`, `enable`, `disable`, `sign-out`, `delete` |
//! | `GET`/`POST /_dev/token` | the token decoder (the token is posted, never in a URL) |

use super::{actions, home, pools, token, users};
use crate::state::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_dev", get(home::page))
        .route("/_dev/", get(home::page))
        .route("/_dev/clock", post(home::advance_clock))
        .route("/_dev/pools/{pool_id}", get(pools::page))
        .route(
            "/_dev/pools/{pool_id}/users",
            get(users::list_page).post(actions::create_user),
        )
        .route("/_dev/pools/{pool_id}/user", get(users::user_page))
        .route(
            "/_dev/pools/{pool_id}/user/{action}",
            post(actions::user_action),
        )
        .route(
            "/_dev/token",
            get(token::form_page).post(token::decode_page),
        )
        .layer(middleware::from_fn(no_framing))
}

/// The console's forms change state: no other site may frame a page and have the developer
/// click its buttons (a click inside the frame would be a same-origin request). The pages
/// run no script at all, so the policy allows none.
async fn no_framing(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let headers = resp.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    // Not `no-referrer`: under it, browsers send `Origin: null` with the forms' posts, and
    // the cross-site check refuses those.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
