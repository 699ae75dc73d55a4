//! GET /logout: ends the browser's session for the client's pool, then either returns to a
//! registered sign-out URL (`client_id` + `logout_uri`) or restarts sign-in (`client_id` +
//! `redirect_uri` + `response_type`, ...), as Cognito's logout endpoint does.

use super::html;
use super::params::{self, AuthorizeParams, redirect};
use super::session;
use super::site::Site;
use crate::idp::shapes::UserPoolClientType;
use crate::state::AppState;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct LogoutQuery {
    #[serde(default)]
    pub logout_uri: Option<String>,
    #[serde(flatten)]
    pub params: AuthorizeParams,
}

fn with_cookie(mut resp: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

pub async fn logout(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<LogoutQuery>,
) -> Response {
    let site = Site::of(app, &headers, &uri).await;
    let bad = |m: &str| html::error_page(StatusCode::BAD_REQUEST, m);
    let Some(client_id) = q.params.client_id.clone().filter(|c| !c.is_empty()) else {
        return bad("Required String parameter 'client_id' is not present");
    };
    let (pool_id, client) = match site
        .ctx
        .store
        .get_client::<UserPoolClientType>(&client_id)
        .await
    {
        Ok(Some(v)) if site.serves(&v.0) => v,
        Ok(_) => return bad("Invalid client id."),
        Err(e) => {
            tracing::error!(cause = %e, "logout");
            return html::error_page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.");
        }
    };
    let target = if let Some(logout_uri) = q.logout_uri.as_deref().filter(|u| !u.is_empty()) {
        if !client
            .logout_ur_ls
            .iter()
            .flatten()
            .any(|u| u == logout_uri)
        {
            return bad(
                "redirect_mismatch: the logout_uri is not one of the app client's sign-out URLs.",
            );
        }
        logout_uri.to_string()
    } else if q.params.redirect_uri.is_some() {
        // Sign out, then sign in again with these parameters.
        if let Err(r) = params::check(&site, &q.params).await {
            return r.into_response();
        }
        format!("{}?{}", site.path("/login"), q.params.query())
    } else {
        return bad(
            "Required parameter 'logout_uri' (or 'redirect_uri' and 'response_type') is not present",
        );
    };
    let cleared = match session::end(&site, &headers, session::SIGNED_IN, &pool_id).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(cause = %e, "logout");
            return html::error_page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.");
        }
    };
    with_cookie(redirect(&target), &cleared)
}
