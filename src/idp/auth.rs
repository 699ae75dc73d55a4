//! Sign-in: InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge,
//! AdminRespondToAuthChallenge and GetTokensFromRefreshToken.
//!
//! Flows: USER_SRP_AUTH (a real SRP-6a handshake, state kept between the two calls),
//! USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH, REFRESH_TOKEN(_AUTH).
//! Challenges: PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED; the MFA challenges that may follow
//! a correct password are in `idp::mfa`.

use super::challenge::{
    self, Call, ChallengeState, CustomRound, Outcome, Step, check_enabled, check_not_reset,
    incorrect, invalid_session, param, random_b64, reset_required,
};
use super::shapes::*;
use super::users::lookup::resolve_user;
use super::users::password_policy::{PolicyWording, check_password_policy};
use super::users::public_call::check_secret_hash;
use crate::crypto::srp;
use crate::model::user::{User, UserStatus};
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};
use crate::store::sign_in_attempts::{Lockout, SignInAttempt};
use crate::tokens::{self, Grant, RefreshMode, refresh};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use num_bigint::BigUint;
use rand::RngCore;
use std::collections::BTreeMap;

/// Cognito's lockout: from the fifth failure in a row each one locks the user out for a
/// time that doubles (1 s, 2 s, ...), topping out around 15 minutes.
const LOCKOUT: Lockout = Lockout {
    after: 5,
    max_secs: 900.0,
};
/// How far a PASSWORD_VERIFIER TIMESTAMP may be from the server's clock.
const TIMESTAMP_SKEW_SECS: i64 = 300;

const PUBLIC_FLOWS: &[&str] = &[
    "USER_SRP_AUTH",
    "USER_PASSWORD_AUTH",
    "REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN",
    "CUSTOM_AUTH",
    "USER_AUTH",
];
const ADMIN_FLOWS: &[&str] = &[
    "USER_SRP_AUTH",
    "ADMIN_NO_SRP_AUTH",
    "ADMIN_USER_PASSWORD_AUTH",
    "REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN",
    "CUSTOM_AUTH",
    "USER_AUTH",
];

/// ExplicitAuthFlows, as Cognito enforces them. Clients whose list holds only the legacy
/// values (no `ALLOW_*`) always allow SRP and refresh.
fn check_flow_enabled(call: &Call, flow: &str) -> ApiResult<()> {
    let flows = super::clients::explicit_auth_flows(&call.client);
    let has = |f: &str| flows.iter().any(|x| x == f);
    let legacy_only = !flows.iter().any(|f| f.starts_with("ALLOW_"));
    let allowed = match flow {
        "USER_SRP_AUTH" => has("ALLOW_USER_SRP_AUTH") || legacy_only,
        "USER_PASSWORD_AUTH" => has("ALLOW_USER_PASSWORD_AUTH") || has("USER_PASSWORD_AUTH"),
        "ADMIN_NO_SRP_AUTH" | "ADMIN_USER_PASSWORD_AUTH" => {
            has("ALLOW_ADMIN_USER_PASSWORD_AUTH") || has("ADMIN_NO_SRP_AUTH")
        }
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => has("ALLOW_REFRESH_TOKEN_AUTH") || legacy_only,
        "CUSTOM_AUTH" => has("ALLOW_CUSTOM_AUTH") || has("CUSTOM_AUTH_FLOW_ONLY"),
        "USER_AUTH" => has("ALLOW_USER_AUTH"),
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::invalid_parameter(format!(
            "{flow} flow not enabled for this client"
        )))
    }
}

pub async fn initiate_auth(
    ctx: Ctx,
    input: InitiateAuthRequest,
) -> ApiResult<InitiateAuthResponse> {
    let params = input.auth_parameters.unwrap_or_default();
    let call = Call::load(&ctx, None, &input.client_id)
        .await?
        .with_metadata(input.client_metadata)
        .with_device(&params);
    Ok(initiate(
        &ctx,
        &call,
        &input.auth_flow,
        &params,
        input.session.as_deref(),
    )
    .await?
    .into())
}

