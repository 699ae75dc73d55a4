//! Multi-factor authentication: the pool's MFA configuration (SetUserPoolMfaConfig,
//! GetUserPoolMfaConfig), software tokens (AssociateSoftwareToken, VerifySoftwareToken, real
//! TOTP), users' factors (SetUserMFAPreference, AdminSetUserMFAPreference), and the sign-in
//! challenges that follow a correct password: SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA,
//! SELECT_MFA_TYPE and MFA_SETUP.
//!
//! `MfaConfiguration` (OFF / ON / OPTIONAL) lives in the pool document, so DescribeUserPool
//! shows it; which factors the pool offers, and each user's factors, live in `store::mfa`.

use super::challenge::{self, Call, ChallengeState, Outcome, Step, check_enabled, param};
use super::shapes::*;
use super::users::lookup::require_user;
use crate::crypto::hex::sha256_hex;
use crate::crypto::totp;
use crate::mail::Medium;
use crate::model::user::User;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SMS_MFA: &str = "SMS_MFA";
pub const SOFTWARE_TOKEN_MFA: &str = "SOFTWARE_TOKEN_MFA";
pub const EMAIL_OTP: &str = "EMAIL_OTP";
pub(super) const DEFAULT_SMS_MESSAGE: &str = "Your authentication code is {####}. ";
pub(super) const DEFAULT_EMAIL_SUBJECT: &str = "Your sign-in code";
pub(super) const DEFAULT_EMAIL_MESSAGE: &str = "Your sign-in code is {####}.";

/// The factors a pool offers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PoolFactors {
    pub sms: Option<SmsMfaConfigType>,
    pub software_token: bool,
    pub email: Option<EmailMfaConfigType>,
    /// Passkey settings (SetUserPoolMfaConfig's WebAuthnConfiguration), see `idp::webauthn`.
    #[serde(default)]
    pub web_authn: Option<WebAuthnConfigurationType>,
}

/// A user's factors.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UserFactors {
    pub sms: bool,
    pub email: bool,
    pub software_token: bool,
    pub preferred: Option<String>,
    /// The verified TOTP secret (base32).
    pub totp_secret: Option<String>,
    /// A secret from AssociateSoftwareToken not yet verified.
    pub pending_secret: Option<String>,
    pub friendly_device_name: Option<String>,
    /// The TOTP time step of the last code accepted: a code is good once (Cognito answers
    /// "Your software token has already been used once." to a replay).
    #[serde(default)]
    pub last_totp_step: Option<i64>,
}

impl UserFactors {
    pub fn enabled(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.sms {
            v.push(SMS_MFA);
        }
        if self.software_token {
            v.push(SOFTWARE_TOKEN_MFA);
        }
        if self.email {
            v.push(EMAIL_OTP);
        }
        v
    }
}

fn mfa_configuration(pool: &UserPoolType) -> &str {
    pool.mfa_configuration.as_deref().unwrap_or("OFF")
}

pub async fn pool_factors(ctx: &Ctx, pool: &UserPoolType) -> ApiResult<PoolFactors> {
    let pool_id = pool.id.as_deref().unwrap_or_default();
    match ctx.store.pool_mfa(pool_id).await? {
        Some(doc) => serde_json::from_str(&doc).map_err(ApiError::internal),
        // A pool created with MFA and an SmsConfiguration offers SMS.
        None => Ok(PoolFactors {
            sms: (mfa_configuration(pool) != "OFF" && pool.sms_configuration.is_some()).then(
                || SmsMfaConfigType {
                    sms_authentication_message: pool.sms_authentication_message.clone(),
                    sms_configuration: pool.sms_configuration.clone(),
                },
            ),
            ..Default::default()
        }),
    }
}

pub async fn user_factors(ctx: &Ctx, user: &User) -> ApiResult<UserFactors> {
    factors_of(
        ctx.store
            .user_mfa(&user.pool_id, &user.sub)
            .await?
            .as_deref(),
    )
}

/// The factors a stored MFA settings document (None: the user has none) holds.
fn factors_of(doc: Option<&str>) -> ApiResult<UserFactors> {
    match doc {
        Some(doc) => serde_json::from_str(doc).map_err(ApiError::internal),
        None => Ok(UserFactors::default()),
    }
}

pub(super) async fn save_user_factors(ctx: &Ctx, user: &User, f: &UserFactors) -> ApiResult<()> {
    let doc = serde_json::to_string(f).map_err(ApiError::internal)?;
    ctx.store
        .put_user_mfa(&user.pool_id, &user.sub, &doc)
        .await?;
    Ok(())
}

