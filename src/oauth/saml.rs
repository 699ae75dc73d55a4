//! Sign-in through a SAML 2.0 identity provider, as Cognito's developer guide ("SAML
//! identity providers", "SAML session initiation", "The IdP SAML assertion endpoint")
//! describes it.
//!
//! SP-initiated: /oauth2/authorize with `identity_provider` (or `idp_identifier`) naming a
//! SAML provider sends the browser to the IdP's SingleSignOnService with an AuthnRequest
//! (Issuer `urn:amazon:cognito:sp:<pool id>`, ACS URL `<site>/saml2/idpresponse`) and an
//! opaque RelayState that names the pending authorize request, stored server side.
//! IdP-initiated (provider detail `IDPInit` "true"): the RelayState carries the authorize
//! parameters themselves (client_id, redirect_uri, response_type, identity_provider or
//! idp_identifier, scope).
//!
//! POST /saml2/idpresponse checks the response (`saml::response`), refuses an assertion
//! presented twice, maps the attributes and signs in the user `<ProviderName>_<NameID>`
//! through the same federation path as OIDC, returning to the app with a code and the
//! original state.

pub mod metadata;
pub mod request;
pub mod response;

use super::authorize;
use super::html::{error_page, hidden, layout};
use super::params::{self, AuthorizeParams, Checked, redirect, with_params};
use super::site::Site;
use crate::crypto::hex::sha256_hex;
use crate::idp::shapes::IdentityProviderType;
use crate::state::AppState;
use crate::store::sessions::StoredChallenge;
use axum::Form;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use maud::{PreEscaped, html};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The stored pending request's challenge name (a row of `auth_challenges`).
const PENDING: &str = "SAML_AUTHORIZE";
/// The challenge name of an assertion already used (kept until it expires).
const USED: &str = "SAML_ASSERTION_USED";
/// How long the browser may take at the IdP.
const PENDING_SECS: f64 = 600.0;
/// The longest SAMLResponse /saml2/idpresponse takes (Cognito: 100,000 characters).
pub const MAX_SAML_RESPONSE_CHARS: usize = 100_000;
/// Cognito's words for a response it cannot tie to a sign-in.
const UNSOLICITED: &str = "Invalid samlResponse or relayState from identity provider";

