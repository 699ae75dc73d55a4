//! Choice-based sign-in (`AuthFlow: USER_AUTH`): the pool's sign-in policy lists the first
//! factors users may start with (PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN); InitiateAuth goes
//! straight to the PREFERRED_CHALLENGE when this user can use it, else answers
//! SELECT_CHALLENGE with the AvailableChallenges. Also GetUserAuthFactors /
//! AdminGetUserAuthFactors, and the sign-in with the Session ConfirmSignUp returns.
//!
//! AWS pages this follows:
//! - InitiateAuth / AdminInitiateAuth API reference, AuthParameters (USER_AUTH: USERNAME,
//!   PREFERRED_CHALLENGE; without it "Amazon Cognito responds with the AvailableChallenges")
//!   and `Session` ("the optional session ID from a ConfirmSignUp API request ... Amazon Cognito
//!   assumes the ... one-time verification password from ConfirmSignUp as the primary
//!   authentication factor ... only valid for users ... signing in for the first time").
//! - ChallengeResponseType / RespondToAuthChallenge ChallengeName: SELECT_CHALLENGE is
//!   answered with ANSWER plus the chosen factor's parameters (PASSWORD, SRP_A, CREDENTIAL
//!   complete in that call; EMAIL_OTP / SMS_OTP send a code answered as EMAIL_OTP_CODE /
//!   SMS_OTP_CODE).
//! - GetUserAuthFactors: ConfiguredUserAuthFactors are "the authentication types that are
//!   available to the user with USER_AUTH sign-in".
//! - Amplify "Passwordless" concept page, citing Cognito's MFA prerequisites: a user with MFA
//!   configured gets no passwordless options (so only PASSWORD / PASSWORD_SRP are offered to
//!   them, and the password factor goes on to MFA as the pool requires).

use super::challenge::{
    self, Call, ChallengeState, Outcome, Step, check_enabled, check_not_reset, param,
};
use super::shapes::*;
use super::users::lookup::{require_user, resolve_user};
use crate::crypto::hex::sha256_hex;
use crate::mail::Medium;
use crate::model::user::{User, UserStatus};
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const PASSWORD: &str = "PASSWORD";
pub const PASSWORD_SRP: &str = "PASSWORD_SRP";
pub const EMAIL_OTP: &str = "EMAIL_OTP";
pub const SMS_OTP: &str = "SMS_OTP";
pub const WEB_AUTHN: &str = "WEB_AUTHN";
const SELECT_CHALLENGE: &str = "SELECT_CHALLENGE";
/// ConfirmSignUp's Session, before InitiateAuth spends it (never a ChallengeName on the wire).
const SIGNED_UP: &str = "CONFIRMED_SIGN_UP";
/// SignUp's Session, before ConfirmSignUp exchanges it.
const SIGNING_UP: &str = "SIGN_UP";

/// The first factors a sign-in policy may list (SignInPolicyType.AllowedFirstAuthFactors).
pub const FIRST_FACTORS: [&str; 4] = [PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN];

/// What a USER_AUTH challenge remembers between calls (one of `ChallengeState`'s variants;
/// no member may be called `challenge`, the outer enum's tag).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "factor", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FactorState {
    /// SELECT_CHALLENGE: the factors offered.
    Select { sub: String, available: Vec<String> },
    /// PASSWORD asked for on its own (PREFERRED_CHALLENGE without PASSWORD).
    Password { sub: String },
    /// PASSWORD_SRP asked for on its own (PREFERRED_CHALLENGE without SRP_A).
    PasswordSrp { sub: String },
    /// EMAIL_OTP or SMS_OTP as the first factor: only a hash of the code is kept.
    Otp {
        sub: String,
        sms: bool,
        code_sha256: String,
    },
    /// WEB_AUTHN: the assertion challenge sent (base64url).
    WebAuthn { sub: String, issued: String },
    /// StartWebAuthnRegistration: the creation challenge sent (base64url) and the relying
    /// party it was for (kept for CompleteWebAuthnRegistration, never a ChallengeName).
    Registration {
        sub: String,
        issued: String,
        rp_id: String,
    },
    /// SignUp's Session (exchanged by ConfirmSignUp).
    SigningUp { sub: String },
    /// ConfirmSignUp's Session (spent by InitiateAuth USER_AUTH).
    SignedUp { sub: String },
}

