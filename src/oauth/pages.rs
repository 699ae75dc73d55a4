//! What the hosted pages share: the request plumbing every page starts with (the authorize
//! parameters checked again, the page's client, SECRET_HASH, the sign-in call), and the pages
//! a sign-in step can land on from any of them: the login page (with a message), the
//! new-password page and the MFA page. `continue_sign_in` picks among them, so /login,
//! /newPassword, /signup, /confirm and /mfa (hosted.rs, mfa.rs) import this module and it
//! imports none of them.

use super::authorize;
use super::html::{self, Field, alert, hidden, info, internal};
use super::params::{self, AuthorizeParams, Checked};
use super::site::Site;
use crate::crypto::secret_hash::secret_hash;
use crate::idp::challenge::{Call, Step};
use crate::idp::shapes::*;
use crate::state::AppState;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A page's query: the authorize parameters plus the page's own.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(flatten)]
    pub params: AuthorizeParams,
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmQuery {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(flatten)]
    pub params: AuthorizeParams,
}

pub(super) async fn open(
    app: AppState,
    headers: &HeaderMap,
    uri: &Uri,
    params: &AuthorizeParams,
) -> Result<(Site, Checked), Response> {
    let site = Site::of(app, headers, uri).await;
    let mut c = match params::check(&site, params).await {
        // A client without the pool's own accounts has the login page (its provider
        // buttons) and the providers' pages, none of the account pages.
        Ok(c) if !c.cognito_allowed && !FEDERATED_PAGES.iter().any(|p| uri.path().ends_with(p)) => {
            return Err(
                params::refuse(&c, "invalid_request", Some(params::NOT_AVAILABLE)).into_response(),
            );
        }
        Ok(c) => c,
        Err(r) => return Err(r.into_response()),
    };
    c.branding = branding(&site, &c).await.map_err(internal)?;
    Ok((site, c))
}

/// The hosted pages a client that only federates may open.
const FEDERATED_PAGES: [&str; 2] = ["/login", "/federation/stand-in"];

/// The branding the client's pages show (a few indexed reads, made by page requests only).
async fn branding(site: &Site, c: &Checked) -> Result<html::Branding, crate::protocol::ApiError> {
    let ctx = &site.ctx;
    let ui = crate::idp::ui_customization::effective(ctx, &c.pool_id, &c.client_id).await?;
    let (css, ui_logo) = ui.map_or((None, None), |ui| (ui.css, ui.image_url));
    let logo = match ui_logo {
        Some(logo) => Some(logo),
        None => crate::idp::branding::page_logo(ctx, &c.pool_id, &c.client_id).await?,
    };
    Ok(html::Branding {
        css,
        logo,
        terms: crate::idp::terms::page_links(ctx, &c.pool_id, &c.client_id).await?,
    })
}

pub(super) fn page(c: &Checked, title: &str, body: Markup) -> Response {
    html::respond_branded(StatusCode::OK, title, body, &c.branding)
}

/// A hosted page's URL carrying the authorize request's parameters.
pub(super) fn page_url(site: &Site, c: &Checked, path: &str) -> String {
    format!("{}?{}", site.path(path), c.params.query())
}

pub(super) fn with_cookie(mut resp: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

pub(super) fn client_name(c: &Checked) -> String {
    c.client
        .client_name
        .clone()
        .unwrap_or_else(|| c.client_id.clone())
}

/// What the sign-in field is called: pools that sign in with an email (or phone) say so.
pub(super) fn username_label(pool: &UserPoolType) -> &'static str {
    let attrs = pool.username_attributes.clone().unwrap_or_default();
    match (
        attrs.iter().any(|a| a == "email"),
        attrs.iter().any(|a| a == "phone_number"),
    ) {
        (true, true) => "Email or phone number",
        (true, false) => "Email",
        (false, true) => "Phone number",
        _ => "Username",
    }
}

pub(super) fn hash_for(c: &Checked, username: &str) -> Option<String> {
    c.client
        .client_secret
        .as_deref()
        .map(|s| secret_hash(s, username, &c.client_id))
}

/// The field the user signs in with, labelled (and typed) after the pool's username
/// attributes.
pub(super) fn username_field<'a>(pool: &UserPoolType, value: &'a str) -> Field<'a> {
    let label = username_label(pool);
    Field::text("username", label)
        .kind(if label == "Email" { "email" } else { "text" })
        .value(value)
        .autocomplete("username")
        .autofocus()
}

/// The sign-in call the hosted pages make: the page's client, as an admin-style call (the
/// pool is known), so the API's own sign-in code runs.
pub(super) async fn call_for(site: &Site, c: &Checked) -> Result<Call, Response> {
    Call::load(&site.ctx, Some(&c.pool_id), &c.client_id)
        .await
        .map_err(|e| internal(e.message))
}

// ---------------------------------------------------------------- the sign-in pages

