//! MFA on the hosted login: after a correct password, the pool's MFA rules (the API's
//! `challenge_after_password`) decide whether the user must enter a code. SMS_MFA and
//! EMAIL_OTP codes go to the dev mailbox; SOFTWARE_TOKEN_MFA takes the authenticator's code.
//! The page posts the code with the challenge's session to /mfa, answered by the API's
//! `respond`, so codes, expiry and errors are the API's.

use super::hosted::{
    PageQuery, call_for, continue_sign_in, hash_for, internal, login_page, open, page,
};
use super::html::{alert, esc, field, hidden};
use super::params::Checked;
use super::site::Site;
use crate::state::AppState;
use axum::Form;
use axum::extract::{OriginalUri, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The challenges the page answers, with the response field that carries the code.
fn code_field(challenge: &str) -> Option<&'static str> {
    match challenge {
        "SMS_MFA" => Some("SMS_MFA_CODE"),
        "EMAIL_OTP" => Some("EMAIL_OTP_CODE"),
        "SOFTWARE_TOKEN_MFA" => Some("SOFTWARE_TOKEN_MFA_CODE"),
        _ => None,
    }
}

struct Pending<'a> {
    challenge: &'a str,
    session: &'a str,
    username: &'a str,
    destination: &'a str,
}

fn mfa_page(site: &Site, c: &Checked, p: &Pending, error: Option<&str>) -> Response {
    let text = match p.challenge {
        "SOFTWARE_TOKEN_MFA" => "Enter the code from your authenticator app.".to_string(),
        _ if !p.destination.is_empty() => {
            format!("We have sent a code to {}. Enter it below.", p.destination)
        }
        _ => "We have sent you a code. Enter it below.".to_string(),
    };
    let body = format!(
        "<h1>Multi-factor authentication</h1><p class=\"sub\">{text}</p>{err}\
<form method=\"post\" action=\"{action}\" novalidate>{h1}{h2}{h3}{h4}{code}\
<button type=\"submit\">Sign in</button></form>",
        text = esc(&text),
        err = alert(error),
        action = esc(&format!("{}?{}", site.path("/mfa"), c.params.query())),
        h1 = hidden("challenge", p.challenge),
        h2 = hidden("session", p.session),
        h3 = hidden("username", p.username),
        h4 = hidden("destination", p.destination),
        code = field(
            "code",
            "Code",
            "text",
            "",
            "inputmode=\"numeric\" autocomplete=\"one-time-code\" required autofocus"
        ),
    );
    page("Multi-factor authentication", body)
}

/// The page for an MFA challenge a sign-in step answered (after /login or /newPassword).
/// `shown_name` is what the user typed (kept on the login page if something fails).
pub fn challenge_page(
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
        &Pending {
            challenge,
            session,
            username,
            destination,
        },
        None,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct MfaForm {
    #[serde(default)]
    pub challenge: String,
    #[serde(default)]
    pub session: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub destination: String,
    #[serde(default)]
    pub code: String,
}

pub async fn mfa_post(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
    Form(form): Form<MfaForm>,
) -> Response {
    let (site, c) = match open(app, &headers, &uri, &q.params).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(field_name) = code_field(&form.challenge) else {
        return login_page(&site, &c, "", Some("Sign in again."), None);
    };
    let pending = Pending {
        challenge: &form.challenge,
        session: &form.session,
        username: &form.username,
        destination: &form.destination,
    };
    if form.code.trim().is_empty() {
        return mfa_page(&site, &c, &pending, Some("Enter the code."));
    }
    let call = match call_for(&site, &c).await {
        Ok(call) => call,
        Err(r) => return r,
    };
    let mut responses = BTreeMap::from([
        ("USERNAME".to_string(), form.username.clone()),
        (field_name.to_string(), form.code.trim().to_string()),
    ]);
    if let Some(h) = hash_for(&c, &form.username) {
        responses.insert("SECRET_HASH".into(), h);
    }
    let answered = crate::idp::auth::respond_step(
        &site.ctx,
        &call,
        &form.challenge,
        &responses,
        Some(&form.session),
    )
    .await;
    match answered {
        Ok(step) => continue_sign_in(&site, &c, step, &form.username).await,
        // A wrong code keeps the page (and the session) for another try; a spent or expired
        // session goes back to the login page.
        Err(e) if e.kind == crate::protocol::ErrorKind::CodeMismatchException => {
            mfa_page(&site, &c, &pending, Some(&e.message))
        }
        Err(e) if e.kind == crate::protocol::ErrorKind::InternalErrorException => {
            internal(e.message)
        }
        Err(e) => login_page(&site, &c, "", Some(&e.message), None),
    }
}