fn detail<'a>(p: &'a IdentityProviderType, key: &str) -> Option<&'a str> {
    p.provider_details
        .as_ref()
        .and_then(|d| d.get(key))
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// Whether the provider accepts IdP-initiated sign-in.
fn idp_initiated_allowed(p: &IdentityProviderType) -> bool {
    detail(p, "IDPInit").is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn is_saml(p: &IdentityProviderType) -> bool {
    p.provider_type.as_deref() == Some("SAML")
}

fn acs_url(site: &Site) -> String {
    site.url("/saml2/idpresponse")
}

/// /oauth2/authorize for a SAML provider: the AuthnRequest, to the IdP.
pub async fn start(site: &Site, c: &Checked, p: &IdentityProviderType) -> Response {
    let md = match metadata::of_provider(p).await {
        Ok(md) => md,
        Err(e) => {
            return params::refuse(
                c,
                "invalid_request",
                Some(&format!(
                    "The identity provider's metadata cannot be read: {e}"
                )),
            )
            .into_response();
        }
    };
    let handle = crate::ids::uuid();
    let request_id = format!("_{}", crate::ids::uuid().replace('-', ""));
    let now = site.ctx.clock.now_epoch();
    let stored = StoredChallenge {
        pool_id: c.pool_id.clone(),
        client_id: c.client_id.clone(),
        username: String::new(),
        challenge: PENDING.into(),
        state: serde_json::json!({
            "query": c.params.query(),
            "provider": p.provider_name,
            "request_id": request_id,
        }),
        expires: now + PENDING_SECS,
    };
    if let Err(e) = site
        .ctx
        .store
        .put_challenge(&sha256_hex(&handle), &stored, now)
        .await
    {
        return super::html::internal(e);
    }
    let acs = acs_url(site);
    let secs = site.ctx.clock.now_secs();
    if let Some(sso) = md.sso_redirect.as_deref() {
        let xml = request::authn_request(&request_id, secs, sso, &acs, &c.pool_id);
        let encoded = request::deflate_base64(&xml);
        if detail(p, "RequestSigningAlgorithm") == Some("rsa-sha256") {
            let query = request::signed_query(&encoded, &handle, request::SIG_ALG_RSA_SHA256);
            let signature = match site.ctx.store.pool_keys(&c.pool_id).await {
                Ok(Some(keys)) => match keys.id.sign_bytes(query.as_bytes()) {
                    Ok(s) => B64.encode(s),
                    Err(e) => return super::html::internal(e),
                },
                Ok(None) => return super::html::internal("the pool has no keys"),
                Err(e) => return super::html::internal(e),
            };
            let sep = if sso.contains('?') { '&' } else { '?' };
            let signature =
                serde_urlencoded::to_string([("Signature", signature)]).unwrap_or_default();
            return redirect(&format!("{sso}{sep}{query}&{signature}"));
        }
        return redirect(&with_params(
            sso,
            &[("SAMLRequest", &encoded), ("RelayState", &handle)],
            false,
        ));
    }
    // Only an HTTP-POST SingleSignOnService: a form the browser submits itself.
    let sso = md.sso_post.unwrap_or_default();
    let xml = request::authn_request(&request_id, secs, &sso, &acs, &c.pool_id);
    let page = layout(
        "Continue to your identity provider",
        html! {
            form method="post" action=(sso) {
                (hidden("SAMLRequest", &B64.encode(xml)))
                (hidden("RelayState", &handle))
                button type="submit" { "Continue" }
            }
            script { (PreEscaped("document.forms[0].submit()")) }
        },
    );
    Html(page.into_string()).into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct IdpResponse {
    #[serde(rename = "SAMLResponse")]
    pub saml_response: Option<String>,
    /// The guide spells it `Relaystate` once; both are taken.
    #[serde(rename = "RelayState", alias = "Relaystate")]
    pub relay_state: Option<String>,
}

/// A response Cognito could not use, told to the app the way Cognito tells it.
fn refuse_response(c: &Checked, reason: &str) -> Response {
    params::refuse(
        c,
        "server_error",
        Some(&format!("Invalid SAML response received: {reason}")),
    )
    .into_response()
}

fn unsolicited() -> Response {
    error_page(StatusCode::BAD_REQUEST, UNSOLICITED)
}

/// The sign-in the response belongs to: the stored SP-initiated request the RelayState
/// names, or (IdP-initiated) the authorize parameters the RelayState carries.
async fn sign_in_of(
    site: &Site,
    relay: Option<&str>,
) -> Result<(Checked, IdentityProviderType, Option<String>), Response> {
    let relay = relay.unwrap_or_default();
    if !relay.is_empty() {
        let hash = sha256_hex(relay);
        let stored = site
            .ctx
            .store
            .get_challenge(&hash)
            .await
            .map_err(super::html::internal)?;
        if let Some(stored) = stored.filter(|s| s.challenge == PENDING) {
            // Single use, whatever the outcome.
            match site.ctx.store.delete_challenge(&hash).await {
                Ok(true) => {}
                Ok(false) => return Err(unsolicited()),
                Err(e) => return Err(super::html::internal(e)),
            }
            if site.ctx.clock.now_epoch() > stored.expires {
                return Err(unsolicited());
            }
            let params: AuthorizeParams =
                serde_urlencoded::from_str(stored.state["query"].as_str().unwrap_or_default())
                    .unwrap_or_default();
            let c = params::check(site, &params)
                .await
                .map_err(IntoResponse::into_response)?;
            let provider = c
                .provider
                .clone()
                .filter(|p| {
                    is_saml(p) && p.provider_name.as_deref() == stored.state["provider"].as_str()
                })
                .ok_or_else(unsolicited)?;
            let request_id = stored.state["request_id"].as_str().map(str::to_string);
            return Ok((c, provider, request_id));
        }
    }
    // IdP-initiated: the RelayState is the authorize request's query string.
    let query = relay.trim_start_matches('?');
    let params: AuthorizeParams = serde_urlencoded::from_str(query).unwrap_or_default();
    if params.client_id.is_none()
        || (params.identity_provider.is_none() && params.idp_identifier.is_none())
    {
        return Err(unsolicited());
    }
    let c = params::check(site, &params)
        .await
        .map_err(IntoResponse::into_response)?;
    let provider = c
        .provider
        .clone()
        .filter(|p| is_saml(p) && idp_initiated_allowed(p))
        .ok_or_else(unsolicited)?;
    Ok((c, provider, None))
}

/// The attributes as the federation path takes them: one string per SAML attribute, several
/// values joined with commas.
fn claims_of(assertion: &response::Assertion) -> BTreeMap<String, String> {
    assertion
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), v.join(",")))
        .collect()
}