impl FactorState {
    pub fn name(&self) -> &'static str {
        match self {
            FactorState::Select { .. } => SELECT_CHALLENGE,
            FactorState::Password { .. } => PASSWORD,
            FactorState::PasswordSrp { .. } => PASSWORD_SRP,
            FactorState::Otp { sms: true, .. } => SMS_OTP,
            FactorState::Otp { sms: false, .. } => EMAIL_OTP,
            FactorState::WebAuthn { .. } => WEB_AUTHN,
            FactorState::Registration { .. } => "WEB_AUTHN_REGISTRATION",
            FactorState::SigningUp { .. } => SIGNING_UP,
            FactorState::SignedUp { .. } => SIGNED_UP,
        }
    }

    pub fn sub(&self) -> &str {
        match self {
            FactorState::Select { sub, .. }
            | FactorState::Password { sub }
            | FactorState::PasswordSrp { sub }
            | FactorState::Otp { sub, .. }
            | FactorState::WebAuthn { sub, .. }
            | FactorState::Registration { sub, .. }
            | FactorState::SigningUp { sub }
            | FactorState::SignedUp { sub } => sub,
        }
    }
}

fn state(f: FactorState) -> ChallengeState {
    ChallengeState::UserAuth(f)
}

/// The pool's allowed first factors (PASSWORD only when it has no sign-in policy).
pub fn allowed_first_factors(pool: &UserPoolType) -> Vec<String> {
    pool.policies
        .as_ref()
        .and_then(|p| p.sign_in_policy.as_ref())
        .and_then(|s| s.allowed_first_auth_factors.clone())
        .unwrap_or_else(|| vec![PASSWORD.to_string()])
}

/// Whether the pool lets users sign in without a password (a passwordless first factor).
pub fn pool_allows_passwordless(pool: &UserPoolType) -> bool {
    allowed_first_factors(pool).iter().any(|f| f != PASSWORD)
}

/// Checks a sign-in policy as Create/UpdateUserPool receive it: known factors, no repeats,
/// and passwordless factors only on the Essentials tier or higher (SignInPolicyType:
/// "To activate this setting, your user pool must be in the Essentials tier or higher").
pub fn validate_sign_in_policy(pool: &UserPoolType) -> ApiResult<()> {
    let factors = allowed_first_factors(pool);
    if factors.is_empty() {
        return Err(ApiError::invalid_parameter(
            "1 validation error detected: Value '[]' at 'policies.signInPolicy.allowedFirstAuthFactors' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    if let Some(bad) = factors
        .iter()
        .find(|f| !FIRST_FACTORS.contains(&f.as_str()))
    {
        return Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '[{bad}]' at 'policies.signInPolicy.allowedFirstAuthFactors' failed to satisfy constraint: Member must satisfy enum value set: [PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN]"
        )));
    }
    let mut sorted = factors.clone();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != factors.len() {
        return Err(ApiError::invalid_parameter(
            "Duplicate values are not allowed in AllowedFirstAuthFactors.",
        ));
    }
    if pool_allows_passwordless(pool) && pool.user_pool_tier.as_deref() == Some("LITE") {
        return Err(ApiError::new(
            ErrorKind::FeatureUnavailableInTierException,
            "Passwordless sign-in (AllowedFirstAuthFactors other than PASSWORD) requires the ESSENTIALS or PLUS feature plan.",
        ));
    }
    Ok(())
}

/// Whether a user with `factors` of MFA is kept to password factors (see the module head).
async fn has_mfa(ctx: &Ctx, user: &User) -> ApiResult<bool> {
    Ok(!super::mfa::user_factors(ctx, user)
        .await?
        .enabled()
        .is_empty())
}

