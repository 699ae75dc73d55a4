//! POST /oauth2/token: one endpoint that matches on `grant_type` (authorization_code,
//! refresh_token, client_credentials), client authentication by Basic header or form body,
//! and RFC 6749 error bodies.

use super::site::Site;
use crate::idp::shapes::{AuthenticationResultType, UserPoolClientType};
use crate::protocol::ctx::Ctx;
use crate::state::AppState;
use crate::tokens::{ADMIN_SCOPE, Grant, RefreshMode};
use axum::Form;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// An RFC 6749 error: `{"error": ..., "error_description": ...}` with its status.
#[derive(Debug)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: Option<String>,
    /// Set for invalid_client when the client used HTTP Basic (RFC 6749 5.2).
    pub basic_challenge: bool,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        let status = if error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        OAuthError {
            status,
            error,
            description: Some(description.into()),
            basic_challenge: false,
        }
    }

    pub fn bare(error: &'static str) -> Self {
        OAuthError {
            description: None,
            ..Self::new(error, "")
        }
    }

    pub fn server(e: impl std::fmt::Display) -> Self {
        tracing::error!(cause = %e, "oauth2");
        OAuthError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            ..Self::bare("server_error")
        }
    }
}

impl From<sqlx::Error> for OAuthError {
    fn from(e: sqlx::Error) -> Self {
        OAuthError::server(e)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": self.error});
        if let Some(d) = self.description.filter(|d| !d.is_empty()) {
            body["error_description"] = Value::from(d);
        }
        let mut resp = (self.status, json_response(body)).into_response();
        if self.basic_challenge {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"cognito-emu\""),
            );
        }
        resp
    }
}

/// A JSON body with the headers RFC 6749 asks of token responses.
pub fn json_response(body: Value) -> Response {
    let mut resp = axum::Json(body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
}

/// The client a request authenticated as.
pub struct AuthedClient {
    pub pool_id: String,
    pub client_id: String,
    pub client: UserPoolClientType,
}

fn percent_decode(s: &str) -> String {
    // Basic credentials are form-encoded before base64 (RFC 6749 2.3.1).
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
        .ok()
        .and_then(|v| v.into_iter().next())
        .map(|(_, v)| v)
        .unwrap_or_else(|| s.to_string())
}

fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), ()>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD
        .decode(rest.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    Some(match decoded.as_deref().and_then(|d| d.split_once(':')) {
        Some((id, secret)) => Ok((percent_decode(id), percent_decode(secret))),
        None => Err(()),
    })
}

/// Authenticates the client by Basic header or by client_id/client_secret in the body.
pub async fn authenticate_client(
    site: &Site,
    headers: &HeaderMap,
    form_id: Option<&str>,
    form_secret: Option<&str>,
) -> Result<AuthedClient, OAuthError> {
    let (client_id, secret, basic) = match basic_credentials(headers) {
        Some(Ok((id, secret))) => (id, Some(secret), true),
        Some(Err(())) => {
            let mut e = OAuthError::bare("invalid_client");
            e.basic_challenge = true;
            return Err(e);
        }
        None => match form_id.filter(|s| !s.is_empty()) {
            Some(id) => (id.to_string(), form_secret.map(str::to_string), false),
            None => return Err(OAuthError::bare("invalid_request")),
        },
    };
    let refuse = || {
        let mut e = OAuthError::bare("invalid_client");
        e.basic_challenge = basic;
        e
    };
    if let Some(body_id) = form_id.filter(|s| !s.is_empty())
        && body_id != client_id
    {
        return Err(OAuthError::bare("invalid_request"));
    }
    let Some((pool_id, client)) = site
        .ctx
        .store
        .get_client::<UserPoolClientType>(&client_id)
        .await?
    else {
        return Err(refuse());
    };
    if !site.serves(&pool_id) {
        return Err(refuse());
    }
    let rotated =
        crate::idp::client_secrets::rotated_secrets(&site.ctx, &client_id, &client).await?;
    match (client.client_secret.as_deref(), secret.as_deref()) {
        (Some(_), Some(given))
            if crate::idp::client_secrets::is_current_secret(&client, &rotated, given) => {}
        (Some(_), _) => return Err(refuse()),
        (None, Some(given)) if !given.is_empty() => return Err(refuse()),
        (None, _) => {}
    }
    Ok(AuthedClient {
        pool_id,
        client_id,
        client,
    })
}

pub async fn token(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let site = Site::of(app, &headers, &uri).await;
    match token_inner(&site, &headers, form).await {
        Ok(body) => json_response(body),
        Err(e) => e.into_response(),
    }
}

