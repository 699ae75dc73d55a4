//! The CustomMessage trigger: the pool's function may rewrite the email subject and body or
//! the SMS text of every message that carries a code (or an invitation's temporary
//! password). It answers templates with the placeholders Cognito gave it (`{####}`,
//! `{username}`); the emulator then puts the code in, so the dev mailbox and the SMTP relay
//! receive exactly what a user of real Cognito would.
//!
//! A pool with a custom sender trigger (CustomEmailSender / CustomSMSSender) for a medium
//! sends nothing itself on that medium: the function gets the code and delivers it. On AWS
//! the code arrives encrypted with the pool's KMS key; offline there is no KMS, so the event
//! carries it in plain text (README says so).

use super::{Invocation, Trigger};
use crate::mail::Medium;
use crate::model::user::User;
use crate::protocol::ApiResult;
use crate::protocol::ctx::Ctx;
use crate::protocol::generated::idp::UserPoolType;
use serde_json::{Value, json};

/// The message as the pool's templates would send it.
pub struct Draft {
    pub medium: Medium,
    pub subject: Option<String>,
    /// The template, with `{####}` (and `{username}` for invitations) not yet filled in.
    pub template: String,
}

/// The trigger source for a message of mailbox `kind` (`sign_up`, `resend_code`,
/// `forgot_password`, `verify_attribute`, `update_attribute`, `invitation`, `mfa`).
pub fn source_for(kind: &str) -> &'static str {
    match kind {
        "sign_up" => "CustomMessage_SignUp",
        "resend_code" => "CustomMessage_ResendCode",
        "forgot_password" => "CustomMessage_ForgotPassword",
        "update_attribute" => "CustomMessage_UpdateUserAttribute",
        "invitation" => "CustomMessage_AdminCreateUser",
        "mfa" => "CustomMessage_Authentication",
        _ => "CustomMessage_VerifyUserAttribute",
    }
}

/// `(subject, body)` of the message to send: the function's version when the pool has a
/// CustomMessage trigger and it answered one, else the draft; with `code` filled in.
pub async fn compose(
    ctx: &Ctx,
    pool: &UserPoolType,
    user: &User,
    source: &str,
    draft: Draft,
    code: &str,
) -> ApiResult<(Option<String>, String)> {
    let invitation = source == "CustomMessage_AdminCreateUser";
    let mut subject = draft.subject;
    let mut template = draft.template;
    if super::configured(pool, sender_for(draft.medium)) {
        // The sender function writes the message; there is nothing to customise.
        return Ok((
            subject,
            crate::mail::render(&template, code, &user.username),
        ));
    }
    let answer = super::run(
        ctx,
        pool,
        Invocation {
            trigger: Trigger::CustomMessage,
            source,
            user_name: &user.username,
            client_id: None,
            request: json!({
                "userAttributes": super::stored_user_attributes(user),
                "codeParameter": "{####}",
                "linkParameter": "{##Click Here##}",
                "usernameParameter": if invitation { Value::from("{username}") } else { Value::Null },
                "clientMetadata": {},
            }),
            response: json!({"smsMessage": null, "emailMessage": null, "emailSubject": null}),
        },
    )
    .await?;
    if let Some(answer) = answer {
        let text = |name: &str| {
            answer[name]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        match draft.medium {
            Medium::Email => {
                if let Some(body) = text("emailMessage") {
                    template = body;
                }
                if let Some(s) = text("emailSubject") {
                    subject = Some(s);
                }
            }
            Medium::Sms => {
                if let Some(body) = text("smsMessage") {
                    template = body;
                }
            }
        }
    }
    Ok((
        subject,
        crate::mail::render(&template, code, &user.username),
    ))
}

/// The custom sender trigger for `medium`.
fn sender_for(medium: Medium) -> Trigger {
    match medium {
        Medium::Email => Trigger::CustomEmailSender,
        Medium::Sms => Trigger::CustomSmsSender,
    }
}

/// Delivers `message` (composed for CustomMessage trigger source `source`): to the pool's
/// custom sender function for its medium when there is one, else to the dev mailbox (and
/// the SMTP relay). A failing sender fails the call, as other triggers do.
pub async fn send(
    ctx: &Ctx,
    pool: &UserPoolType,
    user: &User,
    source: &str,
    message: crate::mail::Message,
) -> ApiResult<()> {
    let trigger = sender_for(message.medium);
    if !super::configured(pool, trigger) {
        crate::mail::send(ctx, message).await?;
        return Ok(());
    }
    let event_source = format!(
        "{}_{}",
        trigger.name(),
        source.strip_prefix("CustomMessage_").unwrap_or(source)
    );
    let kind = match message.medium {
        Medium::Email => "customEmailSenderRequestV1",
        Medium::Sms => "customSMSSenderRequestV1",
    };
    super::run(
        ctx,
        pool,
        Invocation {
            trigger,
            source: &event_source,
            user_name: &user.username,
            client_id: None,
            request: json!({
                "type": kind,
                "code": message.code,
                "clientMetadata": {},
                "userAttributes": super::stored_user_attributes(user),
            }),
            response: json!({}),
        },
    )
    .await?;
    Ok(())
}