/// The first factors this user can use in this pool, in Cognito's order.
pub async fn available(ctx: &Ctx, pool: &UserPoolType, user: &User) -> ApiResult<Vec<String>> {
    let allowed = allowed_first_factors(pool);
    let allows = |f: &str| allowed.iter().any(|a| a == f);
    let mut out = Vec::new();
    if allows(PASSWORD) && user.password.is_some() {
        out.push(PASSWORD.to_string());
        out.push(PASSWORD_SRP.to_string());
    }
    if pool_allows_passwordless(pool) && !has_mfa(ctx, user).await? {
        if allows(EMAIL_OTP) && user.attr("email").is_some_and(|e| !e.is_empty()) {
            out.push(EMAIL_OTP.to_string());
        }
        if allows(SMS_OTP) && user.attr("phone_number").is_some_and(|p| !p.is_empty()) {
            out.push(SMS_OTP.to_string());
        }
        if allows(WEB_AUTHN) && super::webauthn::has_credentials(ctx, user).await? {
            out.push(WEB_AUTHN.to_string());
        }
    }
    Ok(out)
}

/// A user's state, checked before any factor is offered.
fn check_user_state(user: &User) -> ApiResult<()> {
    check_enabled(user)?;
    check_not_reset(user)?;
    if user.status == UserStatus::Unconfirmed {
        return Err(challenge::not_confirmed());
    }
    Ok(())
}

/// InitiateAuth / AdminInitiateAuth with USER_AUTH.
pub async fn initiate(
    ctx: &Ctx,
    call: &Call,
    params: &BTreeMap<String, String>,
    session: Option<&str>,
) -> ApiResult<Step> {
    let username = param(params, "USERNAME")?;
    call.check_secret_hash(username, params)?;
    if let Some(session) = session.filter(|s| !s.is_empty()) {
        return sign_in_after_sign_up(ctx, call, username, session).await;
    }
    let Some(user) = resolve_user(ctx, &call.pool, username).await? else {
        return Err(call.unknown_user());
    };
    check_user_state(&user)?;
    let available = available(ctx, &call.pool, &user).await?;
    if available.is_empty() {
        return Err(ApiError::not_authorized(
            "The user has no sign-in method this user pool allows.",
        ));
    }
    match params.get("PREFERRED_CHALLENGE") {
        Some(p) if available.contains(p) => start_factor(ctx, call, user, p, params).await,
        _ => select_challenge(ctx, call, &user, available).await,
    }
}

async fn select_challenge(
    ctx: &Ctx,
    call: &Call,
    user: &User,
    available: Vec<String>,
) -> ApiResult<Step> {
    let session = challenge::open_session(
        ctx,
        call,
        &user.username,
        state(FactorState::Select {
            sub: user.sub.clone(),
            available: available.clone(),
        }),
    )
    .await?;
    Ok(Step::Challenge(Outcome {
        available_challenges: Some(available),
        ..Outcome::challenge(SELECT_CHALLENGE, Some(session), BTreeMap::new())
    }))
}

/// Starts (or, when `params` already carry its answer, completes) one first factor.
async fn start_factor(
    ctx: &Ctx,
    call: &Call,
    user: User,
    factor: &str,
    params: &BTreeMap<String, String>,
) -> ApiResult<Step> {
    let with_username = |mut p: BTreeMap<String, String>| {
        p.entry("USERNAME".to_string())
            .or_insert_with(|| user.username.clone());
        p
    };
    match factor {
        PASSWORD if params.contains_key("PASSWORD") => {
            super::auth::password_step(ctx, call, &with_username(params.clone())).await
        }
        PASSWORD_SRP if params.contains_key("SRP_A") => {
            super::auth::start_srp(ctx, call, &with_username(params.clone()))
                .await
                .map(Step::Challenge)
        }
        PASSWORD | PASSWORD_SRP => {
            let sub = user.sub.clone();
            let f = if factor == PASSWORD {
                FactorState::Password { sub }
            } else {
                FactorState::PasswordSrp { sub }
            };
            let session = challenge::open_session(ctx, call, &user.username, state(f)).await?;
            Ok(Step::Challenge(Outcome::challenge(
                factor,
                Some(session),
                BTreeMap::new(),
            )))
        }
        EMAIL_OTP | SMS_OTP => send_otp(ctx, call, &user, factor == SMS_OTP).await,
        // A CREDENTIAL can only answer a challenge already issued: the WEB_AUTHN challenge
        // (CREDENTIAL_REQUEST_OPTIONS) comes first.
        WEB_AUTHN => super::webauthn::sign_in_challenge(ctx, call, &user).await,
        _ => Err(ApiError::invalid_parameter(format!(
            "{factor} is not a USER_AUTH challenge."
        ))),
    }
}

