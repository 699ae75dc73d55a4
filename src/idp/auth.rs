//! Sign-in: InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge,
//! AdminRespondToAuthChallenge and GetTokensFromRefreshToken.
//!
//! Flows: USER_SRP_AUTH (a real SRP-6a handshake, state kept between the two calls),
//! USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH, REFRESH_TOKEN(_AUTH).
//! Challenges: PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED; the MFA challenges that may follow
//! a correct password are in `idp::mfa`.

use super::shapes::*;
use super::users::{PolicyWording, check_password_policy, check_secret_hash, resolve_user};
use crate::crypto::srp;
use crate::model::user::{User, UserStatus};
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::store::sessions::StoredChallenge;
use crate::tokens::{self, Grant, RefreshMode, refresh};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use num_bigint::BigUint;
use rand::RngCore;
use std::collections::BTreeMap;

/// Failed attempts before Cognito starts locking a user out.
const FAILURES_BEFORE_LOCKOUT: i64 = 5;
/// The longest temporary lockout (Cognito's backoff tops out around 15 minutes).
const MAX_LOCKOUT_SECS: f64 = 900.0;
/// How far a PASSWORD_VERIFIER TIMESTAMP may be from the server's clock.
const TIMESTAMP_SKEW_SECS: i64 = 300;

/// What every sign-in step answers (the four actions' responses have these members).
#[derive(Debug, Default)]
pub struct Outcome {
    pub challenge_name: Option<String>,
    pub session: Option<String>,
    pub challenge_parameters: Option<BTreeMap<String, String>>,
    pub authentication_result: Option<AuthenticationResultType>,
}

macro_rules! outcome_into {
    ($($t:ty),*) => {$(
        impl From<Outcome> for $t {
            fn from(o: Outcome) -> Self {
                Self {
                    challenge_name: o.challenge_name,
                    session: o.session,
                    // Cognito always sends ChallengeParameters ({} with tokens).
                    challenge_parameters: Some(o.challenge_parameters.unwrap_or_default()),
                    authentication_result: o.authentication_result,
                    available_challenges: None,
                }
            }
        }
    )*};
}
outcome_into!(
    InitiateAuthResponse,
    AdminInitiateAuthResponse,
    RespondToAuthChallengeResponse,
    AdminRespondToAuthChallengeResponse
);

/// The pool and client a sign-in call runs against.
pub struct Call {
    pub pool_id: String,
    pub pool: UserPoolType,
    pub client_id: String,
    pub client: UserPoolClientType,
    pub admin: bool,
}

impl Call {
    /// Admin calls name the pool and the client; public calls only the client.
    pub async fn load(ctx: &Ctx, admin_pool: Option<&str>, client_id: &str) -> ApiResult<Call> {
        let (pool_id, client) = match admin_pool {
            Some(pool_id) => {
                super::user_pools::load_pool(ctx, pool_id).await?;
                (
                    pool_id.to_string(),
                    super::clients::load_pool_client(ctx, pool_id, client_id).await?,
                )
            }
            None => super::clients::load_client(ctx, client_id).await?,
        };
        let pool = super::user_pools::load_pool(ctx, &pool_id).await?;
        Ok(Call {
            pool_id,
            pool,
            client_id: client_id.to_string(),
            client,
            admin: admin_pool.is_some(),
        })
    }

    fn prevents_existence_errors(&self) -> bool {
        super::users::prevents_user_existence_errors(&self.client)
    }

    /// The answer for a user that does not exist.
    fn unknown_user(&self) -> ApiError {
        if self.prevents_existence_errors() {
            incorrect()
        } else {
            ApiError::user_not_found()
        }
    }

    /// Session lifetime (AuthSessionValidity, minutes; 3 by default).
    fn session_secs(&self) -> f64 {
        self.client.auth_session_validity.unwrap_or(3).clamp(3, 15) as f64 * 60.0
    }
}