pub async fn admin_initiate_auth(
    ctx: Ctx,
    input: AdminInitiateAuthRequest,
) -> ApiResult<AdminInitiateAuthResponse> {
    let params = input.auth_parameters.unwrap_or_default();
    let call = Call::load(&ctx, Some(&input.user_pool_id), &input.client_id)
        .await?
        .with_metadata(input.client_metadata)
        .with_device(&params);
    Ok(initiate(
        &ctx,
        &call,
        &input.auth_flow,
        &params,
        input.session.as_deref(),
    )
    .await?
    .into())
}

async fn initiate(
    ctx: &Ctx,
    call: &Call,
    flow: &str,
    params: &BTreeMap<String, String>,
    session: Option<&str>,
) -> ApiResult<Outcome> {
    let endpoint_flows = if call.admin {
        ADMIN_FLOWS
    } else {
        PUBLIC_FLOWS
    };
    if !endpoint_flows.contains(&flow) {
        return Err(ApiError::invalid_parameter(
            "Initiate Auth method not supported.",
        ));
    }
    check_flow_enabled(call, flow)?;
    match flow {
        "USER_SRP_AUTH" => start_srp(ctx, call, params).await,
        "USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" | "ADMIN_USER_PASSWORD_AUTH" => {
            let step = password_step(ctx, call, params).await?;
            finish(ctx, call, step).await
        }
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => refresh_sign_in(ctx, call, params).await,
        "CUSTOM_AUTH" => {
            let step = super::custom_auth::start(ctx, call, params).await?;
            finish(ctx, call, step).await
        }
        "USER_AUTH" => {
            let step = super::user_auth::initiate(ctx, call, params, session).await?;
            finish(ctx, call, step).await
        }
        _ => Err(ApiError::invalid_parameter(format!(
            "{flow} is not supported by cognito-emu yet."
        ))),
    }
}

/// What the API answers for a step: tokens once signed in, else the challenge.
pub async fn finish(ctx: &Ctx, call: &Call, step: Step) -> ApiResult<Outcome> {
    match step {
        Step::SignedIn(user, source) => sign_in_complete(ctx, call, &user, source).await,
        Step::Challenge(outcome) => Ok(outcome),
    }
}

/// Refuses sign-in while a user is temporarily locked out; otherwise starts one attempt,
/// which [`end_attempt`] ends once the password is checked. From the fifth failure on each
/// one locks the user out for a time that doubles with each further failure, and later
/// attempts are refused unchecked; guesses sent in parallel are checked no more often than
/// serial ones (see `store/sign_in_attempts.rs`).
pub(crate) async fn check_lockout(ctx: &Ctx, user: &User) -> ApiResult<SignInAttempt> {
    let attempt = ctx
        .store
        .begin_sign_in_attempt(&user.pool_id, &user.sub, ctx.clock.now_epoch(), LOCKOUT)
        .await?;
    attempt.ok_or_else(|| ApiError::not_authorized("Password attempts exceeded"))
}

/// The password was checked: a right one clears the user's failures so far, a wrong one
/// counts as one.
pub(crate) async fn end_attempt(
    ctx: &Ctx,
    attempt: SignInAttempt,
    password_ok: bool,
) -> ApiResult<()> {
    let now = ctx.clock.now_epoch();
    ctx.store
        .end_sign_in_attempt(attempt, password_ok, now, LOCKOUT)
        .await?;
    Ok(())
}

/// A username and password (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, ADMIN_NO_SRP_AUTH,
/// and the hosted login page): the user's state, lockout and password checked in Cognito's
/// order, then where a correct password leads.
pub async fn password_step(
    ctx: &Ctx,
    call: &Call,
    params: &BTreeMap<String, String>,
) -> ApiResult<Step> {
    let username = param(params, "USERNAME")?;
    let given_password = param(params, "PASSWORD")?;
    call.check_secret_hash(username, params)?;
    let user = match resolve_user(ctx, &call.pool, username).await? {
        Some(user) => user,
        // An unknown user may live in the team's legacy store (UserMigration).
        None => super::user_migration::on_sign_in(ctx, call, username, given_password)
            .await?
            .ok_or_else(|| call.unknown_user())?,
    };
    check_enabled(&user)?;
    check_not_reset(&user)?;
    challenge::pre_authentication(ctx, call, &user).await?;
    let attempt = check_lockout(ctx, &user).await?;
    let ok = match &user.password {
        Some(stored) => {
            crate::cpu::check_password(&call.pool_id, &user.username, given_password, stored)
                .await?
        }
        None => false,
    };
    end_attempt(ctx, attempt, ok).await?;
    if !ok {
        return Err(incorrect());
    }
    after_password(ctx, call, user).await
}