/// Sends a sign-in code (dev mailbox kind `otp`) and opens its challenge.
async fn send_otp(ctx: &Ctx, call: &Call, user: &User, sms: bool) -> ApiResult<Step> {
    challenge::pre_authentication(ctx, call, user).await?;
    let (medium, attribute) = if sms {
        (Medium::Sms, "phone_number")
    } else {
        (Medium::Email, "email")
    };
    let to = user
        .attr(attribute)
        .ok_or_else(|| ApiError::invalid_parameter(format!("The user has no {attribute}.")))?
        .to_string();
    let code = crate::mail::new_code(ctx);
    // The MFA message settings are the sign-in code's too (EmailMfaConfigType: "message MFA
    // and sign-in with one-time passwords").
    let pool_f = super::mfa::pool_factors(ctx, &call.pool).await?;
    let (subject, template) = if sms {
        (
            None,
            pool_f
                .sms
                .and_then(|s| s.sms_authentication_message)
                .or_else(|| call.pool.sms_authentication_message.clone())
                .unwrap_or_else(|| super::mfa::DEFAULT_SMS_MESSAGE.into()),
        )
    } else {
        let e = pool_f.email.unwrap_or_default();
        (
            Some(
                e.subject
                    .unwrap_or_else(|| super::mfa::DEFAULT_EMAIL_SUBJECT.into()),
            ),
            e.message
                .unwrap_or_else(|| super::mfa::DEFAULT_EMAIL_MESSAGE.into()),
        )
    };
    let (subject, body) = crate::triggers::custom_message::compose(
        ctx,
        &call.pool,
        user,
        "CustomMessage_Authentication",
        crate::triggers::custom_message::Draft {
            medium,
            subject,
            template,
        },
        &code,
    )
    .await?;
    crate::triggers::custom_message::send(
        ctx,
        &call.pool,
        user,
        "CustomMessage_Authentication",
        crate::mail::Message {
            pool_id: user.pool_id.clone(),
            username: user.username.clone(),
            to: to.clone(),
            medium,
            kind: "otp".into(),
            subject,
            body,
            code: Some(code.clone()),
        },
    )
    .await?;
    let f = FactorState::Otp {
        sub: user.sub.clone(),
        sms,
        code_sha256: sha256_hex(&code),
    };
    let name = f.name();
    let session = challenge::open_session(ctx, call, &user.username, state(f)).await?;
    let params = BTreeMap::from([
        (
            "CODE_DELIVERY_DELIVERY_MEDIUM".to_string(),
            medium.as_str().to_string(),
        ),
        (
            "CODE_DELIVERY_DESTINATION".to_string(),
            crate::mail::mask_destination(medium, &to),
        ),
    ]);
    Ok(Step::Challenge(Outcome::challenge(
        name,
        Some(session),
        params,
    )))
}

/// Whether this module answers `challenge` (EMAIL_OTP is shared with MFA: the Session says
/// which one it is).
pub async fn answers(
    ctx: &Ctx,
    call: &Call,
    challenge: &str,
    session: Option<&str>,
) -> ApiResult<bool> {
    Ok(match challenge {
        SELECT_CHALLENGE | PASSWORD | PASSWORD_SRP | SMS_OTP | WEB_AUTHN => true,
        EMAIL_OTP => matches!(
            challenge::load(ctx, call, session, EMAIL_OTP).await,
            Ok(challenge::Pending {
                state: ChallengeState::UserAuth(_),
                ..
            })
        ),
        _ => false,
    })
}