/// What GetUser / AdminGetUser show: `(MFAOptions, UserMFASettingList, PreferredMfaSetting)`.
pub async fn user_settings(
    ctx: &Ctx,
    user: &User,
) -> ApiResult<(
    Option<Vec<MFAOptionType>>,
    Option<Vec<String>>,
    Option<String>,
)> {
    settings_of(
        ctx.store
            .user_mfa(&user.pool_id, &user.sub)
            .await?
            .as_deref(),
    )
}

/// `(MFAOptions, UserMFASettingList, PreferredMfaSetting)` as GetUser / AdminGetUser show them.
pub type MfaSettings = (
    Option<Vec<MFAOptionType>>,
    Option<Vec<String>>,
    Option<String>,
);

/// [`user_settings`] from the user's stored MFA settings document (already read).
pub fn settings_of(doc: Option<&str>) -> ApiResult<MfaSettings> {
    let f = factors_of(doc)?;
    let list: Vec<String> = f.enabled().into_iter().map(String::from).collect();
    let options = f.sms.then(|| {
        vec![MFAOptionType {
            delivery_medium: Some("SMS".into()),
            attribute_name: Some("phone_number".into()),
        }]
    });
    Ok((
        options,
        (!list.is_empty()).then_some(list),
        f.preferred.clone(),
    ))
}

fn mfa_config_response(pool: &UserPoolType, f: &PoolFactors) -> GetUserPoolMfaConfigResponse {
    GetUserPoolMfaConfigResponse {
        sms_mfa_configuration: f.sms.clone(),
        software_token_mfa_configuration: Some(SoftwareTokenMfaConfigType {
            enabled: Some(f.software_token),
        }),
        email_mfa_configuration: f.email.clone(),
        mfa_configuration: Some(mfa_configuration(pool).to_string()),
        web_authn_configuration: Some(super::webauthn::shown_configuration(f)),
    }
}

pub async fn get_user_pool_mfa_config(
    ctx: Ctx,
    input: GetUserPoolMfaConfigRequest,
) -> ApiResult<GetUserPoolMfaConfigResponse> {
    let pool = super::user_pools::load_pool(&ctx, &input.user_pool_id).await?;
    let f = pool_factors(&ctx, &pool).await?;
    Ok(mfa_config_response(&pool, &f))
}

pub async fn set_user_pool_mfa_config(
    ctx: Ctx,
    input: SetUserPoolMfaConfigRequest,
) -> ApiResult<SetUserPoolMfaConfigResponse> {
    let mut pool = super::user_pools::load_pool(&ctx, &input.user_pool_id).await?;
    // Passkey settings a call leaves out stay as they were.
    let web_authn = match input.web_authn_configuration {
        Some(c) => Some(super::webauthn::checked_configuration(&pool, c)?),
        None => pool_factors(&ctx, &pool).await?.web_authn,
    };
    // The call states the whole configuration: a factor it leaves out is turned off.
    let f = PoolFactors {
        web_authn,
        sms: input.sms_mfa_configuration,
        software_token: input
            .software_token_mfa_configuration
            .and_then(|s| s.enabled)
            .unwrap_or(false),
        email: input.email_mfa_configuration,
    };
    let mode = input
        .mfa_configuration
        .unwrap_or_else(|| mfa_configuration(&pool).to_string());
    if mode != "OFF" && f.sms.is_none() && !f.software_token && f.email.is_none() {
        return Err(ApiError::invalid_parameter(
            // AWS's wording, as quoted in aws-sdk-js #4186.
            "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.",
        ));
    }
    if let Some(msg) = f
        .sms
        .as_ref()
        .and_then(|s| s.sms_authentication_message.as_deref())
        && !msg.contains("{####}")
    {
        return Err(ApiError::invalid_parameter(
            "SmsAuthenticationMessage must contain {####}.",
        ));
    }
    if let Some(msg) = f.email.as_ref().and_then(|e| e.message.as_deref())
        && !msg.contains("{####}")
    {
        return Err(ApiError::invalid_parameter(
            "EmailMfaConfiguration message must contain {####}.",
        ));
    }
    pool.mfa_configuration = Some(mode);
    if let Some(sms) = &f.sms {
        if sms.sms_authentication_message.is_some() {
            pool.sms_authentication_message = sms.sms_authentication_message.clone();
        }
        if sms.sms_configuration.is_some() {
            pool.sms_configuration = sms.sms_configuration.clone();
        }
    }
    pool.last_modified_date = Some(ctx.clock.now_epoch());
    super::user_pools::save_pool(&ctx, &pool).await?;
    let doc = serde_json::to_string(&f).map_err(ApiError::internal)?;
    ctx.store
        .put_pool_mfa(pool.id.as_deref().unwrap_or_default(), &doc)
        .await?;
    let r = mfa_config_response(&pool, &f);
    Ok(SetUserPoolMfaConfigResponse {
        sms_mfa_configuration: r.sms_mfa_configuration,
        software_token_mfa_configuration: r.software_token_mfa_configuration,
        email_mfa_configuration: r.email_mfa_configuration,
        mfa_configuration: r.mfa_configuration,
        web_authn_configuration: r.web_authn_configuration,
    })
}

