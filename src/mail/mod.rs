//! The dev mailbox: every message Cognito would send (sign-up and resend codes, invitations
//! with temporary passwords, password-reset codes, attribute verification, MFA codes) is
//! stored and readable at `/_dev/mailbox` (JSON API and HTML page, see [`routes`]), and
//! optionally relayed to an SMTP server (`--smtp-url`).
//!
//! Other modules send through [`send`]:
//!
//! ```ignore
//! let code = crate::mail::new_code(&ctx);
//! crate::mail::send(&ctx, crate::mail::Message {
//!     pool_id: pool_id.into(), username: user.username.clone(), to: phone.into(),
//!     medium: Medium::Sms, kind: "mfa".into(), subject: None,
//!     body: crate::mail::render(template, &code, &user.username), code: Some(code),
//! }).await?;
//! ```
//!
//! Codes are six random digits, or the `--fixed-code` value when one is configured.

pub mod page;
pub mod routes;
pub mod smtp;
pub mod templates;

use crate::protocol::ApiResult;
use crate::state::AppState;
use crate::store::mailbox::NewMessage;
use rand::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    Email,
    Sms,
}

impl Medium {
    /// The wire name (`DeliveryMedium`): `EMAIL` or `SMS`.
    pub fn as_str(self) -> &'static str {
        match self {
            Medium::Email => "EMAIL",
            Medium::Sms => "SMS",
        }
    }
}

/// A message to deliver.
#[derive(Debug, Clone)]
pub struct Message {
    pub pool_id: String,
    /// The internal username of the recipient.
    pub username: String,
    /// Email address or phone number.
    pub to: String,
    pub medium: Medium,
    /// `sign_up`, `resend_code`, `invitation`, `forgot_password`, `verify_attribute`, `mfa`.
    pub kind: String,
    pub subject: Option<String>,
    pub body: String,
    /// The bare code (or temporary password for invitations).
    pub code: Option<String>,
}

/// A fresh one-time code: six digits, or the configured fixed code.
pub fn new_code(app: &AppState) -> String {
    match &app.config.fixed_code {
        Some(code) => code.clone(),
        None => format!("{:06}", rand::rng().random_range(0..1_000_000u32)),
    }
}

/// Fills a Cognito message template: `{####}` is the code, `{username}` the username.
pub fn render(template: &str, code: &str, username: &str) -> String {
    template
        .replace("{####}", code)
        .replace("{username}", username)
}

/// Stores `msg` in the mailbox (and relays email to SMTP in the background when configured).
/// Answers the message id.
pub async fn send(app: &AppState, msg: Message) -> ApiResult<i64> {
    let id = app
        .store
        .insert_message(&NewMessage {
            pool_id: &msg.pool_id,
            username: &msg.username,
            to: &msg.to,
            medium: msg.medium.as_str(),
            kind: &msg.kind,
            subject: msg.subject.as_deref(),
            body: &msg.body,
            code: msg.code.as_deref(),
            created_at: app.clock.now_epoch(),
        })
        .await?;
    if msg.medium == Medium::Email
        && let Some(url) = &app.config.smtp_url
    {
        smtp::relay(&app.tasks, url.clone(), msg);
    }
    Ok(id)
}

/// The masked destination Cognito shows in `CodeDeliveryDetails`: `a***@e***` for email,
/// `+*******6789` for phone numbers.
pub fn mask_destination(medium: Medium, to: &str) -> String {
    match medium {
        Medium::Email => {
            let (local, domain) = to.split_once('@').unwrap_or((to, ""));
            let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
            format!("{}***@{}***", first(local), first(domain))
        }
        Medium::Sms => {
            let chars: Vec<char> = to.chars().collect();
            let keep_from = chars.len().saturating_sub(4);
            chars
                .iter()
                .enumerate()
                .map(|(i, c)| if i >= keep_from || *c == '+' { *c } else { '*' })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_cognito() {
        assert_eq!(
            mask_destination(Medium::Email, "alice@example.com"),
            "a***@e***"
        );
        assert_eq!(
            mask_destination(Medium::Sms, "+48123456789"),
            "+*******6789"
        );
        assert_eq!(
            render("Hi {username}, code {####}.", "123456", "bob"),
            "Hi bob, code 123456."
        );
    }
}
