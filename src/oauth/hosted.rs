//! The hosted pages: /login, /newPassword, /signup, /confirm. Server-rendered HTML; every
//! page carries the authorize request's parameters in its query string (as Cognito's do) and
//! checks them again. Sign-up and confirmation go through the same handlers as the API
//! (SignUp, ConfirmSignUp, ResendConfirmationCode), so the rules and the mailbox are shared.

use super::html::{self, alert, esc, field, info};
use super::params::{self, AuthorizeParams, Checked, redirect};
use super::session;
use super::site::Site;
use crate::crypto::secret_hash::secret_hash;
use crate::idp::shapes::*;
use crate::idp::users::{self, PolicyWording};
use crate::model::user::{User, UserStatus};
use crate::protocol::{ApiError, ErrorKind};
use crate::state::AppState;
use axum::Form;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

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

/// The wrong-credentials answer (the same for unknown users, as Cognito's hosted UI).
const INCORRECT: &str = "Incorrect username or password.";

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
    let user = match users::resolve_user(&site.ctx, &c.pool, name).await {
        Ok(Some(u)) => u,
        Ok(None) => return login_page(&site, &c, name, Some(INCORRECT), None),
        Err(e) => return internal(e),
    };
    // The API's lockout applies here too: repeated wrong passwords lock the user out for a
    // while, whichever way they sign in.
    let failures = match crate::idp::auth::check_lockout(&site.ctx, &user).await {
        Ok(f) => f,
        Err(e) if e.kind == ErrorKind::NotAuthorizedException => {
            return login_page(&site, &c, name, Some(&e.message), None);
        }
        Err(e) => return internal(e.message),
    };
    let right = match &user.password {
        Some(p) => {
            match crate::cpu::check_password(&c.pool_id, &user.username, &form.password, p).await {
                Ok(right) => right,
                Err(e) => return internal(e.message),
            }
        }
        None => false,
    };
    if !right {
        if let Err(e) = crate::idp::auth::record_failure(&site.ctx, &user, failures).await {
            return internal(e.message);
        }
        return login_page(&site, &c, name, Some(INCORRECT), None);
    }
    if let Err(e) = crate::idp::auth::clear_failures(&site.ctx, &user, failures).await {
        return internal(e.message);
    }
    if !user.enabled {
        return login_page(&site, &c, name, Some("User is disabled."), None);
    }
    match user.status {
        UserStatus::Confirmed => super::mfa::after_password(&site, &c, &user, name).await,
        UserStatus::Unconfirmed => {
            // Send a fresh code and continue on the confirmation page; once confirmed, the
            // browser is signed in (the password was right).
            let resend = crate::idp::sign_up::resend_confirmation_code(
                site.ctx.clone(),
                ResendConfirmationCodeRequest {
                    client_id: c.client_id.clone(),
                    secret_hash: hash_for(&c, name),
                    username: name.to_string(),
                    ..Default::default()
                },
            )
            .await;
            if let Err(e) = resend {
                return login_page(&site, &c, name, Some(&e.message), None);
            }
            pending_then(
                &site,
                &c,
                &user,
                session::CONFIRM_THEN_SIGN_IN,
                &confirm_url(&site, &c, name),
            )
            .await
        }
        UserStatus::ForceChangePassword => {
            let url = format!("{}?{}", site.path("/newPassword"), c.params.query());
            pending_then(&site, &c, &user, session::NEW_PASSWORD, &url).await
        }
        UserStatus::ResetRequired => login_page(
            &site,
            &c,
            name,
            Some("Password reset required for the user. Choose \"Forgot your password?\" below."),
            None,
        ),
        _ => login_page(&site, &c, name, Some(INCORRECT), None),
    }
}

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

fn new_password_page(site: &Site, c: &Checked, error: Option<&str>) -> Response {
    let body = format!(
        "<h1>Change password</h1><p class=\"sub\">Please enter a new password.</p>{err}\
<form method=\"post\" action=\"{action}\" novalidate>{p1}{p2}\
<button type=\"submit\">Send</button></form>",
        err = alert(error),
        action = esc(&format!(
            "{}?{}",
            site.path("/newPassword"),
            c.params.query()
        )),
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

pub async fn new_password_get(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let (site, c) = match open(app, &headers, &uri, &q.params).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if pending_user(&site, &headers, &c, session::NEW_PASSWORD)
        .await
        .is_none()
    {
        return login_page(
            &site,
            &c,
            "",
            Some("Your session has expired. Sign in again."),
            None,
        );
    }
    new_password_page(&site, &c, None)
}

#[derive(Debug, Default, Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm_password: String,
}

pub async fn new_password_post(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
    Form(form): Form<NewPasswordForm>,
) -> Response {
    let (site, c) = match open(app, &headers, &uri, &q.params).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(mut user) = pending_user(&site, &headers, &c, session::NEW_PASSWORD).await else {
        return login_page(
            &site,
            &c,
            "",
            Some("Your session has expired. Sign in again."),
            None,
        );
    };
    if form.password != form.confirm_password {
        return new_password_page(&site, &c, Some("Passwords do not match."));
    }
    if let Err(e) = users::check_password_policy(&c.pool, &form.password, PolicyWording::SignUp) {
        return new_password_page(&site, &c, Some(&e.message));
    }
    user.password =
        match crate::cpu::hash_password(&c.pool_id, &user.username, &form.password).await {
            Ok(p) => Some(p),
            Err(e) => return internal(e.message),
        };
    user.status = UserStatus::Confirmed;
    user.modified = site.ctx.clock.now_epoch();
    if let Err(e) = site.ctx.store.save_user(&user).await {
        return internal(e);
    }
    let cleared = match session::end(&site, &headers, session::NEW_PASSWORD, &c.pool_id).await {
        Ok(v) => v,
        Err(e) => return internal(e),
    };
    with_cookie(
        super::mfa::after_password(&site, &c, &user, "").await,
        &cleared,
    )
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
                return super::mfa::after_password(&site, &c, &user, &username).await;
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
            return with_cookie(
                super::mfa::after_password(&site, &c, &user, &username).await,
                &cleared,
            );
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
