//! Hosted-UI sessions. A signed-in browser keeps a cookie (one per pool, about an hour, as
//! Cognito's) so a second /oauth2/authorize returns straight to the app; /logout ends it.
//! Sign-ins waiting for a new password or a confirmation code keep a short-lived one too.
//! Only the SHA-256 of a cookie's value is stored.

use super::site::Site;
use crate::crypto::hex::sha256_hex;
use crate::store::oauth::HostedSession;
use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

/// How long a signed-in browser stays signed in (Cognito: one hour).
pub const SIGNED_IN_SECS: i64 = 3600;
/// How long a sign-in may wait for a new password or a confirmation code.
pub const PENDING_SECS: i64 = 3600;

pub const SIGNED_IN: &str = "signed_in";
pub const NEW_PASSWORD: &str = "new_password";
/// Signed up in the browser: sign in once the code is confirmed.
pub const CONFIRM_THEN_SIGN_IN: &str = "confirm_then_sign_in";

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The cookie that holds a pool's session of `kind`.
pub fn cookie_name(kind: &str, pool_id: &str) -> String {
    let prefix = if kind == SIGNED_IN {
        "cognito"
    } else {
        "cognito-pending"
    };
    format!("{prefix}-{pool_id}")
}

/// The value of cookie `name`, if the request sent it.
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn cookie_path(site: &Site) -> String {
    if site.base.is_empty() {
        "/".into()
    } else {
        site.base.clone()
    }
}

/// Starts a session; returns its secret and the Set-Cookie header value.
pub async fn start(
    site: &Site,
    kind: &str,
    pool_id: &str,
    username: &str,
    auth_time: i64,
) -> Result<(String, String), sqlx::Error> {
    let now = site.ctx.clock.now_secs();
    let lifetime = if kind == SIGNED_IN {
        SIGNED_IN_SECS
    } else {
        PENDING_SECS
    };
    site.ctx.store.purge_expired_oauth(now).await?;
    let secret = new_secret();
    site.ctx
        .store
        .insert_hosted_session(
            &sha256_hex(&secret),
            &HostedSession {
                kind: kind.into(),
                pool_id: pool_id.into(),
                username: username.into(),
                auth_time,
                expires: now + lifetime,
            },
        )
        .await?;
    let cookie = format!(
        "{}={secret}; Path={}; Max-Age={lifetime}; HttpOnly; SameSite=Lax",
        cookie_name(kind, pool_id),
        cookie_path(site)
    );
    Ok((secret, cookie))
}

/// The live session of `kind` for `pool_id` that `secret` opens.
pub async fn find(
    site: &Site,
    kind: &str,
    pool_id: &str,
    secret: &str,
) -> Result<Option<HostedSession>, sqlx::Error> {
    let now = site.ctx.clock.now_secs();
    Ok(site
        .ctx
        .store
        .get_hosted_session(&sha256_hex(secret))
        .await?
        .filter(|s| s.kind == kind && s.pool_id == pool_id && s.expires > now))
}

/// The browser's signed-in session for `pool_id`, from its cookie.
pub async fn signed_in(
    site: &Site,
    headers: &HeaderMap,
    pool_id: &str,
) -> Result<Option<HostedSession>, sqlx::Error> {
    match read_cookie(headers, &cookie_name(SIGNED_IN, pool_id)) {
        Some(secret) => find(site, SIGNED_IN, pool_id, &secret).await,
        None => Ok(None),
    }
}

/// Ends the session a cookie holds (if any); returns the Set-Cookie value that clears it.
pub async fn end(
    site: &Site,
    headers: &HeaderMap,
    kind: &str,
    pool_id: &str,
) -> Result<String, sqlx::Error> {
    let name = cookie_name(kind, pool_id);
    if let Some(secret) = read_cookie(headers, &name) {
        site.ctx
            .store
            .delete_hosted_session(&sha256_hex(&secret))
            .await?;
    }
    Ok(format!(
        "{name}=; Path={}; Max-Age=0; HttpOnly; SameSite=Lax",
        cookie_path(site)
    ))
}