async fn token_inner(
    site: &Site,
    headers: &HeaderMap,
    form: TokenForm,
) -> Result<Value, OAuthError> {
    let grant_type = form
        .grant_type
        .clone()
        .filter(|g| !g.is_empty())
        .ok_or_else(|| OAuthError::new("invalid_request", "grant_type is required."))?;
    if !matches!(
        grant_type.as_str(),
        "authorization_code" | "refresh_token" | "client_credentials"
    ) {
        return Err(OAuthError::bare("unsupported_grant_type"));
    }
    let client = authenticate_client(
        site,
        headers,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )
    .await?;
    match grant_type.as_str() {
        "client_credentials" => client_credentials(&site.ctx, &client, form.scope.as_deref()).await,
        "authorization_code" => authorization_code(&site.ctx, &client, &form).await,
        _ => refresh(&site.ctx, &client, form.refresh_token.as_deref()).await,
    }
}

fn has_flow(client: &UserPoolClientType, flow: &str) -> bool {
    client.allowed_o_auth_flows_user_pool_client == Some(true)
        && client
            .allowed_o_auth_flows
            .iter()
            .flatten()
            .any(|f| f == flow)
}

pub(crate) async fn client_credentials(
    ctx: &Ctx,
    c: &AuthedClient,
    scope: Option<&str>,
) -> Result<Value, OAuthError> {
    if c.client.client_secret.is_none() || !has_flow(&c.client, "client_credentials") {
        return Err(OAuthError::bare("unauthorized_client"));
    }
    let allowed: Vec<String> = c
        .client
        .allowed_o_auth_scopes
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.contains('/'))
        .collect();
    let requested: Vec<String> = scope
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let granted = if requested.is_empty() {
        allowed
    } else {
        if requested.iter().any(|s| !allowed.contains(s)) {
            return Err(OAuthError::bare("invalid_scope"));
        }
        requested
    };
    // Scopes must still exist in a resource server (one may have been deleted since).
    let mut live = Vec::new();
    for s in granted {
        if crate::idp::resource_servers::custom_scope_exists(ctx, &c.pool_id, &s)
            .await
            .map_err(|e| OAuthError::server(e.message))?
        {
            live.push(s);
        }
    }
    if live.is_empty() {
        return Err(OAuthError::bare("invalid_scope"));
    }
    let scope = live.join(" ");
    let keys = ctx
        .store
        .pool_keys(&c.pool_id)
        .await?
        .ok_or_else(|| OAuthError::server("pool keys missing"))?;
    let validity = crate::tokens::validity::token_validity(&c.client);
    let now = ctx.clock.now_secs();
    // Cognito's machine-to-machine access token: the client is the subject; no user claims.
    let claims = json!({
        "sub": c.client_id,
        "token_use": "access",
        "scope": scope,
        "auth_time": now,
        "iss": crate::tokens::issuer(ctx, &c.pool_id),
        "exp": now + validity.access_secs,
        "iat": now,
        "version": 2,
        "jti": crate::ids::uuid(),
        "client_id": c.client_id,
    });
    let mut claims = claims;
    customize_m2m(ctx, c, &mut claims).await?;
    let access_token = crate::cpu::run(move || keys.access.sign_jwt(&claims))
        .await
        .map_err(|e| OAuthError::server(e.message))?
        .map_err(OAuthError::server)?;
    Ok(json!({
        "access_token": access_token,
        "expires_in": validity.access_secs,
        "token_type": "Bearer",
    }))
}

/// PreTokenGeneration event version 3 (PreTokenGenerationConfig V3_0) also customises
/// machine-to-machine access tokens (`TokenGeneration_ClientCredentials`); versions 1 and 2
/// do not run for them. There is no user: the event names the client as `userName` (our
/// assumption) with no attributes. A failing function answers `invalid_request` with its
/// message.
async fn customize_m2m(ctx: &Ctx, c: &AuthedClient, claims: &mut Value) -> Result<(), OAuthError> {
    use crate::triggers::Trigger;
    let Some(pool) = ctx
        .store
        .get_pool::<crate::protocol::generated::idp::UserPoolType>(&c.pool_id)
        .await?
    else {
        return Ok(());
    };
    if !crate::triggers::configured(&pool, Trigger::PreTokenGeneration)
        || crate::triggers::version(&pool, Trigger::PreTokenGeneration) != "3"
    {
        return Ok(());
    }
    let subject = crate::tokens::TokenSubject {
        username: c.client_id.clone(),
        ..Default::default()
    };
    let metadata = std::collections::BTreeMap::new();
    let mut no_id_token = json!({});
    crate::tokens::customize::pre_token_generation(
        ctx,
        &pool,
        &subject,
        &crate::tokens::customize::Context {
            source: "TokenGeneration_ClientCredentials",
            client_id: &c.client_id,
            client_metadata: &metadata,
        },
        &mut no_id_token,
        claims,
    )
    .await
    .map_err(|e| match e.kind {
        crate::protocol::ErrorKind::InternalErrorException => OAuthError::server(e.message),
        _ => OAuthError::new("invalid_request", &e.message),
    })
}

