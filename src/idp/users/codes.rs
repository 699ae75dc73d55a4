//! One-time codes sent to a user (confirmation, attribute verification, password reset):
//! made, stored with their lifetime, delivered through the pool's messages, and checked.

use super::destinations::Destination;
use crate::idp::shapes::*;
use crate::model::user::User;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::triggers::custom_message;

/// Code lifetimes.
pub const CONFIRMATION_CODE_SECS: f64 = 24.0 * 3600.0;
pub const RESET_CODE_SECS: f64 = 3600.0;

/// Makes a code for `purpose`, stores it, and sends the pool's verification message with
/// it to `dest`. Answers the CodeDeliveryDetails.
pub async fn send_code(
    ctx: &Ctx,
    pool: &UserPoolType,
    user: &User,
    dest: &Destination,
    purpose: &str,
    kind: &str,
    validity_secs: f64,
) -> ApiResult<CodeDeliveryDetailsType> {
    let code = crate::mail::new_code(ctx);
    let (subject, template) = match dest.medium {
        crate::mail::Medium::Email => {
            let (subject, template) = crate::mail::templates::verification_email(pool);
            (Some(subject), template)
        }
        crate::mail::Medium::Sms => (None, crate::mail::templates::verification_sms(pool)),
    };
    // CustomMessage first: a failing function fails the call before a code exists.
    let (subject, body) = custom_message::compose(
        ctx,
        pool,
        user,
        custom_message::source_for(kind),
        custom_message::Draft {
            medium: dest.medium,
            subject,
            template,
        },
        &code,
    )
    .await?;
    ctx.store
        .put_code(
            &user.pool_id,
            &user.username,
            purpose,
            &code,
            ctx.clock.now_epoch() + validity_secs,
        )
        .await?;
    custom_message::send(
        ctx,
        pool,
        user,
        custom_message::source_for(kind),
        crate::mail::Message {
            pool_id: user.pool_id.clone(),
            username: user.username.clone(),
            to: dest.to.clone(),
            medium: dest.medium,
            // UpdateUserAttributes' codes are filed as attribute verifications, as before.
            kind: if kind == "update_attribute" {
                "verify_attribute".to_string()
            } else {
                kind.to_string()
            },
            subject,
            body,
            code: Some(code),
        },
    )
    .await?;
    Ok(dest.details())
}

/// Checks `given` against the stored code for `purpose`: CodeMismatchException when there
/// is none or it differs, ExpiredCodeException when it is past its time. The caller deletes
/// the code ([`Store::delete_code`](crate::store::Store::delete_code)) once the action succeeded.
pub async fn check_code(ctx: &Ctx, user: &User, purpose: &str, given: &str) -> ApiResult<()> {
    let stored = ctx
        .store
        .get_code(&user.pool_id, &user.username, purpose)
        .await?;
    let Some(stored) = stored.filter(|c| c.code == given.trim()) else {
        return Err(code_mismatch());
    };
    if ctx.clock.now_epoch() > stored.expires {
        return Err(ApiError::new(
            ErrorKind::ExpiredCodeException,
            "Invalid code provided, please request a code again.",
        ));
    }
    Ok(())
}

pub fn code_mismatch() -> ApiError {
    ApiError::new(
        ErrorKind::CodeMismatchException,
        "Invalid verification code provided, please try again.",
    )
}

/// Purpose of the code that verifies `attribute` (email / phone_number).
pub fn verify_purpose(attribute: &str) -> String {
    format!("verify:{attribute}")
}

pub const FORGOT_PASSWORD: &str = "forgot_password";