/// Where a verified password leads: the user's state, then MFA, then signed in. The hosted
/// pages call it too when a sign-in continues after the user confirmed their account.
pub async fn after_password(ctx: &Ctx, call: &Call, user: User) -> ApiResult<Step> {
    match user.status {
        UserStatus::Unconfirmed => Err(challenge::not_confirmed()),
        UserStatus::ResetRequired => Err(reset_required()),
        UserStatus::ForceChangePassword => new_password_challenge(ctx, call, &user)
            .await
            .map(Step::Challenge),
        _ => second_factor(ctx, call, user).await,
    }
}

/// The password step is done: a remembered device in place of MFA when the pool allows it,
/// an MFA challenge when the user needs one, else signed in.
async fn second_factor(ctx: &Ctx, call: &Call, user: User) -> ApiResult<Step> {
    if let Some(device) = super::devices::instead_of_mfa(ctx, call, &user).await? {
        return Ok(Step::Challenge(device));
    }
    Ok(
        match super::mfa::sign_in::challenge_after_password(ctx, call, &user).await? {
            Some(challenge) => Step::Challenge(challenge),
            None => return challenge::signed_in(ctx, call, user).await,
        },
    )
}

/// Tokens for a user who completed sign-in through the API.
async fn sign_in_complete(
    ctx: &Ctx,
    call: &Call,
    user: &User,
    source: &'static str,
) -> ApiResult<Outcome> {
    let subject = tokens::subject_of(ctx, user).await?;
    // A sign-in that proved a device (it reaches here only through DEVICE_PASSWORD_VERIFIER)
    // keeps it; one without a device gets a new one where the pool tracks devices.
    let new_device = match (&call.device_key, &call.pool.device_configuration) {
        (None, Some(_)) => Some(super::devices::new_device(ctx, call, user).await?),
        _ => None,
    };
    let device_key = call
        .device_key
        .clone()
        .or_else(|| new_device.as_ref().and_then(|d| d.device_key.clone()));
    let grant = Grant {
        client_metadata: call.client_metadata.clone(),
        source,
        device_key,
        ..Grant::api()
    };
    let result = tokens::issue(
        ctx,
        &call.pool_id,
        &call.client,
        &subject,
        &grant,
        RefreshMode::NewSignIn,
    )
    .await?;
    Ok(Outcome {
        authentication_result: Some(AuthenticationResultType {
            new_device_metadata: new_device,
            ..result
        }),
        ..Default::default()
    })
}

/// Required attributes of the pool's schema the user lacks, as `userAttributes.<name>`.
fn missing_required(pool: &UserPoolType, user: &User) -> Vec<String> {
    pool.schema_attributes
        .iter()
        .flatten()
        .filter(|s| s.required == Some(true))
        .filter_map(|s| s.name.clone())
        .filter(|n| n != "sub" && user.attr(n).is_none_or(str::is_empty))
        .map(|n| format!("userAttributes.{n}"))
        .collect()
}

async fn new_password_challenge(ctx: &Ctx, call: &Call, user: &User) -> ApiResult<Outcome> {
    let session = challenge::open_session(
        ctx,
        call,
        &user.username,
        ChallengeState::NewPasswordRequired {
            sub: user.sub.clone(),
        },
    )
    .await?;
    let attrs: serde_json::Map<String, serde_json::Value> = user
        .attributes
        .iter()
        .filter(|(n, _)| n != "sub")
        .map(|(n, v)| (n.clone(), serde_json::Value::from(v.clone())))
        .collect();
    let params = BTreeMap::from([
        ("USER_ID_FOR_SRP".to_string(), user.username.clone()),
        (
            "requiredAttributes".to_string(),
            serde_json::Value::from(missing_required(&call.pool, user)).to_string(),
        ),
        (
            "userAttributes".to_string(),
            serde_json::Value::Object(attrs).to_string(),
        ),
    ]);
    Ok(Outcome::challenge(
        "NEW_PASSWORD_REQUIRED",
        Some(session),
        params,
    ))
}

