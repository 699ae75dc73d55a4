//! The hosted pages: /login, /newPassword, /signup, /confirm. Server-rendered HTML; every
//! page carries the authorize request's parameters in its query string (as Cognito's do) and
//! checks them again. Sign-up and confirmation go through the same handlers as the API
//! (SignUp, ConfirmSignUp, ResendConfirmationCode), so the rules and the mailbox are shared.

use super::html::{Field, alert, hidden, info, internal};
use super::pages::{
    ConfirmQuery, NewPasswordPending, PageQuery, attribute_fields, call_for, client_name,
    continue_sign_in, form_value, hash_for, login_page, new_password_page, open, page, page_url,
    username_field, with_cookie,
};
use super::params::{Checked, redirect};
use super::session;
use super::site::Site;
use crate::idp::shapes::*;
use crate::idp::users::lookup::resolve_user;
use crate::model::user::User;
use crate::protocol::{ApiError, ErrorKind};
use crate::state::AppState;
use axum::Form;
use axum::extract::{OriginalUri, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use std::collections::BTreeMap;

// ---------------------------------------------------------------- /login

pub async fn login_get(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    match open(app, &headers, &uri, &q.params).await {
        Ok((site, c)) => login_page(
            &site,
            &c,
            q.params.login_hint.as_deref().unwrap_or_default(),
            None,
            None,
        ),
        Err(r) => r,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    /// A one-time-code first factor chosen instead of the password (EMAIL_OTP / SMS_OTP).
    #[serde(default)]
    pub factor: String,
}

pub async fn login_post(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
    Form(form): Form<LoginForm>,
) -> Response {
    let (site, c) = match open(app, &headers, &uri, &q.params).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !c.cognito_allowed {
        let refusal =
            super::params::refuse(&c, "invalid_request", Some(super::params::NOT_AVAILABLE));
        return axum::response::IntoResponse::into_response(refusal);
    }
    let name = form.username.trim();
    if !form.factor.is_empty() {
        return factor_sign_in(&site, &c, name, &form.factor).await;
    }
    if name.is_empty() || form.password.is_empty() {
        return login_page(
            &site,
            &c,
            name,
            Some("Enter your username and password."),
            None,
        );
    }
    let call = match call_for(&site, &c).await {
        Ok(call) => call,
        Err(r) => return r,
    };
    // The API's password sign-in (USER_PASSWORD_AUTH's checks, in its order: state, lockout,
    // password, then NEW_PASSWORD_REQUIRED or MFA), whatever the client's ExplicitAuthFlows:
    // the hosted pages are not an API flow.
    let mut params = BTreeMap::from([
        ("USERNAME".to_string(), name.to_string()),
        ("PASSWORD".to_string(), form.password.clone()),
    ]);
    if let Some(h) = hash_for(&c, name) {
        params.insert("SECRET_HASH".into(), h);
    }
    match crate::idp::auth::password_step(&site.ctx, &call, &params).await {
        Ok(step) => continue_sign_in(&site, &c, step, name).await,
        Err(e) if e.kind == ErrorKind::UserNotConfirmedException => {
            confirm_then_sign_in(&site, &c, name).await
        }
        Err(e) if e.kind == ErrorKind::PasswordResetRequiredException => login_page(
            &site,
            &c,
            name,
            Some("Password reset required for the user. Choose \"Forgot your password?\" below."),
            None,
        ),
        Err(e) if e.kind == ErrorKind::InternalErrorException => internal(e.message),
        Err(e) => login_page(&site, &c, name, Some(&e.message), None),
    }
}

/// Choice-based sign-in from the login page: USER_AUTH with the chosen factor (a code or a
/// passkey) as PREFERRED_CHALLENGE, through the API's own code; the code or passkey page follows.
async fn factor_sign_in(site: &Site, c: &Checked, name: &str, factor: &str) -> Response {
    if !super::pages::first_factors(c)
        .iter()
        .any(|(f, _)| *f == factor)
    {
        return login_page(
            site,
            c,
            name,
            Some("That sign-in option is not available."),
            None,
        );
    }
    if name.is_empty() {
        return login_page(site, c, name, Some("Enter your username."), None);
    }
    let call = match call_for(site, c).await {
        Ok(call) => call,
        Err(r) => return r,
    };
    let mut params = BTreeMap::from([
        ("USERNAME".to_string(), name.to_string()),
        ("PREFERRED_CHALLENGE".to_string(), factor.to_string()),
    ]);
    if let Some(h) = hash_for(c, name) {
        params.insert("SECRET_HASH".into(), h);
    }
    match crate::idp::user_auth::initiate(&site.ctx, &call, &params, None).await {
        Ok(step) => continue_sign_in(site, c, step, name).await,
        Err(e) if e.kind == ErrorKind::InternalErrorException => internal(e.message),
        Err(e) => login_page(site, c, name, Some(&e.message), None),
    }
}

/// A sign-in whose password was proven on an earlier page (sign-up, then the confirmation
/// code): the API's `after_password` decides what follows (MFA, or signed in).
async fn after_password(site: &Site, c: &Checked, user: User, shown_name: &str) -> Response {
    let call = match call_for(site, c).await {
        Ok(call) => call,
        Err(r) => return r,
    };
    match crate::idp::auth::after_password(&site.ctx, &call, user).await {
        Ok(step) => continue_sign_in(site, c, step, shown_name).await,
        Err(e) if e.kind == ErrorKind::InternalErrorException => internal(e.message),
        Err(e) => login_page(site, c, shown_name, Some(&e.message), None),
    }
}

/// An unconfirmed user with the right password: a fresh code, then the confirmation page;
/// once confirmed, the browser is signed in.
async fn confirm_then_sign_in(site: &Site, c: &Checked, name: &str) -> Response {
    let resend = crate::idp::sign_up::resend_confirmation_code(
        site.ctx.clone(),
        ResendConfirmationCodeRequest {
            client_id: c.client_id.clone(),
            secret_hash: hash_for(c, name),
            username: name.to_string(),
            ..Default::default()
        },
    )
    .await;
    if let Err(e) = resend {
        return login_page(site, c, name, Some(&e.message), None);
    }
    let user = match resolve_user(&site.ctx, &c.pool, name).await {
        Ok(Some(u)) => u,
        Ok(None) => return login_page(site, c, name, Some(INCORRECT), None),
        Err(e) => return internal(e.message),
    };
    pending_then(
        site,
        c,
        &user,
        session::CONFIRM_THEN_SIGN_IN,
        &confirm_url(site, c, name),
    )
    .await
}

/// The wrong-credentials answer.
const INCORRECT: &str = "Incorrect username or password.";

/// Starts a pending session of `kind` for `user` and redirects to `url`.
async fn pending_then(site: &Site, c: &Checked, user: &User, kind: &str, url: &str) -> Response {
    let now = site.ctx.clock.now_secs();
    match session::start(site, kind, &c.pool_id, &user.username, now).await {
        Ok((_, cookie)) => with_cookie(redirect(url), &cookie),
        Err(e) => internal(e),
    }
}

fn confirm_url(site: &Site, c: &Checked, username: &str) -> String {
    let user_q = serde_urlencoded::to_string([("username", username)]).unwrap_or_default();
    format!("{}?{}&{user_q}", site.path("/confirm"), c.params.query())
}

/// The user a pending session of `kind` (from its cookie) is for.
async fn pending_user(site: &Site, headers: &HeaderMap, c: &Checked, kind: &str) -> Option<User> {
    let secret = session::read_cookie(headers, &session::cookie_name(kind, &c.pool_id))?;
    let s = session::find(site, kind, &c.pool_id, &secret)
        .await
        .ok()??;
    site.ctx
        .store
        .get_user(&c.pool_id, &s.username)
        .await
        .ok()?
}

// ---------------------------------------------------------------- /newPassword

fn session_expired_page(site: &Site, c: &Checked) -> Response {
    login_page(
        site,
        c,
        "",
        Some("Your session has expired. Sign in again."),
        None,
    )
}

/// The page is shown by /login (it carries the challenge's session); opened on its own,
/// there is no sign-in to continue.
pub async fn new_password_get(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    match open(app, &headers, &uri, &q.params).await {
        Ok((site, c)) => session_expired_page(&site, &c),
        Err(r) => r,
    }
}

/// Answers NEW_PASSWORD_REQUIRED through the API's `respond_step`: its password policy, its
/// required-attribute check, then MFA when the pool asks for it.
pub async fn new_password_post(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let (site, c) = match open(app, &headers, &uri, &q.params).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let get = |n: &str| form_value(&form, n);
    let (session, username) = (get("session"), get("username"));
    if session.is_empty() || username.is_empty() {
        return session_expired_page(&site, &c);
    }
    let given: Vec<(String, String)> = form
        .iter()
        .filter(|(k, _)| k.starts_with("userAttributes."))
        .cloned()
        .collect();
    let pending = NewPasswordPending {
        session,
        username,
        required: given
            .iter()
            .map(|(k, _)| k.trim_start_matches("userAttributes.").to_string())
            .collect(),
    };
    if get("password") != get("confirm_password") {
        return new_password_page(&site, &c, &pending, &given, Some("Passwords do not match."));
    }
    let call = match call_for(&site, &c).await {
        Ok(call) => call,
        Err(r) => return r,
    };
    let mut responses: BTreeMap<String, String> = given
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .cloned()
        .collect();
    responses.insert("USERNAME".into(), username.to_string());
    responses.insert("NEW_PASSWORD".into(), get("password").to_string());
    if let Some(h) = hash_for(&c, username) {
        responses.insert("SECRET_HASH".into(), h);
    }
    let answered = crate::idp::auth::respond_step(
        &site.ctx,
        &call,
        "NEW_PASSWORD_REQUIRED",
        &responses,
        Some(session),
    )
    .await;
    match answered {
        Ok(step) => continue_sign_in(&site, &c, step, username).await,
        // A policy or attribute error keeps the page (and the session) for another try.
        Err(e)
            if matches!(
                e.kind,
                ErrorKind::InvalidPasswordException | ErrorKind::InvalidParameterException
            ) =>
        {
            new_password_page(&site, &c, &pending, &given, Some(&e.message))
        }
        Err(e) if e.kind == ErrorKind::InternalErrorException => internal(e.message),
        Err(e) => login_page(&site, &c, "", Some(&e.message), None),
    }
}

// ---------------------------------------------------------------- /signup

/// The attributes the sign-up form asks for: the pool's required ones, and email when users
/// sign in with it or it is verified automatically.
fn signup_attributes(pool: &UserPoolType) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let uses = |a: &str| pool.username_attributes.iter().flatten().any(|x| x == a);
    for a in ["email", "phone_number"] {
        let auto = pool
            .auto_verified_attributes
            .iter()
            .flatten()
            .any(|x| x == a);
        if !uses(a) && auto {
            names.push(a.into());
        }
    }
    for s in pool.schema_attributes.iter().flatten() {
        let Some(name) = s.name.as_deref() else {
            continue;
        };
        if s.required == Some(true)
            && name != "sub"
            && !uses(name)
            && !names.iter().any(|n| n == name)
        {
            names.push(name.into());
        }
    }
    names
}

fn signup_page(
    site: &Site,
    c: &Checked,
    values: &[(String, String)],
    error: Option<&str>,
) -> Response {
    let body = html! {
        h1 { "Sign up" }
        p.sub.textDescription-customizable { "for " (client_name(c)) }
        (alert(error))
        form method="post" action=(page_url(site, c, "/signup")) novalidate {
            (username_field(&c.pool, form_value(values, "username")))
            (attribute_fields(&signup_attributes(&c.pool), "", values))
            (Field::password("password", "Password", "new-password"))
            (super::html::terms_links(&c.branding))
            button.submitButton-customizable type="submit" { "Sign up" }
        }
        div class="links" {
            span { "Already have an account? " a href=(page_url(site, c, "/login")) { "Sign in" } }
        }
    };
    page(c, "Sign up", body)
}

pub async fn signup_get(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    match open(app, &headers, &uri, &q.params).await {
        Ok((site, c)) => signup_page(&site, &c, &[], None),
        Err(r) => r,
    }
}

pub async fn signup_post(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let (site, c) = match open(app, &headers, &uri, &q.params).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let get = |n: &str| {
        form.iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let username = get("username");
    let password = form
        .iter()
        .find(|(k, _)| k == "password")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut attributes: Vec<AttributeType> = Vec::new();
    for a in signup_attributes(&c.pool) {
        let v = get(&a);
        if !v.is_empty() {
            attributes.push(AttributeType {
                name: a,
                value: Some(v),
            });
        }
    }
    let kept: Vec<(String, String)> = form
        .iter()
        .filter(|(k, _)| k != "password")
        .cloned()
        .collect();
    if username.is_empty() || password.is_empty() {
        return signup_page(&site, &c, &kept, Some("Enter a username and a password."));
    }
    let result = crate::idp::sign_up::sign_up(
        site.ctx.clone(),
        SignUpRequest {
            client_id: c.client_id.clone(),
            secret_hash: hash_for(&c, &username),
            username: username.clone(),
            password: Some(password),
            user_attributes: Some(attributes),
            ..Default::default()
        },
    )
    .await;
    match result {
        Err(e) => signup_page(&site, &c, &kept, Some(&e.message)),
        Ok(out) => {
            let user = match site
                .ctx
                .store
                .find_user_by_sub(&c.pool_id, &out.user_sub)
                .await
            {
                Ok(Some(u)) => u,
                Ok(None) => return internal("signed-up user not found"),
                Err(e) => return internal(e),
            };
            if out.user_confirmed {
                return after_password(&site, &c, user, &username).await;
            }
            pending_then(
                &site,
                &c,
                &user,
                session::CONFIRM_THEN_SIGN_IN,
                &confirm_url(&site, &c, &username),
            )
            .await
        }
    }
}

// ---------------------------------------------------------------- /confirm

fn confirm_page(
    site: &Site,
    c: &Checked,
    username: &str,
    error: Option<&str>,
    note: Option<&str>,
) -> Response {
    let action = confirm_url(site, c, username);
    let body = html! {
        h1 { "Confirm your account" }
        p.sub.textDescription-customizable {
            "We have sent a code to your email or phone. Enter it below to confirm your account."
        }
        (info(note))
        (alert(error))
        form method="post" action=(action) novalidate {
            (Field::text("username", "Username").value(username).autocomplete("username"))
            (Field::code("Verification code").autofocus())
            button.submitButton-customizable type="submit" name="action" value="confirm" { "Confirm account" }
        }
        form method="post" action=(action) {
            (hidden("username", username))
            button class="link" type="submit" name="action" value="resend" { "Resend code" }
        }
    };
    page(c, "Confirm your account", body)
}

pub async fn confirm_get(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<ConfirmQuery>,
) -> Response {
    match open(app, &headers, &uri, &q.params).await {
        Ok((site, c)) => confirm_page(
            &site,
            &c,
            q.username.as_deref().unwrap_or_default(),
            None,
            None,
        ),
        Err(r) => r,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub action: String,
}

pub async fn confirm_post(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<ConfirmQuery>,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let (site, c) = match open(app, &headers, &uri, &q.params).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let username = form.username.trim().to_string();
    if form.action == "resend" {
        let r = crate::idp::sign_up::resend_confirmation_code(
            site.ctx.clone(),
            ResendConfirmationCodeRequest {
                client_id: c.client_id.clone(),
                secret_hash: hash_for(&c, &username),
                username: username.clone(),
                ..Default::default()
            },
        )
        .await;
        return match r {
            Ok(_) => confirm_page(
                &site,
                &c,
                &username,
                None,
                Some("A new code has been sent."),
            ),
            Err(e) => confirm_page(&site, &c, &username, Some(&e.message), None),
        };
    }
    let r = crate::idp::sign_up::confirm_sign_up(
        site.ctx.clone(),
        ConfirmSignUpRequest {
            client_id: c.client_id.clone(),
            secret_hash: hash_for(&c, &username),
            username: username.clone(),
            confirmation_code: form.code.trim().to_string(),
            ..Default::default()
        },
    )
    .await;
    if let Err(e) = r {
        return confirm_page(&site, &c, &username, Some(&confirm_message(&e)), None);
    }
    // Signed up (or signed in) in this browser: finish the sign-in.
    if let Some(pending) = pending_user(&site, &headers, &c, session::CONFIRM_THEN_SIGN_IN).await {
        let same = resolve_user(&site.ctx, &c.pool, &username)
            .await
            .ok()
            .flatten()
            .is_some_and(|u| u.username == pending.username);
        if same && let Ok(Some(user)) = site.ctx.store.get_user(&c.pool_id, &pending.username).await
        {
            let cleared = match session::end(
                &site,
                &headers,
                session::CONFIRM_THEN_SIGN_IN,
                &c.pool_id,
            )
            .await
            {
                Ok(v) => v,
                Err(e) => return internal(e),
            };
            let next = after_password(&site, &c, user, &username).await;
            return with_cookie(next, &cleared);
        }
    }
    login_page(
        &site,
        &c,
        &username,
        None,
        Some("Your account is confirmed. Sign in to continue."),
    )
}

fn confirm_message(e: &ApiError) -> String {
    e.message.clone()
}
