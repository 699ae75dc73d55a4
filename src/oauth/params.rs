//! The authorize request's parameters, carried from /oauth2/authorize through the hosted pages
//! (as Cognito does, in the query string) and checked the same way at every step.

use super::html;
use super::site::Site;
use crate::idp::shapes::{IdentityProviderType, UserPoolClientType, UserPoolType};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AuthorizeParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_hint: Option<String>,
}

impl AuthorizeParams {
    /// The parameters as a query string (without `?`).
    pub fn query(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    Code,
    Token,
}

/// An authorize request that passed every check.
#[derive(Debug, Clone)]
pub struct Checked {
    pub pool_id: String,
    pub pool: UserPoolType,
    pub client: UserPoolClientType,
    pub client_id: String,
    pub redirect_uri: String,
    pub response_type: ResponseType,
    /// The granted scopes, space-separated, in the order requested.
    pub scope: String,
    pub params: AuthorizeParams,
    /// The identity provider the request names (`identity_provider` / `idp_identifier`).
    pub provider: Option<IdentityProviderType>,
    /// May users sign in with the pool's own accounts (COGNITO among the client's
    /// SupportedIdentityProviders)? If not, the login page offers only the providers.
    pub cognito_allowed: bool,
    /// The hosted pages' branding (filled by `pages::open`; the authorize endpoint shows none).
    pub branding: html::Branding,
}

/// Why an authorize request was refused: an error page when the app cannot be trusted with
/// the answer (unknown client, unregistered redirect_uri), else a redirect carrying `error`.
#[derive(Debug)]
pub enum Refusal {
    Page(StatusCode, String),
    Redirect(String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Page(status, message) => html::error_page(status, &message),
            Refusal::Redirect(url) => redirect(&url),
        }
    }
}

/// A 302 to `url`.
pub fn redirect(url: &str) -> Response {
    (
        StatusCode::FOUND,
        [(header::LOCATION, url.to_string())],
        String::new(),
    )
        .into_response()
}

/// `uri` with `pairs` appended to its query (or, for the implicit flow, as its fragment).
pub fn with_params(uri: &str, pairs: &[(&str, &str)], fragment: bool) -> String {
    let encoded = serde_urlencoded::to_string(pairs).unwrap_or_default();
    if fragment {
        format!("{uri}#{encoded}")
    } else if uri.contains('?') {
        format!("{uri}&{encoded}")
    } else {
        format!("{uri}?{encoded}")
    }
}

fn error_redirect(
    redirect_uri: &str,
    state: Option<&str>,
    error: &str,
    description: Option<&str>,
) -> Refusal {
    let mut pairs = vec![("error", error)];
    if let Some(d) = description {
        pairs.push(("error_description", d));
    }
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    Refusal::Redirect(with_params(redirect_uri, &pairs, false))
}

/// Cognito's answer for a sign-in option the client may not use.
pub const NOT_AVAILABLE: &str = "Login option is not available. Please try another one.";

/// The redirect that tells the app the request failed with `error`.
pub fn refuse(c: &Checked, error: &str, description: Option<&str>) -> Refusal {
    error_redirect(
        &c.redirect_uri,
        c.params.state.as_deref(),
        error,
        description,
    )
}

