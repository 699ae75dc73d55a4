//! GET /oauth2/authorize: checks the request, then either returns straight to the app (the
//! browser has a signed-in session for the pool) or sends the browser to the login page with
//! the same parameters, as Cognito does. `finish` completes a sign-in for every hosted page.

use super::html::internal;
use super::params::{self, AuthorizeParams, Checked, ResponseType, redirect};
use super::session;
use super::site::Site;
use crate::model::user::User;
use crate::state::AppState;
use crate::store::oauth::AuthCode;
use crate::tokens::{Grant, RefreshMode};
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// How long an authorization code can be exchanged (Cognito: five minutes).
pub const CODE_LIFETIME_SECS: i64 = 300;

pub async fn authorize(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    let site = Site::of(app, &headers, &uri).await;
    let checked = match params::check(&site, &params).await {
        Ok(c) => c,
        Err(refusal) => return refusal.into_response(),
    };
    if let Some(provider) = &checked.provider {
        return super::federation::start(&site, &checked, provider).await;
    }
    let prompt = params.prompt.as_deref().unwrap_or_default();
    let prompts: Vec<&str> = prompt.split_whitespace().collect();
    if !prompts.contains(&"login") {
        match session::signed_in(&site, &headers, &checked.pool_id).await {
            Ok(Some(s)) => {
                if let Ok(Some(user)) = site.ctx.store.get_user(&checked.pool_id, &s.username).await
                    && user.enabled
                {
                    return finish(&site, &checked, &user, s.auth_time, None).await;
                }
            }
            Ok(None) => {}
            Err(e) => return internal(e),
        }
    }
    if prompts.contains(&"none") {
        return params::refuse(&checked, "login_required", None).into_response();
    }
    redirect(&format!("{}?{}", site.path("/login"), params.query()))
}

/// Cognito's authorization codes are random UUIDs.
fn new_code() -> String {
    crate::ids::uuid()
}

/// Completes a sign-in: a code (or, for the implicit flow, tokens) sent to the app's
/// redirect_uri, plus `set_cookie` (a new session) when given.
pub async fn finish(
    site: &Site,
    c: &Checked,
    user: &User,
    auth_time: i64,
    set_cookie: Option<String>,
) -> Response {
    let state = c.params.state.as_deref();
    let location = match c.response_type {
        ResponseType::Code => {
            let now = site.ctx.clock.now_secs();
            let code = AuthCode {
                code: new_code(),
                pool_id: c.pool_id.clone(),
                client_id: c.client_id.clone(),
                username: user.username.clone(),
                redirect_uri: c.redirect_uri.clone(),
                scope: c.scope.clone(),
                nonce: c.params.nonce.clone(),
                code_challenge: c.params.code_challenge.clone(),
                code_challenge_method: c.params.code_challenge.as_ref().map(|_| {
                    c.params
                        .code_challenge_method
                        .clone()
                        .unwrap_or_else(|| "plain".into())
                }),
                auth_time,
                expires: now + CODE_LIFETIME_SECS,
            };
            if let Err(e) = site.ctx.store.insert_code(&code).await {
                return internal(e);
            }
            let mut pairs = vec![("code", code.code.as_str())];
            if let Some(s) = state {
                pairs.push(("state", s));
            }
            params::with_params(&c.redirect_uri, &pairs, false)
        }
        ResponseType::Token => {
            let grant = Grant::new(
                c.scope.clone(),
                c.params.nonce.clone(),
                "TokenGeneration_HostedAuth",
            );
            let subject = match crate::tokens::subject_of(&site.ctx, user).await {
                Ok(s) => s,
                Err(e) => return internal(e),
            };
            let tokens = match crate::tokens::issue(
                &site.ctx,
                &c.pool_id,
                &c.client,
                &subject,
                &grant,
                RefreshMode::SignedInAt(auth_time),
            )
            .await
            {
                Ok(t) => t,
                Err(e) => return internal(e),
            };
            let expires_in = tokens.expires_in.unwrap_or(3600).to_string();
            let mut pairs: Vec<(&str, &str)> = Vec::new();
            // The implicit flow returns an ID token only when openid was granted.
            let has_openid = c.scope.split(' ').any(|s| s == "openid");
            if has_openid && let Some(id) = tokens.id_token.as_deref() {
                pairs.push(("id_token", id));
            }
            if let Some(a) = tokens.access_token.as_deref() {
                pairs.push(("access_token", a));
            }
            pairs.push(("token_type", "Bearer"));
            pairs.push(("expires_in", &expires_in));
            if let Some(s) = state {
                pairs.push(("state", s));
            }
            params::with_params(&c.redirect_uri, &pairs, true)
        }
    };
    let mut resp = redirect(&location);
    if let Some(cookie) = set_cookie
        && let Ok(v) = HeaderValue::from_str(&cookie)
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Starts the signed-in session for `user` and completes the sign-in.
pub async fn sign_in(site: &Site, c: &Checked, user: &User) -> Response {
    let now = site.ctx.clock.now_secs();
    match session::start(site, session::SIGNED_IN, &c.pool_id, &user.username, now).await {
        Ok((_, cookie)) => finish(site, c, user, now, Some(cookie)).await,
        Err(e) => internal(e),
    }
}
