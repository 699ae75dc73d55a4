//! Sign-in through an OIDC identity provider, as Cognito's developer guide ("OIDC user pool
//! IdPs") describes the flow: /oauth2/authorize sends the browser to the provider's authorize
//! endpoint with the emulator's /oauth2/idpresponse as redirect_uri; there the code is
//! exchanged at the provider's token endpoint (client_secret_post), the provider's ID token
//! verified against its JWKS (signature, issuer, audience, expiry, nonce), the userInfo
//! endpoint read when there is one, and the attributes mapped onto the user
//! `<ProviderName>_<sub>`. Provider errors return to the app as `error` /
//! `error_description`.
//!
//! Endpoints come from the provider details (authorize_url, token_url, attributes_url,
//! jwks_uri) or, for those left out, from `<oidc_issuer>/.well-known/openid-configuration`.
//! Offline, the provider is one running locally (a test's own, Keycloak, Dex): plain HTTP.

use super::authorize;
use super::html::error_page;
use super::params::{self, AuthorizeParams, Checked, redirect, with_params};
use super::site::Site;
use crate::crypto::hex::sha256_hex;
use crate::idp::shapes::IdentityProviderType;
use crate::state::AppState;
use crate::store::sessions::StoredChallenge;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The stored state's challenge name (rows of `auth_challenges` no sign-in step reads).
const PENDING: &str = "OIDC_AUTHORIZE";
/// How long the browser may take at the provider.
const PENDING_SECS: f64 = 600.0;

/// The provider's endpoints.
struct Endpoints {
    issuer: String,
    authorize: String,
    token: String,
    jwks: String,
    userinfo: Option<String>,
}

fn detail<'a>(p: &'a IdentityProviderType, key: &str) -> Option<&'a str> {
    p.provider_details
        .as_ref()
        .and_then(|d| d.get(key))
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

async fn get_json(url: &str, bearer: Option<&str>) -> Result<Value, String> {
    let auth = bearer.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("accept", "application/json")];
    if let Some(a) = &auth {
        headers.push(("authorization", a.as_str()));
    }
    let answer = crate::http_client::send(Method::GET, url, &headers, Vec::new()).await?;
    if !(200..300).contains(&answer.status) {
        return Err(format!("{url} answered HTTP {}", answer.status));
    }
    serde_json::from_slice(&answer.body).map_err(|e| format!("{url}: not JSON: {e}"))
}

async fn endpoints(p: &IdentityProviderType) -> Result<Endpoints, String> {
    let issuer = detail(p, "oidc_issuer")
        .ok_or("the provider has no oidc_issuer")?
        .trim_end_matches('/')
        .to_string();
    let explicit = |k: &str| detail(p, k).map(str::to_string);
    let discovered = if explicit("authorize_url").is_some()
        && explicit("token_url").is_some()
        && explicit("jwks_uri").is_some()
    {
        Value::Null
    } else {
        get_json(&format!("{issuer}/.well-known/openid-configuration"), None).await?
    };
    let pick =
        |k: &str, d: &str| explicit(k).or_else(|| discovered[d].as_str().map(str::to_string));
    Ok(Endpoints {
        authorize: pick("authorize_url", "authorization_endpoint")
            .ok_or("no authorization endpoint")?,
        token: pick("token_url", "token_endpoint").ok_or("no token endpoint")?,
        jwks: pick("jwks_uri", "jwks_uri").ok_or("no jwks_uri")?,
        userinfo: pick("attributes_url", "userinfo_endpoint"),
        issuer,
    })
}

fn refuse(c: &Checked, description: &str) -> Response {
    params::refuse(c, "invalid_request", Some(description)).into_response()
}