/// The server's half of an SRP handshake (the user's PASSWORD_VERIFIER, or a device's
/// DEVICE_PASSWORD_VERIFIER): the values kept between the two calls, and the identity the
/// client hashed (pool name and user id, or device group key and device key).
pub(super) struct SrpClaim<'a> {
    pub a: &'a str,
    pub b: &'a str,
    pub b_pub: &'a str,
    pub pool_name: &'a str,
    pub user_id: &'a str,
}

impl SrpClaim<'_> {
    /// Checks the PASSWORD_CLAIM_SIGNATURE of `responses` against verifier `v`: the
    /// signature, the SECRET_BLOCK and a TIMESTAMP within the allowed skew.
    pub(super) async fn check(
        &self,
        ctx: &Ctx,
        v: BigUint,
        responses: &BTreeMap<String, String>,
    ) -> ApiResult<bool> {
        let secret_block = param(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
        let signature = param(responses, "PASSWORD_CLAIM_SIGNATURE")?.to_string();
        let timestamp = param(responses, "TIMESTAMP")?.to_string();
        let within_skew = srp::parse_timestamp(&timestamp)
            .is_some_and(|t| (t - ctx.clock.now_secs()).abs() <= TIMESTAMP_SKEW_SECS);
        let (Some(block), Some(a), Some(b_pub), Some(b), true) = (
            B64.decode(secret_block).ok(),
            parse_hex(self.a),
            parse_hex(self.b_pub),
            parse_hex(self.b),
            within_skew,
        ) else {
            return Ok(false);
        };
        let (pool_name, user_id) = (self.pool_name.to_string(), self.user_id.to_string());
        crate::cpu::run(move || {
            srp::server_key(&a, &b_pub, &b, &v).is_some_and(|key| {
                srp::verify_signature(&key, &pool_name, &user_id, &block, &timestamp, &signature)
            })
        })
        .await
    }
}

pub(crate) fn parse_hex(s: &str) -> Option<BigUint> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    BigUint::parse_bytes(s.as_bytes(), 16)
}

pub(crate) fn random_biguint(bytes: usize) -> BigUint {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    BigUint::from_bytes_be(&b)
}

pub(super) async fn start_srp(
    ctx: &Ctx,
    call: &Call,
    params: &BTreeMap<String, String>,
) -> ApiResult<Outcome> {
    let username = param(params, "USERNAME")?;
    let a_hex = param(params, "SRP_A")?;
    call.check_secret_hash(username, params)?;
    let a_pub = parse_srp_a(a_hex)?;
    let user = resolve_user(ctx, &call.pool, username).await?;
    match &user {
        Some(user) => {
            check_enabled(user)?;
            check_not_reset(user)?;
            challenge::pre_authentication(ctx, call, user).await?;
        }
        // Hiding user existence: a handshake that cannot succeed, failing at the next step
        // with "Incorrect username or password." as Cognito's does.
        None if call.prevents_existence_errors() => {}
        None => return Err(ApiError::user_not_found()),
    }
    srp_handshake(ctx, call, username, user.as_ref(), a_pub, None).await
}

/// The client's SRP_A, refused when it is not a usable public value.
pub(super) fn parse_srp_a(a_hex: &str) -> ApiResult<BigUint> {
    parse_hex(a_hex)
        .filter(|a| (a % &*srp::N) != BigUint::ZERO)
        .ok_or_else(|| ApiError::invalid_parameter("Invalid SRP_A."))
}