fn incorrect() -> ApiError {
    ApiError::not_authorized("Incorrect username or password.")
}

pub(super) fn param<'a>(params: &'a BTreeMap<String, String>, name: &str) -> ApiResult<&'a str> {
    params
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| ApiError::invalid_parameter(format!("Missing required parameter {name}")))
}

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
    let call = Call::load(&ctx, None, &input.client_id).await?;
    let params = input.auth_parameters.unwrap_or_default();
    Ok(initiate(&ctx, &call, &input.auth_flow, &params)
        .await?
        .into())
}

pub async fn admin_initiate_auth(
    ctx: Ctx,
    input: AdminInitiateAuthRequest,
) -> ApiResult<AdminInitiateAuthResponse> {
    let call = Call::load(&ctx, Some(&input.user_pool_id), &input.client_id).await?;
    let params = input.auth_parameters.unwrap_or_default();
    Ok(initiate(&ctx, &call, &input.auth_flow, &params)
        .await?
        .into())
}

async fn initiate(
    ctx: &Ctx,
    call: &Call,
    flow: &str,
    params: &BTreeMap<String, String>,
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
            password_sign_in(ctx, call, params).await
        }
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => refresh_sign_in(ctx, call, params).await,
        // Custom challenges are driven by Lambda triggers, which the emulator does not run.
        "CUSTOM_AUTH" => Err(ApiError::invalid_parameter(
            "Custom auth lambda trigger is not configured for the user pool.",
        )),
        _ => Err(ApiError::invalid_parameter(format!(
            "{flow} is not supported by cognito-emu yet."
        ))),
    }
}

/// Refuses sign-in while a user is temporarily locked out.
pub(crate) async fn check_lockout(ctx: &Ctx, user: &User) -> ApiResult<i64> {
    let (failures, until) = ctx.store.sign_in_failures(&user.pool_id, &user.sub).await?;
    if until > ctx.clock.now_epoch() {
        return Err(ApiError::not_authorized("Password attempts exceeded"));
    }
    Ok(failures)
}

/// Counts a wrong password; from the fifth on, the user is locked out for a time that
/// doubles with each further failure.
pub(crate) async fn record_failure(ctx: &Ctx, user: &User, failures_before: i64) -> ApiResult<()> {
    let failures = failures_before + 1;
    let locked_until = if failures >= FAILURES_BEFORE_LOCKOUT {
        let exp = (failures - FAILURES_BEFORE_LOCKOUT).min(20) as i32;
        ctx.clock.now_epoch() + 2f64.powi(exp).min(MAX_LOCKOUT_SECS)
    } else {
        0.0
    };
    ctx.store
        .set_sign_in_failures(&user.pool_id, &user.sub, failures, locked_until)
        .await?;
    Ok(())
}

pub(crate) async fn clear_failures(ctx: &Ctx, user: &User, failures: i64) -> ApiResult<()> {
    if failures > 0 {
        ctx.store
            .clear_sign_in_failures(&user.pool_id, &user.sub)
            .await?;
    }
    Ok(())
}

pub(super) fn check_enabled(user: &User) -> ApiResult<()> {
    if user.enabled {
        Ok(())
    } else {
        Err(ApiError::not_authorized("User is disabled."))
    }
}

fn check_not_reset(user: &User) -> ApiResult<()> {
    if user.status == UserStatus::ResetRequired {
        Err(ApiError::new(
            ErrorKind::PasswordResetRequiredException,
            "Password reset required for the user",
        ))
    } else {
        Ok(())
    }
}

