//! The hosted password reset: /forgotPassword asks for the username and sends a code (the
//! API's ForgotPassword, so the code lands in the dev mailbox), /confirmForgotPassword takes
//! the code and a new password (ConfirmForgotPassword), then back to the login page.

use super::html::{Field, alert, internal};
use super::pages::{
    ConfirmQuery, PageQuery, client_name, hash_for, login_page, open, page, page_url,
    username_field, username_label,
};
use super::params::{Checked, redirect};
use super::site::Site;
use crate::idp::shapes::*;
use crate::state::AppState;
use axum::Form;
use axum::extract::{OriginalUri, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::html;
use serde::Deserialize;

fn forgot_page(site: &Site, c: &Checked, username: &str, error: Option<&str>) -> Response {
    let lower = username_label(&c.pool).to_lowercase();
    let body = html! {
        h1 { "Forgot your password?" }
        p.sub.textDescription-customizable {
            "Enter your " (lower) " below and we will send a message to reset your password."
        }
        (alert(error))
        form method="post" action=(page_url(site, c, "/forgotPassword")) novalidate {
            (username_field(&c.pool, username))
            button.submitButton-customizable type="submit" { "Reset my password" }
        }
        div class="links" {
            span { "Remembered it? " a href=(page_url(site, c, "/login")) { "Sign in" } }
        }
    };
    page(c, "Forgot your password?", body)
}

pub async fn forgot_get(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    match open(app, &headers, &uri, &q.params).await {
        Ok((site, c)) => forgot_page(
            &site,
            &c,
            q.params.login_hint.as_deref().unwrap_or_default(),
            None,
        ),
        Err(r) => r,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    pub username: String,
}

fn confirm_url(site: &Site, c: &Checked, username: &str, destination: Option<&str>) -> String {
    let mut extra = vec![("username", username)];
    if let Some(d) = destination {
        extra.push(("destination", d));
    }
    let extra = serde_urlencoded::to_string(extra).unwrap_or_default();
    format!(
        "{}?{}&{extra}",
        site.path("/confirmForgotPassword"),
        c.params.query()
    )
}

pub async fn forgot_post(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
    Form(form): Form<ForgotForm>,
) -> Response {
    let (site, c) = match open(app, &headers, &uri, &q.params).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let name = form.username.trim();
    if name.is_empty() {
        let label = username_label(&c.pool).to_lowercase();
        return forgot_page(&site, &c, name, Some(&format!("Enter your {label}.")));
    }
    let sent = crate::idp::forgot_password::forgot_password(
        site.ctx.clone(),
        ForgotPasswordRequest {
            client_id: c.client_id.clone(),
            secret_hash: hash_for(&c, name),
            username: name.to_string(),
            ..Default::default()
        },
    )
    .await;
    match sent {
        Ok(out) => {
            let destination = out.code_delivery_details.and_then(|d| d.destination);
            redirect(&confirm_url(&site, &c, name, destination.as_deref()))
        }
        Err(e) => forgot_page(&site, &c, name, Some(&e.message)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ResetQuery {
    #[serde(default)]
    pub destination: Option<String>,
    #[serde(flatten)]
    pub confirm: ConfirmQuery,
}

fn reset_page(
    site: &Site,
    c: &Checked,
    username: &str,
    destination: Option<&str>,
    error: Option<&str>,
) -> Response {
    let sent_to = match destination {
        Some(d) if !d.is_empty() => format!("We have sent a password reset code to {d}."),
        _ => "We have sent a password reset code by email or SMS.".to_string(),
    };
    let body = html! {
        h1 { "Reset your password" }
        p.sub.textDescription-customizable {
            (sent_to) " Enter it below to set a new password for " (client_name(c)) "."
        }
        (alert(error))
        form method="post" action=(confirm_url(site, c, username, destination)) novalidate {
            (Field::text("username", username_label(&c.pool))
                .value(username)
                .autocomplete("username"))
            (Field::code("Code").autofocus())
            (Field::password("password", "New password", "new-password"))
            (Field::password("confirm_password", "Enter new password again", "new-password"))
            button.submitButton-customizable type="submit" { "Change password" }
        }
        div class="links" {
            a href=(page_url(site, c, "/forgotPassword")) { "Send a new code" }
        }
    };
    page(c, "Reset your password", body)
}

pub async fn reset_get(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<ResetQuery>,
) -> Response {
    match open(app, &headers, &uri, &q.confirm.params).await {
        Ok((site, c)) => reset_page(
            &site,
            &c,
            q.confirm.username.as_deref().unwrap_or_default(),
            q.destination.as_deref(),
            None,
        ),
        Err(r) => r,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm_password: String,
}

pub async fn reset_post(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<ResetQuery>,
    Form(form): Form<ResetForm>,
) -> Response {
    let (site, c) = match open(app, &headers, &uri, &q.confirm.params).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let name = form.username.trim();
    let dest = q.destination.as_deref();
    if name.is_empty() || form.code.trim().is_empty() || form.password.is_empty() {
        return reset_page(
            &site,
            &c,
            name,
            dest,
            Some("Enter the code and a new password."),
        );
    }
    if form.password != form.confirm_password {
        return reset_page(&site, &c, name, dest, Some("Passwords do not match."));
    }
    let done = crate::idp::forgot_password::confirm_forgot_password(
        site.ctx.clone(),
        ConfirmForgotPasswordRequest {
            client_id: c.client_id.clone(),
            secret_hash: hash_for(&c, name),
            username: name.to_string(),
            confirmation_code: form.code.trim().to_string(),
            password: form.password.clone(),
            ..Default::default()
        },
    )
    .await;
    match done {
        Ok(_) => login_page(
            &site,
            &c,
            name,
            None,
            Some("Your password has been reset. Sign in with your new password."),
        ),
        Err(e) if e.kind == crate::protocol::ErrorKind::InternalErrorException => {
            internal(e.message)
        }
        Err(e) => reset_page(&site, &c, name, dest, Some(&e.message)),
    }
}
