//! The pool's message templates, with Cognito's defaults when the pool sets none.

use crate::protocol::generated::idp::UserPoolType;

const DEFAULT_VERIFICATION_SUBJECT: &str = "Your verification code";
const DEFAULT_VERIFICATION_MESSAGE: &str = "Your verification code is {####}. ";
const DEFAULT_INVITE_SUBJECT: &str = "Your temporary password";
const DEFAULT_INVITE_MESSAGE: &str =
    "Your username is {username} and temporary password is {####}. ";

/// (subject, body template) of verification / reset emails.
pub fn verification_email(pool: &UserPoolType) -> (String, String) {
    let t = pool.verification_message_template.as_ref();
    let subject = t
        .and_then(|t| t.email_subject.clone())
        .or_else(|| pool.email_verification_subject.clone())
        .unwrap_or_else(|| DEFAULT_VERIFICATION_SUBJECT.to_string());
    let body = t
        .and_then(|t| t.email_message.clone())
        .or_else(|| pool.email_verification_message.clone())
        .unwrap_or_else(|| DEFAULT_VERIFICATION_MESSAGE.to_string());
    (subject, body)
}

/// Body template of verification / reset SMS messages.
pub fn verification_sms(pool: &UserPoolType) -> String {
    pool.verification_message_template
        .as_ref()
        .and_then(|t| t.sms_message.clone())
        .or_else(|| pool.sms_verification_message.clone())
        .unwrap_or_else(|| DEFAULT_VERIFICATION_MESSAGE.to_string())
}

/// (subject, email body template, SMS template) of AdminCreateUser invitations.
pub fn invitation(pool: &UserPoolType) -> (String, String, String) {
    let t = pool
        .admin_create_user_config
        .as_ref()
        .and_then(|c| c.invite_message_template.as_ref());
    (
        t.and_then(|t| t.email_subject.clone())
            .unwrap_or_else(|| DEFAULT_INVITE_SUBJECT.to_string()),
        t.and_then(|t| t.email_message.clone())
            .unwrap_or_else(|| DEFAULT_INVITE_MESSAGE.to_string()),
        t.and_then(|t| t.sms_message.clone())
            .unwrap_or_else(|| DEFAULT_INVITE_MESSAGE.to_string()),
    )
}