/// /oauth2/authorize for an OIDC provider: to the provider's authorize endpoint.
pub async fn start(site: &Site, c: &Checked, p: &IdentityProviderType) -> Response {
    let ep = match endpoints(p).await {
        Ok(ep) => ep,
        Err(e) => return refuse(c, &format!("The identity provider cannot be reached: {e}")),
    };
    let handle = crate::ids::uuid();
    let nonce = crate::ids::uuid();
    let stored = StoredChallenge {
        pool_id: c.pool_id.clone(),
        client_id: c.client_id.clone(),
        username: String::new(),
        challenge: PENDING.into(),
        state: serde_json::json!({
            "query": c.params.query(),
            "provider": p.provider_name,
            "nonce": nonce,
        }),
        expires: site.ctx.clock.now_epoch() + PENDING_SECS,
    };
    let now = site.ctx.clock.now_epoch();
    if let Err(e) = site
        .ctx
        .store
        .put_challenge(&sha256_hex(&handle), &stored, now)
        .await
    {
        return super::html::internal(e);
    }
    let redirect_uri = site.url("/oauth2/idpresponse");
    let scope = detail(p, "authorize_scopes").unwrap_or("openid");
    let client_id = detail(p, "client_id").unwrap_or_default();
    redirect(&with_params(
        &ep.authorize,
        &[
            ("client_id", client_id),
            ("redirect_uri", &redirect_uri),
            ("response_type", "code"),
            ("scope", scope),
            ("state", &handle),
            ("nonce", &nonce),
        ],
        false,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct IdpResponse {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// A claim's value as an attribute value.
fn as_attribute(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// The code exchanged and the ID token checked: the provider's claims (ID token, then
/// userInfo on top).
async fn redeem(
    p: &IdentityProviderType,
    ep: &Endpoints,
    code: &str,
    redirect_uri: &str,
    nonce: &str,
    now: i64,
) -> Result<BTreeMap<String, String>, String> {
    let client_id = detail(p, "client_id").unwrap_or_default();
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("client_id", client_id),
    ];
    if let Some(secret) = detail(p, "client_secret") {
        form.push(("client_secret", secret));
    }
    let body = serde_urlencoded::to_string(&form).map_err(|e| e.to_string())?;
    let answer = crate::http_client::send(
        Method::POST,
        &ep.token,
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("accept", "application/json"),
        ],
        body.into_bytes(),
    )
    .await?;
    let tokens: Value = serde_json::from_slice(&answer.body).map_err(|e| e.to_string())?;
    if !(200..300).contains(&answer.status) {
        return Err(format!(
            "the token endpoint answered HTTP {}: {}",
            answer.status,
            tokens["error"].as_str().unwrap_or("error")
        ));
    }
    let id_token = tokens["id_token"].as_str().ok_or("no id_token")?;
    let jwks = get_json(&ep.jwks, None).await?;
    let claims = crate::crypto::jwk::verify_rs256(&jwks, id_token)
        .ok_or("the ID token's signature does not verify against the provider's JWKS")?;
    if claims
        .get("iss")
        .and_then(Value::as_str)
        .map(|i| i.trim_end_matches('/'))
        != Some(ep.issuer.as_str())
    {
        return Err("the ID token's issuer is not the provider's".into());
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == client_id,
        Some(Value::Array(a)) => a.iter().any(|x| x == client_id),
        _ => false,
    };
    if !audience_ok {
        return Err("the ID token is not for this client".into());
    }
    if claims
        .get("exp")
        .and_then(Value::as_i64)
        .is_none_or(|exp| exp <= now)
    {
        return Err("the ID token has expired".into());
    }
    if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
        return Err("the ID token's nonce does not match".into());
    }
    let mut attrs: BTreeMap<String, String> = claims
        .iter()
        .filter_map(|(k, v)| as_attribute(v).map(|v| (k.clone(), v)))
        .collect();
    if let (Some(url), Some(access)) = (&ep.userinfo, tokens["access_token"].as_str()) {
        let info = get_json(url, Some(access)).await?;
        if info["sub"]
            .as_str()
            .is_some_and(|s| Some(s) != claims["sub"].as_str())
        {
            return Err("userInfo names another subject".into());
        }
        for (k, v) in info.as_object().into_iter().flatten() {
            if let Some(v) = as_attribute(v) {
                attrs.insert(k.clone(), v);
            }
        }
    }
    Ok(attrs)
}

/// GET /oauth2/idpresponse: the provider sends the browser back here.
pub async fn idp_response(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<IdpResponse>,
) -> Response {
    let site = Site::of(app, &headers, &uri).await;
    let bad = || error_page(StatusCode::BAD_REQUEST, "Invalid state.");
    let Some(handle) = q.state.as_deref() else {
        return bad();
    };
    let hash = sha256_hex(handle);
    let stored = match site.ctx.store.get_challenge(&hash).await {
        Ok(Some(s)) if s.challenge == PENDING => s,
        Ok(_) => return bad(),
        Err(e) => return super::html::internal(e),
    };
    // Single use, whatever the outcome.
    match site.ctx.store.delete_challenge(&hash).await {
        Ok(true) => {}
        Ok(false) => return bad(),
        Err(e) => return super::html::internal(e),
    }
    if site.ctx.clock.now_epoch() > stored.expires {
        return bad();
    }
    let params: AuthorizeParams =
        serde_urlencoded::from_str(stored.state["query"].as_str().unwrap_or_default())
            .unwrap_or_default();
    let c = match params::check(&site, &params).await {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let Some(provider) = c.provider.clone() else {
        return bad();
    };
    if let Some(error) = q.error.as_deref() {
        return params::refuse(&c, error, q.error_description.as_deref()).into_response();
    }
    let Some(code) = q.code.as_deref() else {
        return refuse(&c, "The identity provider returned no code.");
    };
    let nonce = stored.state["nonce"].as_str().unwrap_or_default();
    let claims = match endpoints(&provider).await {
        Ok(ep) => {
            let redirect_uri = site.url("/oauth2/idpresponse");
            let now = site.ctx.clock.now_secs();
            redeem(&provider, &ep, code, &redirect_uri, nonce, now).await
        }
        Err(e) => Err(e),
    };
    let claims = match claims {
        Ok(claims) => claims,
        Err(e) => {
            tracing::info!(provider = ?provider.provider_name, error = %e, "OIDC sign-in refused");
            return refuse(
                &c,
                &format!("Sign-in through the identity provider failed: {e}"),
            );
        }
    };
    let Some(subject) = claims.get("sub").cloned() else {
        return refuse(&c, "The identity provider named no subject.");
    };
    match crate::idp::federation::sign_in(
        &site.ctx,
        &c.pool,
        &c.client_id,
        &provider,
        &subject,
        &claims,
    )
    .await
    {
        Ok(user) => authorize::sign_in(&site, &c, &user).await,
        Err(e) => refuse(&c, &e.message),
    }
}

#[cfg(test)]
mod tests;