/// The user an access token belongs to (with the self-service scope).
pub(super) async fn token_user(ctx: &Ctx, token: &str) -> ApiResult<User> {
    let claims = crate::tokens::verify_access_token(ctx, token).await?;
    if !claims
        .scopes
        .iter()
        .any(|s| s == crate::tokens::ADMIN_SCOPE)
    {
        return Err(ApiError::not_authorized(
            "Access Token does not have required scopes",
        ));
    }
    ctx.store
        .get_user(&claims.pool_id, &claims.username)
        .await?
        .ok_or_else(ApiError::user_not_found)
}

pub async fn associate_software_token(
    ctx: Ctx,
    input: AssociateSoftwareTokenRequest,
) -> ApiResult<AssociateSoftwareTokenResponse> {
    let secret = totp::new_secret();
    match (input.access_token.as_deref(), input.session.as_deref()) {
        (Some(token), _) => {
            let user = token_user(&ctx, token).await?;
            let mut f = user_factors(&ctx, &user).await?;
            f.pending_secret = Some(secret.clone());
            save_user_factors(&ctx, &user, &f).await?;
            Ok(AssociateSoftwareTokenResponse {
                secret_code: Some(secret),
                session: None,
            })
        }
        (None, Some(session)) => {
            let (pending, user) = challenge::load_setup(&ctx, session).await?;
            let mut f = user_factors(&ctx, &user).await?;
            f.pending_secret = Some(secret.clone());
            save_user_factors(&ctx, &user, &f).await?;
            let state = ChallengeState::MfaSetup {
                sub: user.sub.clone(),
                associated: true,
                verified: false,
            };
            let session = challenge::replace(&ctx, &pending, state).await?;
            Ok(AssociateSoftwareTokenResponse {
                secret_code: Some(secret),
                session: Some(session),
            })
        }
        (None, None) => Err(ApiError::invalid_parameter(
            "Either AccessToken or Session must be provided.",
        )),
    }
}

fn totp_mismatch() -> ApiError {
    ApiError::new(
        ErrorKind::EnableSoftwareTokenMFAException,
        "Code mismatch and fail enable Software Token MFA",
    )
}

/// The time step (30 s) whose code `code` is, within one step either side of now.
fn totp_step(secret: &str, code: &str, now: i64) -> Option<i64> {
    let step = now.max(0) / 30;
    (step - 1..=step + 1)
        .filter(|s| *s >= 0)
        .find(|s| totp::code_at(secret, s * 30).is_some_and(|c| c == code.trim()))
}

/// Checks a TOTP `code` against `secret` and spends it: `mismatch` when it is not the
/// current code, ExpiredCodeException when it (or a later one) was already used.
fn spend_totp(
    f: &mut UserFactors,
    secret: &str,
    code: &str,
    now: i64,
    mismatch: ApiError,
) -> ApiResult<()> {
    let Some(step) = totp_step(secret, code, now) else {
        return Err(mismatch);
    };
    if f.last_totp_step.is_some_and(|last| step <= last) {
        return Err(ApiError::new(
            ErrorKind::ExpiredCodeException,
            "Your software token has already been used once.",
        ));
    }
    f.last_totp_step = Some(step);
    Ok(())
}

/// Checks `code` against the user's unverified secret and makes it the verified one.
async fn verify_pending(
    ctx: &Ctx,
    user: &User,
    code: &str,
    friendly: Option<String>,
) -> ApiResult<UserFactors> {
    let mut f = user_factors(ctx, user).await?;
    let Some(secret) = f.pending_secret.clone() else {
        return Err(ApiError::invalid_parameter(
            "User has not associated a software token (call AssociateSoftwareToken first).",
        ));
    };
    spend_totp(&mut f, &secret, code, ctx.clock.now_secs(), totp_mismatch())?;
    f.totp_secret = Some(secret);
    f.pending_secret = None;
    f.friendly_device_name = friendly;
    save_user_factors(ctx, user, &f).await?;
    Ok(f)
}