/// POST /saml2/idpresponse: the IdP (through the browser) or the app posts the response.
pub async fn idp_response(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(form): Form<IdpResponse>,
) -> Response {
    let site = Site::of(app, &headers, &uri).await;
    let Some(encoded) = form.saml_response.as_deref().filter(|r| !r.is_empty()) else {
        return unsolicited();
    };
    if encoded.len() > MAX_SAML_RESPONSE_CHARS {
        return error_page(
            StatusCode::BAD_REQUEST,
            "The SAML response is longer than 100,000 characters.",
        );
    }
    let (c, provider, request_id) = match sign_in_of(&site, form.relay_state.as_deref()).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let compact: String = encoded.chars().filter(|ch| !ch.is_whitespace()).collect();
    let Some(xml) = B64
        .decode(compact)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
    else {
        return refuse_response(&c, "The SAML response is not base64-encoded XML.");
    };
    let md = match metadata::of_provider(&provider).await {
        Ok(md) => md,
        Err(e) => return refuse_response(&c, &format!("The IdP's metadata cannot be read: {e}")),
    };
    let audience = request::entity_id(&c.pool_id);
    let acs = acs_url(&site);
    let now = site.ctx.clock.now_secs();
    let expected = response::Expected {
        audience: &audience,
        acs_url: &acs,
        request_id: request_id.as_deref(),
        now,
    };
    let assertion = match response::read(&xml, &md, &expected) {
        Ok(a) => a,
        Err(e) => {
            tracing::info!(provider = ?provider.provider_name, error = %e, "SAML sign-in refused");
            return refuse_response(&c, &e);
        }
    };
    // An assertion signs in once (Cognito: "No replayed assertions").
    let provider_name = provider.provider_name.clone().unwrap_or_default();
    let used = StoredChallenge {
        pool_id: c.pool_id.clone(),
        client_id: c.client_id.clone(),
        username: String::new(),
        challenge: USED.into(),
        state: serde_json::Value::Null,
        expires: (assertion.not_on_or_after + response::SKEW_SECS).max(now + 600) as f64,
    };
    let key = sha256_hex(format!(
        "saml-assertion\n{}\n{provider_name}\n{}",
        c.pool_id, assertion.id
    ));
    match site
        .ctx
        .store
        .put_challenge_once(&key, &used, site.ctx.clock.now_epoch())
        .await
    {
        Ok(true) => {}
        Ok(false) => return refuse_response(&c, "The SAML assertion was already used."),
        Err(e) => return super::html::internal(e),
    }
    let claims = claims_of(&assertion);
    match crate::idp::federation::sign_in(
        &site.ctx,
        &c.pool,
        &c.client_id,
        &provider,
        &assertion.name_id,
        &claims,
    )
    .await
    {
        Ok(user) => authorize::sign_in(&site, &c, &user).await,
        Err(e) => params::refuse(&c, "invalid_request", Some(&e.message)).into_response(),
    }
}

#[cfg(test)]
mod tests;
