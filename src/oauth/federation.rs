//! Sign-in through an identity provider from the hosted UI: /oauth2/authorize with
//! `identity_provider` (or `idp_identifier`) sends the browser to the provider instead of the
//! login page.
//!
//! The social providers (Google, Facebook, LoginWithAmazon, SignInWithApple) cannot be reached
//! offline, so the emulator serves a stand-in for their sign-in page (/federation/stand-in): a
//! developer types an e-mail address, the emulator answers as that provider would (its
//! subject format and attribute names, fed through the provider's AttributeMapping), and the
//! sign-in continues as after a real one: the user `google_<id>`, a session, the app's code.
//! The same address always gives the same provider subject, so a second sign-in finds the
//! same user. OIDC and SAML providers are real ones running locally (`oauth::oidc`,
//! `oauth::saml`).

use super::authorize;
use super::html::{Field, alert};
use super::pages::{PageQuery, open, page, page_url};
use super::params::{self, Checked, redirect};
use super::site::Site;
use crate::crypto::hex::sha256_hex;
use crate::idp::shapes::IdentityProviderType;
use crate::state::AppState;
use axum::Form;
use axum::extract::{OriginalUri, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use std::collections::BTreeMap;

const STAND_IN: &str = "/federation/stand-in";

fn provider_type(p: &IdentityProviderType) -> &str {
    p.provider_type.as_deref().unwrap_or_default()
}

fn is_social(p: &IdentityProviderType) -> bool {
    crate::idp::identity_providers::is_social(provider_type(p))
}

/// Where /oauth2/authorize sends the browser for `provider`.
pub async fn start(site: &Site, c: &Checked, provider: &IdentityProviderType) -> Response {
    if is_social(provider) {
        return redirect(&page_url(site, c, STAND_IN));
    }
    let kind = provider_type(provider);
    if kind == "OIDC" {
        return super::oidc::start(site, c, provider).await;
    }
    if kind == "SAML" {
        return super::saml::start(site, c, provider).await;
    }
    params::refuse(
        c,
        "invalid_request",
        Some(&format!(
            "cognito-emu cannot sign in through {kind} identity providers yet."
        )),
    )
    .into_response()
}

/// What the provider says about the account behind `email`: its subject and attributes,
/// named as that provider names them.
fn provider_account(kind: &str, email: &str) -> (String, BTreeMap<String, String>) {
    let digest = sha256_hex(email.to_lowercase());
    let digits: String = digest.bytes().map(|b| char::from(b'0' + b % 10)).collect();
    let local = email.split('@').next().unwrap_or(email).to_string();
    let mut claims = BTreeMap::from([
        ("email".to_string(), email.to_string()),
        ("name".to_string(), local),
    ]);
    let (subject_key, subject) = match kind {
        "Facebook" => ("id", digits[..16].to_string()),
        "LoginWithAmazon" => (
            "user_id",
            format!("amzn1.account.{}", digest[..28].to_uppercase()),
        ),
        "SignInWithApple" => (
            "sub",
            format!("000{}.{}.{}", &digits[..3], &digest[..32], &digits[3..7]),
        ),
        // Google's subjects are 21-digit numbers.
        _ => ("sub", format!("1{}", &digits[..20])),
    };
    if matches!(kind, "Google" | "SignInWithApple") {
        claims.insert("email_verified".into(), "true".into());
    }
    claims.insert(subject_key.to_string(), subject.clone());
    (subject, claims)
}

fn stand_in_page(site: &Site, c: &Checked, email: &str, error: Option<&str>) -> Response {
    let name = c
        .provider
        .as_ref()
        .and_then(|p| p.provider_name.clone())
        .unwrap_or_default();
    let body = html! {
        h1 { "Sign in with " (name) }
        p.sub.textDescription-customizable {
            "This is cognito-emu's offline stand-in for " (name) "'s sign-in page. "
            "Type the e-mail address of the account to sign in as; the emulator answers as "
            (name) " would."
        }
        (alert(error))
        form method="post" action=(page_url(site, c, STAND_IN)) novalidate {
            (Field::text("email", "Email").kind("email").value(email).autocomplete("email").autofocus())
            button.submitButton-customizable type="submit" { "Sign in" }
        }
    };
    page(c, &format!("Sign in with {name}"), body)
}

/// The checked request, provided it names a social provider (the stand-in serves no other).
async fn social_request(
    app: AppState,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
    q: &PageQuery,
) -> Result<(Site, Checked, IdentityProviderType), Response> {
    let (site, c) = open(app, headers, uri, &q.params).await?;
    match c.provider.clone().filter(is_social) {
        Some(p) => Ok((site, c, p)),
        None => Err(params::refuse(
            &c,
            "invalid_request",
            Some("The stand-in sign-in page serves social identity providers only."),
        )
        .into_response()),
    }
}

pub async fn stand_in_get(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    match social_request(app, &headers, &uri, &q).await {
        Ok((site, c, _)) => {
            let hint = c.params.login_hint.clone().unwrap_or_default();
            stand_in_page(&site, &c, &hint, None)
        }
        Err(r) => r,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct StandInForm {
    #[serde(default)]
    pub email: String,
}

pub async fn stand_in_post(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
    Form(form): Form<StandInForm>,
) -> Response {
    let (site, c, provider) = match social_request(app, &headers, &uri, &q).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let email = form.email.trim();
    let plausible = email
        .split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !email.contains(' '));
    if !plausible {
        return stand_in_page(&site, &c, email, Some("Enter an e-mail address."));
    }
    let (subject, claims) = provider_account(provider_type(&provider), email);
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
        Err(e) => params::refuse(&c, "invalid_request", Some(&e.message)).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_in_accounts_are_stable_and_shaped_like_the_providers() {
        let (google, claims) = provider_account("Google", "Dev@Example.com");
        assert_eq!(google.len(), 21);
        assert!(google.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(claims["sub"], google);
        assert_eq!(claims["email_verified"], "true");
        assert_eq!(provider_account("Google", "dev@example.com").0, google);
        let (fb, claims) = provider_account("Facebook", "dev@example.com");
        assert_eq!(claims["id"], fb);
        let (amzn, _) = provider_account("LoginWithAmazon", "dev@example.com");
        assert!(amzn.starts_with("amzn1.account."));
    }
}