/// The server's first SRP step for a checked user (or the decoy for an unknown one): the
/// PASSWORD_VERIFIER challenge, its state found later by the SECRET_BLOCK. `custom` carries
/// a CUSTOM_AUTH sign-in's rounds through the handshake.
pub(super) async fn srp_handshake(
    ctx: &Ctx,
    call: &Call,
    username: &str,
    user: Option<&User>,
    a_pub: BigUint,
    custom: Option<Vec<CustomRound>>,
) -> ApiResult<Outcome> {
    let (user_id, sub, salt_hex, verifier, decoy) = match user {
        Some(user) => match &user.password {
            Some(p) if p.is_usable() => (
                user.username.clone(),
                user.sub.clone(),
                p.salt_hex.clone(),
                p.verifier(),
                false,
            ),
            _ => (
                user.username.clone(),
                user.sub.clone(),
                random_biguint(16).to_str_radix(16),
                random_biguint(256),
                true,
            ),
        },
        None => (
            username.to_string(),
            String::new(),
            random_biguint(16).to_str_radix(16),
            random_biguint(256),
            true,
        ),
    };
    let b = random_biguint(32);
    let challenge = crate::cpu::run(move || srp::server_challenge(&verifier, b)).await?;
    let secret_block = random_b64(384);
    challenge::open(
        ctx,
        call,
        &secret_block,
        if decoy { "" } else { &user_id },
        ChallengeState::PasswordVerifier {
            sub,
            a: a_pub.to_str_radix(16),
            b: challenge.b.to_str_radix(16),
            b_pub: challenge.b_pub.to_str_radix(16),
            custom,
        },
    )
    .await?;
    let params = BTreeMap::from([
        ("SALT".to_string(), salt_hex),
        ("SRP_B".to_string(), challenge.b_pub.to_str_radix(16)),
        ("SECRET_BLOCK".to_string(), secret_block),
        ("USER_ID_FOR_SRP".to_string(), user_id.clone()),
        ("USERNAME".to_string(), user_id),
    ]);
    // Cognito sends no Session with PASSWORD_VERIFIER: the SECRET_BLOCK carries the state.
    Ok(Outcome::challenge("PASSWORD_VERIFIER", None, params))
}

pub async fn respond_to_auth_challenge(
    ctx: Ctx,
    input: RespondToAuthChallengeRequest,
) -> ApiResult<RespondToAuthChallengeResponse> {
    let responses = input.challenge_responses.unwrap_or_default();
    let call = Call::load(&ctx, None, &input.client_id)
        .await?
        .with_metadata(input.client_metadata)
        .with_device(&responses);
    let step = respond_step(
        &ctx,
        &call,
        &input.challenge_name,
        &responses,
        input.session.as_deref(),
    )
    .await?;
    Ok(finish(&ctx, &call, step).await?.into())
}

pub async fn admin_respond_to_auth_challenge(
    ctx: Ctx,
    input: AdminRespondToAuthChallengeRequest,
) -> ApiResult<AdminRespondToAuthChallengeResponse> {
    let responses = input.challenge_responses.unwrap_or_default();
    let call = Call::load(&ctx, Some(&input.user_pool_id), &input.client_id)
        .await?
        .with_metadata(input.client_metadata)
        .with_device(&responses);
    let step = respond_step(
        &ctx,
        &call,
        &input.challenge_name,
        &responses,
        input.session.as_deref(),
    )
    .await?;
    Ok(finish(&ctx, &call, step).await?.into())
}

/// The one dispatcher for challenge answers, from RespondToAuthChallenge,
/// AdminRespondToAuthChallenge and the hosted pages alike.
pub async fn respond_step(
    ctx: &Ctx,
    call: &Call,
    challenge: &str,
    responses: &BTreeMap<String, String>,
    session: Option<&str>,
) -> ApiResult<Step> {
    let username = param(responses, "USERNAME")?;
    call.check_secret_hash(username, responses)?;
    if super::user_auth::answers(ctx, call, challenge, session).await? {
        return super::user_auth::respond(ctx, call, challenge, username, responses, session).await;
    }
    match challenge {
        "PASSWORD_VERIFIER" => password_verifier(ctx, call, username, responses).await,
        "NEW_PASSWORD_REQUIRED" => new_password(ctx, call, username, responses, session).await,
        "SMS_MFA" | "EMAIL_OTP" | "SOFTWARE_TOKEN_MFA" | "SELECT_MFA_TYPE" | "MFA_SETUP" => {
            super::mfa::sign_in::respond(ctx, call, challenge, username, responses, session).await
        }
        "CUSTOM_CHALLENGE" => {
            super::custom_auth::respond(ctx, call, username, responses, session).await
        }
        "DEVICE_SRP_AUTH" => {
            super::devices::respond_srp(ctx, call, username, responses, session).await
        }
        "DEVICE_PASSWORD_VERIFIER" => {
            super::devices::respond_verifier(ctx, call, username, responses).await
        }
        _ => Err(ApiError::invalid_parameter(format!(
            "{challenge} is not supported by cognito-emu yet."
        ))),
    }
}