async fn password_sign_in(
    ctx: &Ctx,
    call: &Call,
    params: &BTreeMap<String, String>,
) -> ApiResult<Outcome> {
    let username = param(params, "USERNAME")?;
    let given_password = param(params, "PASSWORD")?;
    check_secret_hash(
        &call.client_id,
        &call.client,
        username,
        params.get("SECRET_HASH").map(String::as_str),
    )?;
    let Some(user) = resolve_user(ctx, &call.pool, username).await? else {
        return Err(call.unknown_user());
    };
    check_enabled(&user)?;
    check_not_reset(&user)?;
    let failures = check_lockout(ctx, &user).await?;
    let ok = match &user.password {
        Some(stored) => {
            crate::cpu::check_password(&call.pool_id, &user.username, given_password, stored)
                .await?
        }
        None => false,
    };
    if !ok {
        record_failure(ctx, &user, failures).await?;
        return Err(incorrect());
    }
    clear_failures(ctx, &user, failures).await?;
    after_password(ctx, call, user).await
}

/// Where a verified password leads: the user's state, then tokens.
async fn after_password(ctx: &Ctx, call: &Call, user: User) -> ApiResult<Outcome> {
    match user.status {
        UserStatus::Unconfirmed => Err(ApiError::new(
            ErrorKind::UserNotConfirmedException,
            "User is not confirmed.",
        )),
        UserStatus::ResetRequired => check_not_reset(&user).map(|_| Outcome::default()),
        UserStatus::ForceChangePassword => new_password_challenge(ctx, call, &user).await,
        _ => finish_sign_in(ctx, call, &user).await,
    }
}

/// The password step is done: an MFA challenge when the user needs one, else tokens.
async fn finish_sign_in(ctx: &Ctx, call: &Call, user: &User) -> ApiResult<Outcome> {
    match super::mfa::challenge_after_password(ctx, call, user).await? {
        Some(challenge) => Ok(challenge),
        None => sign_in_complete(ctx, call, user).await,
    }
}

pub(super) async fn sign_in_complete(ctx: &Ctx, call: &Call, user: &User) -> ApiResult<Outcome> {
    let subject = tokens::subject_of(ctx, user).await?;
    let result = tokens::issue(
        ctx,
        &call.pool_id,
        &call.client,
        &subject,
        &Grant::api(),
        RefreshMode::NewSignIn,
    )
    .await?;
    Ok(Outcome {
        authentication_result: Some(result),
        ..Default::default()
    })
}

fn random_b64(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rand::rng().fill_bytes(&mut bytes);
    B64.encode(bytes)
}

/// A new challenge Session string (Cognito's are long opaque base64 strings).
pub(super) fn new_session() -> String {
    format!("AYABe{}", random_b64(240))
}

pub(super) async fn put_challenge(
    ctx: &Ctx,
    call: &Call,
    handle: &str,
    username: &str,
    challenge: &str,
    state: serde_json::Value,
) -> ApiResult<()> {
    let now = ctx.clock.now_epoch();
    ctx.store
        .put_challenge(
            &refresh::sha256_hex(handle),
            &StoredChallenge {
                pool_id: call.pool_id.clone(),
                client_id: call.client_id.clone(),
                username: username.to_string(),
                challenge: challenge.to_string(),
                state,
                expires: now + call.session_secs(),
            },
            now,
        )
        .await?;
    Ok(())
}

pub(super) fn invalid_session() -> ApiError {
    ApiError::not_authorized("Invalid session for the user.")
}

/// The stored challenge a Session names, for this client and challenge, unexpired.
pub(super) async fn load_session(
    ctx: &Ctx,
    call: &Call,
    session: Option<&str>,
    challenge: &str,
) -> ApiResult<(String, StoredChallenge)> {
    let session = session
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid_parameter("Missing required parameter Session"))?;
    let hash = refresh::sha256_hex(session);
    let stored = ctx
        .store
        .get_challenge(&hash)
        .await?
        .filter(|c| c.client_id == call.client_id && c.pool_id == call.pool_id)
        .ok_or_else(invalid_session)?;
    if stored.challenge != challenge {
        return Err(invalid_session());
    }
    if ctx.clock.now_epoch() > stored.expires {
        return Err(ApiError::not_authorized(
            "Invalid session for the user, session is expired.",
        ));
    }
    Ok((hash, stored))
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
    let session = new_session();
    put_challenge(
        ctx,
        call,
        &session,
        &user.username,
        "NEW_PASSWORD_REQUIRED",
        serde_json::json!({"sub": user.sub}),
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
    Ok(Outcome {
        challenge_name: Some("NEW_PASSWORD_REQUIRED".into()),
        session: Some(session),
        challenge_parameters: Some(params),
        authentication_result: None,
    })
}