pub(super) fn login_page(
    site: &Site,
    c: &Checked,
    username: &str,
    error: Option<&str>,
    note: Option<&str>,
) -> Response {
    let body = html! {
        h1 { "Sign in" }
        p.sub.textDescription-customizable { "to " (client_name(c)) }
        (info(note))
        (alert(error))
        @if c.cognito_allowed {
            form method="post" action=(page_url(site, c, "/login")) novalidate {
                (username_field(&c.pool, username))
                (Field::password("password", "Password", "current-password"))
                button.submitButton-customizable type="submit" { "Sign in" }
                // Choice-based sign-in: the same form, the password left empty.
                @for (factor, label) in first_factors(c) {
                    button type="submit" name="factor" value=(factor) class="secondary" { (label) }
                }
            }
            div class="links" {
                a href=(page_url(site, c, "/forgotPassword")) { "Forgot your password?" }
                span { "Need an account? " a href=(page_url(site, c, "/signup")) { "Sign up" } }
            }
        }
        @let providers = provider_links(site, c);
        @if !providers.is_empty() {
            div class="providers" {
                @for (name, href) in &providers {
                    a.provider.idpButton-customizable href=(href) { "Continue with " (name) }
                }
            }
        }
    };
    page(c, "Sign in", body)
}

/// The first factors the login page offers besides the password (choice-based sign-in): those
/// the pool's sign-in policy allows, when the client allows USER_AUTH.
pub(super) fn first_factors(c: &Checked) -> Vec<(&'static str, &'static str)> {
    let client_allows = c
        .client
        .explicit_auth_flows
        .iter()
        .flatten()
        .any(|f| f == "ALLOW_USER_AUTH");
    if !client_allows {
        return Vec::new();
    }
    let allowed = crate::idp::user_auth::allowed_first_factors(&c.pool);
    [
        ("EMAIL_OTP", "Email me a sign-in code"),
        ("SMS_OTP", "Text me a sign-in code"),
        ("WEB_AUTHN", "Sign in with passkey"),
    ]
    .into_iter()
    .filter(|(f, _)| allowed.iter().any(|a| a == f))
    .collect()
}

/// The client's identity providers (other than the pool itself), each with the authorize
/// URL that signs in through it.
fn provider_links(site: &Site, c: &Checked) -> Vec<(String, String)> {
    c.client
        .supported_identity_providers
        .iter()
        .flatten()
        .filter(|p| *p != "COGNITO")
        .map(|p| {
            let params = AuthorizeParams {
                identity_provider: Some(p.clone()),
                ..c.params.clone()
            };
            let href = format!("{}?{}", site.path("/oauth2/authorize"), params.query());
            (p.clone(), href)
        })
        .collect()
}

/// Where a sign-in step leads in the browser: signed in (back to the app with a code), or
/// the page that answers the challenge.
pub(super) async fn continue_sign_in(
    site: &Site,
    c: &Checked,
    step: Step,
    shown_name: &str,
) -> Response {
    let outcome = match step {
        Step::SignedIn(user, _) => return authorize::sign_in(site, c, &user).await,
        Step::Challenge(outcome) => outcome,
    };
    let name = outcome.challenge_name.clone().unwrap_or_default();
    let params = outcome.challenge_parameters.unwrap_or_default();
    let session = outcome.session.unwrap_or_default();
    match name.as_str() {
        "WEB_AUTHN" => {
            let pending = super::passkey::PasskeyPending {
                session: &session,
                username: shown_name,
                options: params
                    .get("CREDENTIAL_REQUEST_OPTIONS")
                    .map(String::as_str)
                    .unwrap_or("{}"),
            };
            super::passkey::passkey_page(site, c, &pending, None)
        }
        // USER_AUTH falls back to SELECT_CHALLENGE when the factor chosen on the login page is
        // not one this user can use (no passkey, no email).
        "SELECT_CHALLENGE" => login_page(
            site,
            c,
            shown_name,
            Some("That sign-in option is not available for this user."),
            None,
        ),
        "NEW_PASSWORD_REQUIRED" => {
            let pending = NewPasswordPending {
                session: &session,
                username: params
                    .get("USER_ID_FOR_SRP")
                    .map(String::as_str)
                    .unwrap_or(shown_name),
                required: required_attributes(&params),
            };
            new_password_page(site, c, &pending, &[], None)
        }
        _ => challenge_page(site, c, &name, &session, &params, shown_name),
    }
}

/// A NEW_PASSWORD_REQUIRED challenge waiting for the page's answer.
pub(super) struct NewPasswordPending<'a> {
    pub(super) session: &'a str,
    /// USER_ID_FOR_SRP: the USERNAME the answer names.
    pub(super) username: &'a str,
    /// The required attributes the user lacks (their names, without `userAttributes.`).
    pub(super) required: Vec<String>,
}

/// The challenge's `requiredAttributes` (a JSON list of `userAttributes.<name>`).
fn required_attributes(params: &BTreeMap<String, String>) -> Vec<String> {
    params
        .get("requiredAttributes")
        .and_then(|r| serde_json::from_str::<Vec<String>>(r).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|n| n.trim_start_matches("userAttributes.").to_string())
        .collect()
}