/// RespondToAuthChallenge / AdminRespondToAuthChallenge for the USER_AUTH challenges.
pub async fn respond(
    ctx: &Ctx,
    call: &Call,
    challenge_name: &str,
    username: &str,
    responses: &BTreeMap<String, String>,
    session: Option<&str>,
) -> ApiResult<Step> {
    let pending = challenge::load(ctx, call, session, challenge_name).await?;
    let ChallengeState::UserAuth(factor) = &pending.state else {
        return Err(challenge::invalid_session());
    };
    let Some(user) = challenge::user_of(ctx, call, &pending, username).await? else {
        return Err(challenge::invalid_session());
    };
    check_enabled(&user)?;
    match factor {
        FactorState::Select { available, .. } => {
            let answer = param(responses, "ANSWER")?;
            if !available.iter().any(|a| a == answer) {
                return Err(ApiError::invalid_parameter(format!(
                    "Invalid ANSWER {answer}: it must be one of the AvailableChallenges."
                )));
            }
            challenge::close(ctx, &pending).await?;
            start_factor(ctx, call, user, answer, responses).await
        }
        FactorState::Password { .. } => {
            param(responses, "PASSWORD")?;
            challenge::close(ctx, &pending).await?;
            start_factor(ctx, call, user, PASSWORD, responses).await
        }
        FactorState::PasswordSrp { .. } => {
            param(responses, "SRP_A")?;
            challenge::close(ctx, &pending).await?;
            start_factor(ctx, call, user, PASSWORD_SRP, responses).await
        }
        FactorState::Otp {
            sms, code_sha256, ..
        } => {
            let field = if *sms {
                "SMS_OTP_CODE"
            } else {
                "EMAIL_OTP_CODE"
            };
            let given = param(responses, field)?;
            let attempt = challenge::take_code_attempt(ctx, &pending).await?;
            if *code_sha256 != sha256_hex(given.trim()) {
                let mismatch = ApiError::new(
                    ErrorKind::CodeMismatchException,
                    "Invalid code or auth state for the user.",
                );
                return Err(challenge::wrong_code(ctx, &pending, attempt, mismatch).await);
            }
            challenge::close(ctx, &pending).await?;
            challenge::signed_in(ctx, call, user).await
        }
        FactorState::WebAuthn { issued, .. } => {
            let credential = param(responses, "CREDENTIAL")?;
            challenge::close(ctx, &pending).await?;
            super::webauthn::sign_in(ctx, call, user, issued, credential).await
        }
        FactorState::SigningUp { .. }
        | FactorState::SignedUp { .. }
        | FactorState::Registration { .. } => Err(challenge::invalid_session()),
    }
}

/// InitiateAuth USER_AUTH with the Session ConfirmSignUp returned: the confirmation code
/// was the first factor, so the user is signed in (once, within the session's lifetime).
async fn sign_in_after_sign_up(
    ctx: &Ctx,
    call: &Call,
    username: &str,
    session: &str,
) -> ApiResult<Step> {
    let pending = challenge::load(ctx, call, Some(session), SIGNED_UP).await?;
    let Some(user) = challenge::user_of(ctx, call, &pending, username).await? else {
        return Err(challenge::invalid_session());
    };
    check_user_state(&user)?;
    challenge::close(ctx, &pending).await?;
    challenge::signed_in(ctx, call, user).await
}

/// The Session SignUp returns to a client that may sign in with USER_AUTH.
pub async fn sign_up_session(ctx: &Ctx, call: &Call, user: &User) -> ApiResult<Option<String>> {
    if !client_allows_user_auth(&call.client) {
        return Ok(None);
    }
    let f = FactorState::SigningUp {
        sub: user.sub.clone(),
    };
    challenge::open_session(ctx, call, &user.username, state(f))
        .await
        .map(Some)
}