fn parse_hex(s: &str) -> Option<BigUint> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    BigUint::parse_bytes(s.as_bytes(), 16)
}

fn random_biguint(bytes: usize) -> BigUint {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    BigUint::from_bytes_be(&b)
}

async fn start_srp(
    ctx: &Ctx,
    call: &Call,
    params: &BTreeMap<String, String>,
) -> ApiResult<Outcome> {
    let username = param(params, "USERNAME")?;
    let a_hex = param(params, "SRP_A")?;
    check_secret_hash(
        &call.client_id,
        &call.client,
        username,
        params.get("SECRET_HASH").map(String::as_str),
    )?;
    let a_pub = parse_hex(a_hex)
        .filter(|a| (a % &*srp::N) != BigUint::ZERO)
        .ok_or_else(|| ApiError::invalid_parameter("Invalid SRP_A."))?;
    let user = resolve_user(ctx, &call.pool, username).await?;
    let (user_id, sub, salt_hex, verifier, decoy) = match &user {
        Some(user) => {
            check_enabled(user)?;
            check_not_reset(user)?;
            match &user.password {
                Some(p) => (
                    user.username.clone(),
                    user.sub.clone(),
                    p.salt_hex.clone(),
                    p.verifier(),
                    false,
                ),
                None => (
                    user.username.clone(),
                    user.sub.clone(),
                    random_biguint(16).to_str_radix(16),
                    random_biguint(256),
                    true,
                ),
            }
        }
        // Hiding user existence: a handshake that cannot succeed, failing at the next step
        // with "Incorrect username or password." as Cognito's does.
        None if call.prevents_existence_errors() => (
            username.to_string(),
            String::new(),
            random_biguint(16).to_str_radix(16),
            random_biguint(256),
            true,
        ),
        None => return Err(ApiError::user_not_found()),
    };
    let b = random_biguint(32);
    let challenge = crate::cpu::run(move || srp::server_challenge(&verifier, b)).await?;
    let secret_block = random_b64(384);
    put_challenge(
        ctx,
        call,
        &secret_block,
        if decoy { "" } else { &user_id },
        "PASSWORD_VERIFIER",
        serde_json::json!({
            "A": a_pub.to_str_radix(16),
            "b": challenge.b.to_str_radix(16),
            "B": challenge.b_pub.to_str_radix(16),
            "sub": sub,
        }),
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
    Ok(Outcome {
        challenge_name: Some("PASSWORD_VERIFIER".into()),
        session: None,
        challenge_parameters: Some(params),
        authentication_result: None,
    })
}

pub async fn respond_to_auth_challenge(
    ctx: Ctx,
    input: RespondToAuthChallengeRequest,
) -> ApiResult<RespondToAuthChallengeResponse> {
    let call = Call::load(&ctx, None, &input.client_id).await?;
    let responses = input.challenge_responses.unwrap_or_default();
    Ok(respond(
        &ctx,
        &call,
        &input.challenge_name,
        &responses,
        input.session.as_deref(),
    )
    .await?
    .into())
}

pub async fn admin_respond_to_auth_challenge(
    ctx: Ctx,
    input: AdminRespondToAuthChallengeRequest,
) -> ApiResult<AdminRespondToAuthChallengeResponse> {
    let call = Call::load(&ctx, Some(&input.user_pool_id), &input.client_id).await?;
    let responses = input.challenge_responses.unwrap_or_default();
    Ok(respond(
        &ctx,
        &call,
        &input.challenge_name,
        &responses,
        input.session.as_deref(),
    )
    .await?
    .into())
}

async fn respond(
    ctx: &Ctx,
    call: &Call,
    challenge: &str,
    responses: &BTreeMap<String, String>,
    session: Option<&str>,
) -> ApiResult<Outcome> {
    let username = param(responses, "USERNAME")?;
    check_secret_hash(
        &call.client_id,
        &call.client,
        username,
        responses.get("SECRET_HASH").map(String::as_str),
    )?;
    match challenge {
        "PASSWORD_VERIFIER" => password_verifier(ctx, call, username, responses).await,
        "NEW_PASSWORD_REQUIRED" => new_password(ctx, call, username, responses, session).await,
        "SMS_MFA" | "EMAIL_OTP" | "SOFTWARE_TOKEN_MFA" | "SELECT_MFA_TYPE" | "MFA_SETUP" => {
            super::mfa::respond(ctx, call, challenge, username, responses, session).await
        }
        _ => Err(ApiError::invalid_parameter(format!(
            "{challenge} is not supported by cognito-emu yet."
        ))),
    }
}

/// The stored user a challenge belongs to; `named` (the USERNAME the client answered with:
/// USER_ID_FOR_SRP, or an alias of the same user) must designate them.
pub(super) async fn challenge_user(
    ctx: &Ctx,
    call: &Call,
    stored: &StoredChallenge,
    named: &str,
) -> ApiResult<Option<User>> {
    let user = ctx.store.get_user(&call.pool_id, &stored.username).await?;
    let Some(user) = user.filter(|u| Some(u.sub.as_str()) == stored.state["sub"].as_str()) else {
        return Ok(None);
    };
    if named == user.username {
        return Ok(Some(user));
    }
    let by_name = resolve_user(ctx, &call.pool, named).await?;
    Ok(by_name.filter(|u| u.sub == user.sub))
}

async fn password_verifier(
    ctx: &Ctx,
    call: &Call,
    username: &str,
    responses: &BTreeMap<String, String>,
) -> ApiResult<Outcome> {
    let secret_block = param(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    let signature = param(responses, "PASSWORD_CLAIM_SIGNATURE")?;
    let timestamp = param(responses, "TIMESTAMP")?;
    let hash = refresh::sha256_hex(secret_block);
    let stored = ctx
        .store
        .get_challenge(&hash)
        .await?
        .filter(|c| {
            c.challenge == "PASSWORD_VERIFIER"
                && c.client_id == call.client_id
                && c.pool_id == call.pool_id
        })
        .ok_or_else(incorrect)?;
    // Each handshake is answered once.
    ctx.store.delete_challenge(&hash).await?;
    if ctx.clock.now_epoch() > stored.expires {
        return Err(ApiError::not_authorized(
            "Invalid session for the user, session is expired.",
        ));
    }
    if stored.username.is_empty() {
        return Err(incorrect());
    }
    let Some(user) = challenge_user(ctx, call, &stored, username).await? else {
        return Err(call.unknown_user());
    };
    check_enabled(&user)?;
    let failures = check_lockout(ctx, &user).await?;
    let within_skew = srp::parse_timestamp(timestamp)
        .is_some_and(|t| (t - ctx.clock.now_secs()).abs() <= TIMESTAMP_SKEW_SECS);
    let block = B64.decode(secret_block).ok();
    let state = &stored.state;
    let hex = |k: &str| state[k].as_str().and_then(parse_hex);
    let verified = match (&user.password, block, hex("A"), hex("B"), hex("b")) {
        (Some(p), Some(block), Some(a), Some(b_pub), Some(b)) if within_skew => {
            let v = p.verifier();
            let pool_name = srp::pool_name(&call.pool_id).to_string();
            let user_id = user.username.clone();
            let (timestamp, signature) = (timestamp.to_string(), signature.to_string());
            crate::cpu::run(move || {
                srp::server_key(&a, &b_pub, &b, &v).is_some_and(|key| {
                    srp::verify_signature(
                        &key, &pool_name, &user_id, &block, &timestamp, &signature,
                    )
                })
            })
            .await?
        }
        _ => false,
    };
    if !verified {
        record_failure(ctx, &user, failures).await?;
        return Err(incorrect());
    }
    clear_failures(ctx, &user, failures).await?;
    after_password(ctx, call, user).await
}

async fn new_password(
    ctx: &Ctx,
    call: &Call,
    username: &str,
    responses: &BTreeMap<String, String>,
    session: Option<&str>,
) -> ApiResult<Outcome> {
    let (hash, stored) = load_session(ctx, call, session, "NEW_PASSWORD_REQUIRED").await?;
    let Some(mut user) = challenge_user(ctx, call, &stored, username).await? else {
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
    user.password =
        Some(crate::cpu::hash_password(&call.pool_id, &user.username, new_password).await?);
    user.status = UserStatus::Confirmed;
    user.modified = ctx.clock.now_epoch();
    if !ctx.store.save_user(&user).await? {
        return Err(invalid_session());
    }
    ctx.store.delete_challenge(&hash).await?;
    finish_sign_in(ctx, call, &user).await
}

/// Checks SECRET_HASH for a refresh: Cognito computes it with the user's internal username
/// (the sub in email/phone-username pools); the USERNAME a client passes is accepted too.
fn check_refresh_secret_hash(
    call: &Call,
    family_username: &str,
    params: &BTreeMap<String, String>,
) -> ApiResult<()> {
    let given = params.get("SECRET_HASH").map(String::as_str);
    let first = check_secret_hash(&call.client_id, &call.client, family_username, given);
    match (first, params.get("USERNAME")) {
        (Ok(()), _) => Ok(()),
        (Err(e), Some(named)) => {
            check_secret_hash(&call.client_id, &call.client, named, given).map_err(|_| e)
        }
        (Err(e), None) => Err(e),
    }
}

async fn refresh_sign_in(
    ctx: &Ctx,
    call: &Call,
    params: &BTreeMap<String, String>,
) -> ApiResult<Outcome> {
    let token = param(params, "REFRESH_TOKEN")?;
    let renewed = refresh::renew(
        ctx,
        &call.pool_id,
        &call.client,
        token,
        refresh::Entry::InitiateAuth,
        |family| check_refresh_secret_hash(call, &family.username, params),
    )
    .await?;
    Ok(Outcome {
        authentication_result: Some(renewed.result),
        ..Default::default()
    })
}

/// GetTokensFromRefreshToken: new ID and access tokens, and a new refresh token when the
/// client rotates them.
pub async fn get_tokens_from_refresh_token(
    ctx: Ctx,
    input: GetTokensFromRefreshTokenRequest,
) -> ApiResult<GetTokensFromRefreshTokenResponse> {
    let call = Call::load(&ctx, None, &input.client_id).await?;
    if let Some(secret) = call
        .client
        .client_secret
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        match input.client_secret.as_deref() {
            None => {
                return Err(ApiError::not_authorized(format!(
                    "Client {} is configured with secret but ClientSecret was not received",
                    call.client_id
                )));
            }
            Some(given) if given != secret => {
                return Err(ApiError::not_authorized(format!(
                    "Unable to verify secret for client {}",
                    call.client_id
                )));
            }
            Some(_) => {}
        }
    }
    let renewed = refresh::renew(
        &ctx,
        &call.pool_id,
        &call.client,
        &input.refresh_token,
        refresh::Entry::GetTokens,
        |_| Ok(()),
    )
    .await?;
    Ok(GetTokensFromRefreshTokenResponse {
        authentication_result: Some(renewed.result),
    })
}

#[cfg(test)]
mod tests;