/// Checks an authorize request the way Cognito's authorize and login endpoints do.
pub async fn check(site: &Site, params: &AuthorizeParams) -> Result<Checked, Refusal> {
    let internal = || {
        Refusal::Page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong.".into(),
        )
    };
    let Some(client_id) = params.client_id.clone().filter(|c| !c.is_empty()) else {
        return Err(Refusal::Page(
            StatusCode::BAD_REQUEST,
            "Required String parameter 'client_id' is not present".into(),
        ));
    };
    let found = site
        .ctx
        .store
        .get_client::<UserPoolClientType>(&client_id)
        .await
        .map_err(|_| internal())?;
    let Some((pool_id, client)) = found.filter(|(pool, _)| site.serves(pool)) else {
        return Err(Refusal::Page(
            StatusCode::BAD_REQUEST,
            "Invalid client id.".into(),
        ));
    };
    let pool = site
        .ctx
        .store
        .get_pool::<UserPoolType>(&pool_id)
        .await
        .map_err(|_| internal())?
        .ok_or_else(internal)?;
    let callbacks = client.callback_ur_ls.clone().unwrap_or_default();
    let redirect_uri = match params.redirect_uri.clone().filter(|u| !u.is_empty()) {
        Some(u) if callbacks.contains(&u) => u,
        _ => {
            return Err(Refusal::Page(
                StatusCode::BAD_REQUEST,
                "redirect_mismatch: the redirect_uri is not one of the app client's callback URLs."
                    .into(),
            ));
        }
    };
    let state = params.state.as_deref();
    let fail = |error: &str, description: &str| {
        Err(error_redirect(
            &redirect_uri,
            state,
            error,
            Some(description),
        ))
    };
    if client.allowed_o_auth_flows_user_pool_client != Some(true) {
        return fail(
            "unauthorized_client",
            "Client is not enabled for OAuth2.0 flows.",
        );
    }
    let flows = client.allowed_o_auth_flows.clone().unwrap_or_default();
    let response_type = match params.response_type.as_deref() {
        Some("code") => ResponseType::Code,
        Some("token") => ResponseType::Token,
        None | Some("") => return fail("invalid_request", "response_type is required."),
        Some(_) => {
            return fail(
                "unsupported_response_type",
                "response_type must be code or token.",
            );
        }
    };
    let needed = match response_type {
        ResponseType::Code => "code",
        ResponseType::Token => "implicit",
    };
    if !flows.iter().any(|f| f == needed) {
        return fail(
            "unauthorized_client",
            "The client is not allowed this response_type.",
        );
    }
    let allowed = client.allowed_o_auth_scopes.clone().unwrap_or_default();
    let requested: Vec<String> = params
        .scope
        .as_deref()
        .unwrap_or_default()
        .split([' ', '+'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let scopes = if requested.is_empty() {
        allowed.clone()
    } else {
        if let Some(bad) = requested.iter().find(|s| !allowed.contains(s)) {
            return fail("invalid_scope", &format!("Invalid scope requested: {bad}"));
        }
        let mut unique: Vec<String> = Vec::new();
        for s in requested {
            if !unique.contains(&s) {
                unique.push(s);
            }
        }
        unique
    };
    if let Some(method) = params.code_challenge_method.as_deref()
        && method != "S256"
        && method != "plain"
    {
        return fail(
            "invalid_request",
            "code_challenge_method must be S256 or plain.",
        );
    }
    if params.code_challenge_method.is_some() && params.code_challenge.is_none() {
        return fail("invalid_request", "code_challenge is required.");
    }
    let providers = client.supported_identity_providers.clone();
    let supports = |name: &str| {
        providers
            .as_ref()
            .map_or(name == "COGNITO", |p| p.iter().any(|x| x == name))
    };
    let cognito_allowed = providers.is_none() || supports("COGNITO");
    let federated_only = !cognito_allowed
        && providers.iter().flatten().any(|p| p != "COGNITO")
        && params.identity_provider.as_deref() != Some("COGNITO");
    // identity_provider names a provider; idp_identifier finds one by its IdpIdentifiers.
    let named = match (
        params
            .identity_provider
            .as_deref()
            .filter(|p| !p.is_empty()),
        params.idp_identifier.as_deref().filter(|p| !p.is_empty()),
    ) {
        (Some("COGNITO"), _) | (None, None) => None,
        (Some(name), _) => site
            .ctx
            .store
            .get_identity_provider::<IdentityProviderType>(&pool_id, name)
            .await
            .map_err(|_| internal())?
            .filter(|p| supports(name) && p.provider_name.as_deref() == Some(name))
            .ok_or(())
            .into(),
        (None, Some(identifier)) => site
            .ctx
            .store
            .list_identity_providers::<IdentityProviderType>(&pool_id)
            .await
            .map_err(|_| internal())?
            .into_iter()
            .find(|p| {
                p.idp_identifiers.iter().flatten().any(|i| i == identifier)
                    && supports(p.provider_name.as_deref().unwrap_or_default())
            })
            .ok_or(())
            .into(),
    };
    let provider = match named {
        // Federated providers only: the login page shows just their buttons.
        None if cognito_allowed || federated_only => None,
        Some(Ok(p)) => Some(p),
        // Cognito's answer for a provider (or the user pool itself) the client may not use.
        None | Some(Err(())) => {
            return fail("invalid_request", NOT_AVAILABLE);
        }
    };
    Ok(Checked {
        pool_id,
        pool,
        client,
        client_id,
        redirect_uri,
        response_type,
        scope: scopes.join(" "),
        params: params.clone(),
        provider,
        cognito_allowed,
        branding: html::Branding::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_appended_or_put_in_the_fragment() {
        assert_eq!(
            with_params("http://a/cb", &[("code", "x y"), ("state", "s")], false),
            "http://a/cb?code=x+y&state=s"
        );
        assert_eq!(
            with_params("http://a/cb?k=1", &[("code", "c")], false),
            "http://a/cb?k=1&code=c"
        );
        assert_eq!(
            with_params("http://a/cb", &[("access_token", "t")], true),
            "http://a/cb#access_token=t"
        );
    }
}