async fn password_verifier(
    ctx: &Ctx,
    call: &Call,
    username: &str,
    responses: &BTreeMap<String, String>,
) -> ApiResult<Step> {
    let secret_block = param(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    param(responses, "PASSWORD_CLAIM_SIGNATURE")?;
    param(responses, "TIMESTAMP")?;
    let pending = challenge::find_verifier(ctx, call, secret_block, "PASSWORD_VERIFIER").await?;
    // A stale DEVICE_KEY is refused before the handshake is spent: clients drop the key and
    // answer the same PASSWORD_VERIFIER again (amazon-cognito-identity-js does).
    if let Some(user) = challenge::user_of(ctx, call, &pending, username).await? {
        super::devices::presented(ctx, call, &user).await?;
    }
    challenge::take_verifier(ctx, &pending).await?;
    if pending.username.is_empty() {
        return Err(incorrect());
    }
    let Some(user) = challenge::user_of(ctx, call, &pending, username).await? else {
        return Err(call.unknown_user());
    };
    check_enabled(&user)?;
    let attempt = check_lockout(ctx, &user).await?;
    let ChallengeState::PasswordVerifier {
        a,
        b,
        b_pub,
        custom,
        ..
    } = &pending.state
    else {
        return Err(incorrect());
    };
    let verified = match &user.password {
        Some(p) if p.is_usable() => {
            let claim = SrpClaim {
                a,
                b,
                b_pub,
                pool_name: srp::pool_name(&call.pool_id),
                user_id: &user.username,
            };
            claim.check(ctx, p.verifier(), responses).await?
        }
        _ => false,
    };
    end_attempt(ctx, attempt, verified).await?;
    // In CUSTOM_AUTH the password is one round: DefineAuthChallenge judges its result.
    if let Some(history) = custom {
        let history = history.clone();
        return super::custom_auth::after_password(ctx, call, user, history, verified).await;
    }
    if !verified {
        return Err(incorrect());
    }
    after_password(ctx, call, user).await
}

async fn new_password(
    ctx: &Ctx,
    call: &Call,
    username: &str,
    responses: &BTreeMap<String, String>,
    session: Option<&str>,
) -> ApiResult<Step> {
    let pending = challenge::load(ctx, call, session, "NEW_PASSWORD_REQUIRED").await?;
    let Some(mut user) = challenge::user_of(ctx, call, &pending, username).await? else {
        return Err(invalid_session());
    };
    check_enabled(&user)?;
    let new_password = param(responses, "NEW_PASSWORD")?;
    check_password_policy(&call.pool, new_password, PolicyWording::Change)?;
    let given: Vec<AttributeType> = responses
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("userAttributes.").map(|n| AttributeType {
                name: n.to_string(),
                value: Some(v.clone()),
            })
        })
        .collect();
    if !given.is_empty() {
        let attrs =
            super::attributes::validate(&call.pool, &given, super::attributes::WriteBy::Update)?;
        for (n, v) in attrs {
            user.set_attr(&n, &v);
        }
    }
    let missing = missing_required(&call.pool, &user);
    if let Some(first) = missing.first() {
        let name = first.trim_start_matches("userAttributes.");
        return Err(ApiError::invalid_parameter(format!(
            "Invalid attributes given, {name} is missing"
        )));
    }
    let hashed = crate::cpu::hash_password(&call.pool_id, &user.username, new_password).await?;
    // Claimed before the write: of two concurrent answers, one sets the password.
    challenge::close(ctx, &pending).await?;
    user.password = Some(hashed);
    user.status = UserStatus::Confirmed;
    user.modified = ctx.clock.now_epoch();
    if !ctx.store.save_user(&user).await? {
        return Err(invalid_session());
    }
    Ok(match second_factor(ctx, call, user).await? {
        Step::SignedIn(user, _) => Step::SignedIn(user, "TokenGeneration_NewPasswordChallenge"),
        challenge => challenge,
    })
}

pub mod refresh_flows;
use refresh_flows::refresh_sign_in;

#[cfg(test)]
mod tests;