/// The Session a successful ConfirmSignUp returns, which InitiateAuth USER_AUTH accepts instead
/// of a first factor: for a client that allows USER_AUTH. SignUp's Session, when given, is
/// spent for it; a Session that is not SignUp's for this user gets none back (the confirmation
/// itself stands).
pub async fn confirm_sign_up_session(
    ctx: &Ctx,
    call: &Call,
    user: &User,
    sign_up_session: Option<&str>,
) -> ApiResult<Option<String>> {
    if !client_allows_user_auth(&call.client) {
        return Ok(None);
    }
    if let Some(session) = sign_up_session {
        let Ok(pending) = challenge::load(ctx, call, Some(session), SIGNING_UP).await else {
            return Ok(None);
        };
        if pending.state.sub() != user.sub || challenge::close(ctx, &pending).await.is_err() {
            return Ok(None);
        }
    }
    let f = FactorState::SignedUp {
        sub: user.sub.clone(),
    };
    challenge::open_session(ctx, call, &user.username, state(f))
        .await
        .map(Some)
}

pub fn client_allows_user_auth(client: &UserPoolClientType) -> bool {
    super::clients::explicit_auth_flows(client)
        .iter()
        .any(|f| f == "ALLOW_USER_AUTH")
}

/// SignUp without a Password is allowed when all of AWS's conditions hold ("Signing up and
/// confirming user accounts", Passwords at sign-up): passwordless sign-in active in the pool
/// and the app client, the user gives an attribute for an allowed one-time-password factor,
/// and the pool verifies that attribute automatically.
pub fn check_passwordless_sign_up(
    pool: &UserPoolType,
    client: &UserPoolClientType,
    user: &User,
) -> ApiResult<()> {
    let allowed = allowed_first_factors(pool);
    let auto = pool.auto_verified_attributes.clone().unwrap_or_default();
    let usable = |factor: &str, attr: &str| {
        allowed.iter().any(|a| a == factor)
            && user.attr(attr).is_some_and(|v| !v.is_empty())
            && auto.iter().any(|a| a == attr)
    };
    if client_allows_user_auth(client)
        && pool_allows_passwordless(pool)
        && (usable(EMAIL_OTP, "email") || usable(SMS_OTP, "phone_number"))
    {
        return Ok(());
    }
    Err(ApiError::invalid_parameter(
        "Password is required: this sign-up meets none of the passwordless sign-up conditions (a passwordless factor allowed in the pool and the app client, and an automatically verified email or phone number for it).",
    ))
}

async fn auth_factors(
    ctx: &Ctx,
    pool: &UserPoolType,
    user: &User,
) -> ApiResult<GetUserAuthFactorsResponse> {
    let (_, list, preferred) = super::mfa::user_settings(ctx, user).await?;
    let mut factors = available(ctx, pool, user).await?;
    factors.retain(|f| f != PASSWORD_SRP);
    Ok(GetUserAuthFactorsResponse {
        username: user.username.clone(),
        preferred_mfa_setting: preferred,
        user_mfa_setting_list: list,
        configured_user_auth_factors: Some(factors),
    })
}

pub async fn get_user_auth_factors(
    ctx: Ctx,
    input: GetUserAuthFactorsRequest,
) -> ApiResult<GetUserAuthFactorsResponse> {
    let (_, pool, user) = super::self_service::signed_in(&ctx, &input.access_token).await?;
    auth_factors(&ctx, &pool, &user).await
}

pub async fn admin_get_user_auth_factors(
    ctx: Ctx,
    input: AdminGetUserAuthFactorsRequest,
) -> ApiResult<AdminGetUserAuthFactorsResponse> {
    let pool = super::user_pools::load_pool(&ctx, &input.user_pool_id).await?;
    let user = require_user(&ctx, &pool, &input.username).await?;
    let r = auth_factors(&ctx, &pool, &user).await?;
    Ok(AdminGetUserAuthFactorsResponse {
        username: r.username,
        preferred_mfa_setting: r.preferred_mfa_setting,
        user_mfa_setting_list: r.user_mfa_setting_list,
        configured_user_auth_factors: r.configured_user_auth_factors,
    })
}

#[cfg(test)]
mod tests;