pub(super) fn new_password_page(
    site: &Site,
    c: &Checked,
    p: &NewPasswordPending,
    values: &[(String, String)],
    error: Option<&str>,
) -> Response {
    let body = html! {
        h1 { "Change password" }
        p.sub.textDescription-customizable { "Please enter a new password." }
        (alert(error))
        form method="post" action=(page_url(site, c, "/newPassword")) novalidate {
            (hidden("session", p.session))
            (hidden("username", p.username))
            (attribute_fields(&p.required, "userAttributes.", values))
            (Field::password("password", "New password", "new-password").autofocus())
            (Field::password("confirm_password", "Enter new password again", "new-password"))
            button.submitButton-customizable type="submit" { "Send" }
        }
    };
    page(c, "Change password", body)
}

/// The value a re-shown form had for `name` (empty when it had none).
pub(super) fn form_value<'a>(values: &'a [(String, String)], name: &str) -> &'a str {
    values
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// Required user attributes as labelled inputs named `<prefix><attribute>`, keeping what
/// `values` had: the sign-up page's (no prefix) and the new-password page's
/// (`userAttributes.`, the challenge's own names).
pub(super) fn attribute_fields(
    names: &[String],
    prefix: &str,
    values: &[(String, String)],
) -> Markup {
    html! {
        @for name in names {
            @let id = format!("{prefix}{name}");
            @let label = attribute_label(name);
            (Field::text(&id, &label).kind(input_kind(name)).value(form_value(values, &id)))
        }
    }
}

fn attribute_label(name: &str) -> String {
    match name {
        "email" => "Email".into(),
        "phone_number" => "Phone number (+14325551212)".into(),
        "given_name" => "Given name".into(),
        "family_name" => "Family name".into(),
        "name" => "Name".into(),
        "preferred_username" => "Preferred username".into(),
        other => other.replace('_', " "),
    }
}

fn input_kind(name: &str) -> &'static str {
    match name {
        "email" => "email",
        "phone_number" => "tel",
        _ => "text",
    }
}

/// The challenges the page answers, with the response field that carries the code.
pub(super) fn code_field(challenge: &str) -> Option<&'static str> {
    match challenge {
        "SMS_MFA" => Some("SMS_MFA_CODE"),
        "EMAIL_OTP" => Some("EMAIL_OTP_CODE"),
        "SMS_OTP" => Some("SMS_OTP_CODE"),
        "SOFTWARE_TOKEN_MFA" => Some("SOFTWARE_TOKEN_MFA_CODE"),
        _ => None,
    }
}

pub(super) struct MfaPending<'a> {
    pub(super) challenge: &'a str,
    pub(super) session: &'a str,
    pub(super) username: &'a str,
    pub(super) destination: &'a str,
}

pub(super) fn mfa_page(site: &Site, c: &Checked, p: &MfaPending, error: Option<&str>) -> Response {
    let text = match p.challenge {
        "SOFTWARE_TOKEN_MFA" => "Enter the code from your authenticator app.".to_string(),
        _ if !p.destination.is_empty() => {
            format!("We have sent a code to {}. Enter it below.", p.destination)
        }
        _ => "We have sent you a code. Enter it below.".to_string(),
    };
    let body = html! {
        h1 { "Multi-factor authentication" }
        p.sub.textDescription-customizable { (text) }
        (alert(error))
        form method="post" action=(page_url(site, c, "/mfa")) novalidate {
            (hidden("challenge", p.challenge))
            (hidden("session", p.session))
            (hidden("username", p.username))
            (hidden("destination", p.destination))
            (Field::code("Code").autofocus())
            button.submitButton-customizable type="submit" { "Sign in" }
        }
    };
    page(c, "Multi-factor authentication", body)
}

/// The page for an MFA challenge a sign-in step answered (after /login or /newPassword).
/// `shown_name` is what the user typed (kept on the login page if something fails).
fn challenge_page(
    site: &Site,
    c: &Checked,
    challenge: &str,
    session: &str,
    params: &BTreeMap<String, String>,
    shown_name: &str,
) -> Response {
    if code_field(challenge).is_none() {
        // SELECT_MFA_TYPE / MFA_SETUP: not offered on these pages; say so rather than sign in.
        return login_page(
            site,
            c,
            shown_name,
            Some(&format!(
                "This sign-in needs {challenge}, which the emulator's hosted pages do not offer \
                 yet. Sign in through the API (RespondToAuthChallenge) instead."
            )),
            None,
        );
    }
    let destination = params
        .get("CODE_DELIVERY_DESTINATION")
        .map(String::as_str)
        .unwrap_or_default();
    let username = params
        .get("USER_ID_FOR_SRP")
        .map(String::as_str)
        .unwrap_or(shown_name);
    mfa_page(
        site,
        c,
        &MfaPending {
            challenge,
            session,
            username,
            destination,
        },
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_username_attributes() {
        let mut pool = UserPoolType::default();
        assert_eq!(username_label(&pool), "Username");
        pool.username_attributes = Some(vec!["email".into()]);
        assert_eq!(username_label(&pool), "Email");
    }
}