pub async fn verify_software_token(
    ctx: Ctx,
    input: VerifySoftwareTokenRequest,
) -> ApiResult<VerifySoftwareTokenResponse> {
    match (input.access_token.as_deref(), input.session.as_deref()) {
        (Some(token), _) => {
            let user = token_user(&ctx, token).await?;
            // The token is verified; SetUserMFAPreference turns the factor on.
            verify_pending(&ctx, &user, &input.user_code, input.friendly_device_name).await?;
            Ok(VerifySoftwareTokenResponse {
                status: Some("SUCCESS".into()),
                session: None,
            })
        }
        (None, Some(session)) => {
            let (pending, user) = challenge::load_setup(&ctx, session).await?;
            let mut f =
                verify_pending(&ctx, &user, &input.user_code, input.friendly_device_name).await?;
            // Verified during MFA_SETUP, the factor is the user's at once: a client that signs
            // in again instead of answering MFA_SETUP is asked for SOFTWARE_TOKEN_MFA (moto's
            // test_user_authentication_flow_mfa_on, checked against AWS).
            f.software_token = true;
            if f.preferred.is_none() {
                f.preferred = Some(SOFTWARE_TOKEN_MFA.into());
            }
            save_user_factors(&ctx, &user, &f).await?;
            let state = ChallengeState::MfaSetup {
                sub: user.sub.clone(),
                associated: true,
                verified: true,
            };
            let session = challenge::replace(&ctx, &pending, state).await?;
            Ok(VerifySoftwareTokenResponse {
                status: Some("SUCCESS".into()),
                session: Some(session),
            })
        }
        (None, None) => Err(ApiError::invalid_parameter(
            "Either AccessToken or Session must be provided.",
        )),
    }
}

/// Applies one factor's setting (`None`: left as it is).
fn apply_setting(
    f: &mut UserFactors,
    name: &'static str,
    enabled: Option<bool>,
    preferred: Option<bool>,
) {
    let slot = match name {
        SMS_MFA => &mut f.sms,
        SOFTWARE_TOKEN_MFA => &mut f.software_token,
        _ => &mut f.email,
    };
    if let Some(on) = enabled {
        *slot = on;
    }
    let on = *slot;
    if preferred == Some(true) && on {
        f.preferred = Some(name.to_string());
    } else if (preferred == Some(false) || !on) && f.preferred.as_deref() == Some(name) {
        f.preferred = None;
    }
}

fn delivery_missing(factor: &str) -> ApiError {
    ApiError::invalid_parameter(format!(
        "User does not have delivery config set to turn on {factor}"
    ))
}

pub(super) async fn set_preference(
    ctx: &Ctx,
    user: &User,
    sms: Option<SMSMfaSettingsType>,
    totp_settings: Option<SoftwareTokenMfaSettingsType>,
    email: Option<EmailMfaSettingsType>,
) -> ApiResult<()> {
    let mut f = user_factors(ctx, user).await?;
    if let Some(s) = sms {
        if s.enabled == Some(true) && user.attr("phone_number").is_none() {
            return Err(delivery_missing(SMS_MFA));
        }
        apply_setting(&mut f, SMS_MFA, s.enabled, s.preferred_mfa);
    }
    if let Some(s) = totp_settings {
        if s.enabled == Some(true) && f.totp_secret.is_none() {
            return Err(ApiError::invalid_parameter(
                "User has not verified software token mfa",
            ));
        }
        apply_setting(&mut f, SOFTWARE_TOKEN_MFA, s.enabled, s.preferred_mfa);
    }
    if let Some(s) = email {
        if s.enabled == Some(true) && user.attr("email").is_none() {
            return Err(delivery_missing(EMAIL_OTP));
        }
        apply_setting(&mut f, EMAIL_OTP, s.enabled, s.preferred_mfa);
    }
    save_user_factors(ctx, user, &f).await
}

pub async fn set_user_mfa_preference(
    ctx: Ctx,
    input: SetUserMFAPreferenceRequest,
) -> ApiResult<serde_json::Value> {
    let user = token_user(&ctx, &input.access_token).await?;
    set_preference(
        &ctx,
        &user,
        input.sms_mfa_settings,
        input.software_token_mfa_settings,
        input.email_mfa_settings,
    )
    .await?;
    Ok(serde_json::json!({}))
}

pub async fn admin_set_user_mfa_preference(
    ctx: Ctx,
    input: AdminSetUserMFAPreferenceRequest,
) -> ApiResult<serde_json::Value> {
    let pool = super::user_pools::load_pool(&ctx, &input.user_pool_id).await?;
    let user = require_user(&ctx, &pool, &input.username).await?;
    set_preference(
        &ctx,
        &user,
        input.sms_mfa_settings,
        input.software_token_mfa_settings,
        input.email_mfa_settings,
    )
    .await?;
    Ok(serde_json::json!({}))
}

pub mod sign_in;

#[cfg(test)]
mod tests;
