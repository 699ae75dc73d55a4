//! MFA on the hosted login: after a correct password, the pool's MFA rules (the API's
//! `challenge_after_password`) decide whether the user must enter a code. SMS_MFA and
//! EMAIL_OTP codes go to the dev mailbox; SOFTWARE_TOKEN_MFA takes the authenticator's code.
//! The page posts the code with the challenge's session to /mfa, answered by the API's
//! `respond`, so codes, expiry and errors are the API's.

use super::html::internal;
use super::pages::{
    MfaPending, PageQuery, call_for, code_field, continue_sign_in, hash_for, login_page, mfa_page,
    open,
};
use crate::state::AppState;
use axum::Form;
use axum::extract::{OriginalUri, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use std::collections::BTreeMap;

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
    let pending = MfaPending {
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