/// RFC 7636: S256 is BASE64URL(SHA256(verifier)), plain is the verifier itself.
pub fn pkce_matches(method: &str, challenge: &str, verifier: &str) -> bool {
    match method {
        "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge,
        "plain" => verifier == challenge,
        _ => false,
    }
}

fn payload_claim(jwt: &str, name: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let map: HashMap<String, Value> =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    map.get(name)?.as_str().map(str::to_string)
}

fn token_body(result: AuthenticationResultType, with_id_token: bool) -> Value {
    let mut body = json!({
        "access_token": result.access_token,
        "expires_in": result.expires_in.unwrap_or(3600),
        "token_type": "Bearer",
    });
    if with_id_token && let Some(id) = result.id_token {
        body["id_token"] = Value::from(id);
    }
    if let Some(r) = result.refresh_token {
        body["refresh_token"] = Value::from(r);
    }
    body
}

async fn authorization_code(
    ctx: &Ctx,
    c: &AuthedClient,
    form: &TokenForm,
) -> Result<Value, OAuthError> {
    let code = form
        .code
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| OAuthError::new("invalid_request", "code is required."))?;
    if !has_flow(&c.client, "code") {
        return Err(OAuthError::bare("unauthorized_client"));
    }
    // Taking the code spends it, whatever happens next: codes are single-use.
    let Some(stored) = ctx.store.take_code(code).await? else {
        return Err(OAuthError::bare("invalid_grant"));
    };
    if stored.client_id != c.client_id || ctx.clock.now_secs() >= stored.expires {
        return Err(OAuthError::bare("invalid_grant"));
    }
    match form.redirect_uri.as_deref() {
        Some(u) if u == stored.redirect_uri => {}
        None | Some("") => {
            return Err(OAuthError::new(
                "invalid_request",
                "redirect_uri is required.",
            ));
        }
        Some(_) => return Err(OAuthError::bare("invalid_grant")),
    }
    if let Some(challenge) = stored.code_challenge.as_deref() {
        let method = stored.code_challenge_method.as_deref().unwrap_or("plain");
        match form.code_verifier.as_deref().filter(|v| !v.is_empty()) {
            None => {
                return Err(OAuthError::new(
                    "invalid_request",
                    "code_verifier is required.",
                ));
            }
            Some(v) if pkce_matches(method, challenge, v) => {}
            Some(_) => return Err(OAuthError::bare("invalid_grant")),
        }
    }
    let user = ctx
        .store
        .get_user(&c.pool_id, &stored.username)
        .await?
        .filter(|u| u.enabled)
        .ok_or_else(|| OAuthError::bare("invalid_grant"))?;
    let grant = Grant::new(
        stored.scope.clone(),
        stored.nonce.clone(),
        "TokenGeneration_HostedAuth",
    );
    let result = crate::tokens::issue(
        ctx,
        &c.pool_id,
        &c.client,
        &crate::tokens::subject_of(ctx, &user)
            .await
            .map_err(|e| OAuthError::server(e.message))?,
        &grant,
        RefreshMode::SignedInAt(stored.auth_time),
    )
    .await
    .map_err(|e| OAuthError::server(e.message))?;
    // Refreshes of this sign-in keep its scopes.
    if let Some(origin) = result
        .access_token
        .as_deref()
        .and_then(|t| payload_claim(t, "origin_jti"))
    {
        ctx.store.set_family_scope(&origin, &stored.scope).await?;
    }
    let openid = stored.scope.split(' ').any(|s| s == "openid");
    Ok(token_body(result, openid))
}

async fn refresh(ctx: &Ctx, c: &AuthedClient, token: Option<&str>) -> Result<Value, OAuthError> {
    let token = token
        .filter(|s| !s.is_empty())
        .ok_or_else(|| OAuthError::new("invalid_request", "refresh_token is required."))?;
    let renewed = match crate::tokens::refresh::renew(
        ctx,
        &c.pool_id,
        &c.client,
        token,
        crate::tokens::refresh::Entry::OAuth,
        Default::default(),
        |_| Ok(()),
    )
    .await
    {
        Ok(v) => v,
        Err(e) if e.kind == crate::protocol::ErrorKind::InternalErrorException => {
            return Err(OAuthError::server(e.message));
        }
        Err(_) => return Err(OAuthError::bare("invalid_grant")),
    };
    let scope = renewed.scope;
    let with_id = scope == ADMIN_SCOPE || scope.split(' ').any(|s| s == "openid");
    Ok(token_body(renewed.result, with_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches("S256", challenge, verifier));
        assert!(!pkce_matches("S256", challenge, "other"));
        assert!(pkce_matches("plain", "abc", "abc"));
        assert!(!pkce_matches("bogus", "abc", "abc"));
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let mut h = HeaderMap::new();
        let v = STANDARD.encode("my%20id:s%3Acret");
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {v}")).unwrap(),
        );
        assert_eq!(
            basic_credentials(&h),
            Some(Ok(("my id".to_string(), "s:cret".to_string())))
        );
    }
}
