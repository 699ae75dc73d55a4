//! The hosted pages: /login, /newPassword, /signup, /confirm. Server-rendered HTML; every
//! page carries the authorize request's parameters in its query string (as Cognito's do) and
//! checks them again. Sign-up and confirmation go through the same handlers as the API
//! (SignUp, ConfirmSignUp, ResendConfirmationCode), so the rules and the mailbox are shared.

use super::authorize;
use super::html::hidden;
use super::html::{self, alert, esc, field, info};
use super::params::{self, AuthorizeParams, Checked, redirect};
use super::session;
use super::site::Site;
use crate::crypto::secret_hash::secret_hash;
use crate::idp::challenge::{Call, Step};
use crate::idp::shapes::*;
use crate::idp::users;
use crate::model::user::User;
use crate::protocol::{ApiError, ErrorKind};
use crate::state::AppState;
use axum::Form;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
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
    match params::check(&site, params).await {
        Ok(c) => Ok((site, c)),
        Err(r) => Err(r.into_response()),
    }
}

pub(super) fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(cause = %e, "hosted UI");
    html::error_page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.")
}

pub(super) fn page(title: &str, body: String) -> Response {
    html::respond(StatusCode::OK, title, &body)
}

fn with_cookie(mut resp: Response, cookie: &str) -> Response {
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

// ---------------------------------------------------------------- /login

pub(super) fn login_page(
    site: &Site,
    c: &Checked,
    username: &str,
    error: Option<&str>,
    note: Option<&str>,
) -> Response {
    let q = c.params.query();
    let label = username_label(&c.pool);
    let body = format!(
        "<h1>Sign in</h1><p class=\"sub\">to {client}</p>{note}{err}\
<form method=\"post\" action=\"{action}\" novalidate>\
{user}{pass}<button type=\"submit\">Sign in</button></form>\
<div class=\"links\"><a href=\"{forgot}\">Forgot your password?</a>\
<span>Need an account? <a href=\"{signup}\">Sign up</a></span></div>",
        client = esc(&client_name(c)),
        note = info(note),
        err = alert(error),
        action = esc(&format!("{}?{q}", site.path("/login"))),
        user = field(
            "username",
            label,
            if label == "Email" { "email" } else { "text" },
            username,
            "autocomplete=\"username\" required autofocus"
        ),
        pass = field(
            "password",
            "Password",
            "password",
            "",
            "autocomplete=\"current-password\" required"
        ),
        forgot = esc(&format!("{}?{q}", site.path("/forgotPassword"))),
        signup = esc(&format!("{}?{q}", site.path("/signup"))),
    );
    page("Sign in", body)
}

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
}

/// The sign-in call the hosted pages make: the page's client, as an admin-style call (the
/// pool is known), so the API's own sign-in code runs.
pub(super) async fn call_for(site: &Site, c: &Checked) -> Result<Call, Response> {
    Call::load(&site.ctx, Some(&c.pool_id), &c.client_id)
        .await
        .map_err(|e| internal(e.message))
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
    let name = form.username.trim();
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
        _ => super::mfa::challenge_page(site, c, &name, &session, &params, shown_name),
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
    let user = match users::resolve_user(&site.ctx, &c.pool, name).await {
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

/// A NEW_PASSWORD_REQUIRED challenge waiting for the page's answer.
struct NewPasswordPending<'a> {
    session: &'a str,
    /// USER_ID_FOR_SRP: the USERNAME the answer names.
    username: &'a str,
    /// The required attributes the user lacks (their names, without `userAttributes.`).
    required: Vec<String>,
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

fn new_password_page(
    site: &Site,
    c: &Checked,
    p: &NewPasswordPending,
    values: &[(String, String)],
    error: Option<&str>,
) -> Response {
    let value = |n: &str| {
        values
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let attributes: String = p
        .required
        .iter()
        .map(|name| {
            let id = format!("userAttributes.{name}");
            field(
                &id,
                &attribute_label(name),
                input_kind(name),
                value(&id),
                "required",
            )
        })
        .collect();
    let body = format!(
        "<h1>Change password</h1><p class=\"sub\">Please enter a new password.</p>{err}\
<form method=\"post\" action=\"{action}\" novalidate>{h1}{h2}{attributes}{p1}{p2}\
<button type=\"submit\">Send</button></form>",
        err = alert(error),
        action = esc(&format!(
            "{}?{}",
            site.path("/newPassword"),
            c.params.query()
        )),
        h1 = hidden("session", p.session),
        h2 = hidden("username", p.username),
        p1 = field(
            "password",
            "New password",
            "password",
            "",
            "autocomplete=\"new-password\" required autofocus"
        ),
        p2 = field(
            "confirm_password",
            "Enter new password again",
            "password",
            "",
            "autocomplete=\"new-password\" required"
        ),
    );
    page("Change password", body)
}

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
    let get = |n: &str| {
        form.iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
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

fn signup_page(
    site: &Site,
    c: &Checked,
    values: &[(String, String)],
    error: Option<&str>,
) -> Response {
    let value = |n: &str| {
        values
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let label = username_label(&c.pool);
    let mut fields = field(
        "username",
        label,
        if label == "Email" { "email" } else { "text" },
        &value("username"),
        "autocomplete=\"username\" required autofocus",
    );
    for a in signup_attributes(&c.pool) {
        fields.push_str(&field(
            &a,
            &attribute_label(&a),
            input_kind(&a),
            &value(&a),
            "required",
        ));
    }
    fields.push_str(&field(
        "password",
        "Password",
        "password",
        "",
        "autocomplete=\"new-password\" required",
    ));
    let q = c.params.query();
    let body = format!(
        "<h1>Sign up</h1><p class=\"sub\">for {client}</p>{err}\
<form method=\"post\" action=\"{action}\" novalidate>{fields}<button type=\"submit\">Sign up</button></form>\
<div class=\"links\"><span>Already have an account? <a href=\"{login}\">Sign in</a></span></div>",
        client = esc(&client_name(c)),
        err = alert(error),
        action = esc(&format!("{}?{q}", site.path("/signup"))),
        login = esc(&format!("{}?{q}", site.path("/login"))),
    );
    page("Sign up", body)
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
    let q = c.params.query();
    let user_q = serde_urlencoded::to_string([("username", username)]).unwrap_or_default();
    let action = esc(&format!("{}?{q}&{user_q}", site.path("/confirm")));
    let body = format!(
        "<h1>Confirm your account</h1>\
<p class=\"sub\">We have sent a code to your email or phone. Enter it below to confirm your account.</p>\
{note}{err}<form method=\"post\" action=\"{action}\" novalidate>{user}{code}\
<button type=\"submit\" name=\"action\" value=\"confirm\">Confirm account</button></form>\
<form method=\"post\" action=\"{action}\">{hidden_user}<button class=\"link\" type=\"submit\" name=\"action\" value=\"resend\">Resend code</button></form>",
        note = info(note),
        err = alert(error),
        user = field(
            "username",
            "Username",
            "text",
            username,
            "autocomplete=\"username\" required"
        ),
        code = field(
            "code",
            "Verification code",
            "text",
            "",
            "inputmode=\"numeric\" autocomplete=\"one-time-code\" required autofocus"
        ),
        hidden_user = html::hidden("username", username),
    );
    page("Confirm your account", body)
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
        let same = users::resolve_user(&site.ctx, &c.pool, &username)
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
