//! Passkeys (WebAuthn) for USER_AUTH's WEB_AUTHN factor: not implemented yet, so no user has
//! a passkey and the factor is never offered.

use super::challenge::{Call, Step};
use crate::model::user::User;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};

fn not_enabled() -> ApiError {
    ApiError::new(
        ErrorKind::WebAuthnNotEnabledException,
        "Passkey sign-in is not supported by cognito-emu yet.",
    )
}

/// Whether the user has registered a passkey.
pub async fn has_credentials(_ctx: &Ctx, _user: &User) -> ApiResult<bool> {
    Ok(false)
}

/// The WEB_AUTHN challenge (CREDENTIAL_REQUEST_OPTIONS) for a user.
pub async fn sign_in_challenge(_ctx: &Ctx, _call: &Call, _user: &User) -> ApiResult<Step> {
    Err(not_enabled())
}

/// Checks a WEB_AUTHN CREDENTIAL answered to the challenge `issued`.
pub async fn sign_in(
    _ctx: &Ctx,
    _call: &Call,
    _user: User,
    _issued: &str,
    _credential: &str,
) -> ApiResult<Step> {
    Err(not_enabled())
}
