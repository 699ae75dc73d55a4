//! The sign-in challenge machine every front end shares: the call a sign-in runs against
//! (`Call`), where a step leads (`Step`: signed in, or a challenge to answer), what the four
//! sign-in actions answer (`Outcome`), and the typed state a pending challenge keeps between
//! calls (`ChallengeState`), stored under the SHA-256 of its Session (or SECRET_BLOCK).
//!
//! The flows plug in around it: `idp::auth` starts sign-ins and dispatches answers
//! (`respond_step`), `idp::mfa` issues and checks the MFA challenges, and the hosted pages
//! (`oauth::hosted`, `oauth::mfa`) drive the same functions, so a rule added to a flow applies
//! to the API and the browser at once. This module imports neither flow.

use super::shapes::*;
use super::users::lookup::resolve_user;
use super::users::public_call::{check_secret_hash, prevents_user_existence_errors};
use crate::crypto::hex::sha256_hex;
use crate::model::user::{User, UserStatus};
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::store::sessions::StoredChallenge;
use crate::triggers::{self, Invocation, Trigger};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

/// The pool and client a sign-in call runs against.
pub struct Call {
    pub pool_id: String,
    pub pool: UserPoolType,
    pub client_id: String,
    pub client: UserPoolClientType,
    /// The client's current secrets besides `client.client_secret` (rotation).
    pub rotated_secrets: Vec<String>,
    pub admin: bool,
    /// The call's ClientMetadata (passed to the triggers it runs).
    pub client_metadata: BTreeMap<String, String>,
    /// The DEVICE_KEY the call presented (AuthParameters or ChallengeResponses), when the
    /// pool tracks devices: the sign-in ends with that device's SRP challenge.
    pub device_key: Option<String>,
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
        let rotated_secrets =
            super::client_secrets::rotated_secrets(ctx, client_id, &client).await?;
        Ok(Call {
            pool_id,
            pool,
            client_id: client_id.to_string(),
            client,
            rotated_secrets,
            admin: admin_pool.is_some(),
            client_metadata: BTreeMap::new(),
            device_key: None,
        })
    }

    /// The call with the ClientMetadata its request carried.
    pub fn with_metadata(mut self, metadata: Option<BTreeMap<String, String>>) -> Call {
        self.client_metadata = metadata.unwrap_or_default();
        self
    }

    /// The call with the DEVICE_KEY its parameters carry (ignored while the pool does not
    /// track devices).
    pub fn with_device(mut self, params: &BTreeMap<String, String>) -> Call {
        self.device_key = params
            .get("DEVICE_KEY")
            .filter(|k| !k.is_empty() && self.pool.device_configuration.is_some())
            .cloned();
        self
    }

    pub fn prevents_existence_errors(&self) -> bool {
        prevents_user_existence_errors(&self.client)
    }

    /// The answer for a user that does not exist.
    pub fn unknown_user(&self) -> ApiError {
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

    /// Checks the SECRET_HASH a request carries for `username` (when the client has a secret).
    pub fn check_secret_hash(
        &self,
        username: &str,
        params: &BTreeMap<String, String>,
    ) -> ApiResult<()> {
        check_secret_hash(
            &self.client_id,
            &self.client,
            &self.rotated_secrets,
            username,
            params.get("SECRET_HASH").map(String::as_str),
        )
    }
}

/// What every sign-in step answers (the four actions' responses have these members).
#[derive(Debug, Default)]
pub struct Outcome {
    pub challenge_name: Option<String>,
    pub session: Option<String>,
    pub challenge_parameters: Option<BTreeMap<String, String>>,
    pub authentication_result: Option<AuthenticationResultType>,
    /// USER_AUTH's SELECT_CHALLENGE: the first factors this user may choose.
    pub available_challenges: Option<Vec<String>>,
}

impl Outcome {
    /// A challenge to answer.
    pub fn challenge(
        name: &str,
        session: Option<String>,
        params: BTreeMap<String, String>,
    ) -> Self {
        Outcome {
            challenge_name: Some(name.to_string()),
            session,
            challenge_parameters: Some(params),
            ..Default::default()
        }
    }
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
                    available_challenges: o.available_challenges,
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

/// Where a sign-in step leads. The API turns `SignedIn` into tokens; the hosted pages into
/// an authorization code and a browser session.
#[derive(Debug)]
pub enum Step {
    /// The user, and the PreTokenGeneration `triggerSource` the API's tokens are issued with.
    SignedIn(User, &'static str),
    Challenge(Outcome),
}

/// A user who answered every challenge. When the call presented a tracked device, the
/// device proves itself first (DEVICE_SRP_AUTH); otherwise the user is authenticated.
pub async fn signed_in(ctx: &Ctx, call: &Call, user: User) -> ApiResult<Step> {
    match &call.device_key {
        Some(device_key) => device_challenge(ctx, call, &user, device_key)
            .await
            .map(Step::Challenge),
        None => authenticated(ctx, call, user).await,
    }
}

/// DEVICE_SRP_AUTH: the client answers with the device's SRP_A.
pub async fn device_challenge(
    ctx: &Ctx,
    call: &Call,
    user: &User,
    device_key: &str,
) -> ApiResult<Outcome> {
    let state = ChallengeState::DeviceSrpAuth {
        sub: user.sub.clone(),
        device_key: device_key.to_string(),
    };
    let session = open_session(ctx, call, &user.username, state).await?;
    Ok(Outcome::challenge(
        "DEVICE_SRP_AUTH",
        Some(session),
        BTreeMap::from([("USERNAME".to_string(), user.username.clone())]),
    ))
}

/// PostAuthentication runs (a failing function fails the sign-in, no tokens), then the step
/// is signed in.
pub async fn authenticated(ctx: &Ctx, call: &Call, user: User) -> ApiResult<Step> {
    triggers::run(
        ctx,
        &call.pool,
        Invocation {
            trigger: Trigger::PostAuthentication,
            source: "PostAuthentication_Authentication",
            user_name: &user.username,
            client_id: Some(&call.client_id),
            request: json!({
                "userAttributes": triggers::stored_user_attributes(&user),
                // Set only where the pool tracks devices: a sign-in that presented none.
                "newDeviceUsed": call.pool.device_configuration.is_some()
                    && call.device_key.is_none(),
                "clientMetadata": triggers::string_map(&call.client_metadata),
            }),
            response: json!({}),
        },
    )
    .await?;
    super::sign_in_effects::apply(ctx, call, &user).await?;
    Ok(Step::SignedIn(user, "TokenGeneration_Authentication"))
}

/// PreAuthentication, before a password (or SRP handshake) is checked: the function may
/// refuse the sign-in. ClientMetadata reaches it as `validationData`, as Cognito documents.
pub async fn pre_authentication(ctx: &Ctx, call: &Call, user: &User) -> ApiResult<()> {
    triggers::run(
        ctx,
        &call.pool,
        Invocation {
            trigger: Trigger::PreAuthentication,
            source: "PreAuthentication_Authentication",
            user_name: &user.username,
            client_id: Some(&call.client_id),
            request: json!({
                "userAttributes": triggers::stored_user_attributes(user),
                "validationData": triggers::string_map(&call.client_metadata),
                "userNotFound": false,
            }),
            response: json!({}),
        },
    )
    .await?;
    Ok(())
}

/// What a pending challenge remembers between calls, one variant per challenge. Every variant
/// names the user's `sub`, so a user deleted and re-created under the same name mid-sign-in
/// does not inherit the challenge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "challenge", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChallengeState {
    /// USER_SRP_AUTH's first step: A, the server's secret b and B (hex). An empty `sub` marks
    /// the decoy handshake for an unknown user (it can only fail).
    PasswordVerifier {
        sub: String,
        a: String,
        b: String,
        b_pub: String,
        /// CUSTOM_AUTH begun with SRP_A: the custom rounds so far. The password's result
        /// joins them and DefineAuthChallenge decides what follows.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        custom: Option<Vec<CustomRound>>,
    },
    NewPasswordRequired {
        sub: String,
    },
    /// Only a hash of the code sent is kept.
    SmsMfa {
        sub: String,
        code_sha256: String,
    },
    EmailOtp {
        sub: String,
        code_sha256: String,
    },
    SoftwareTokenMfa {
        sub: String,
    },
    SelectMfaType {
        sub: String,
        choices: Vec<String>,
    },
    /// `verified` once VerifySoftwareToken accepted a code with this session.
    MfaSetup {
        sub: String,
        #[serde(default)]
        associated: bool,
        #[serde(default)]
        verified: bool,
    },
    /// The password (and any MFA) is done; the presented device must now prove itself.
    DeviceSrpAuth {
        sub: String,
        device_key: String,
    },
    /// The device's SRP handshake: A, b and B (hex), found by its SECRET_BLOCK.
    DevicePasswordVerifier {
        sub: String,
        device_key: String,
        a: String,
        b: String,
        b_pub: String,
    },
    /// CUSTOM_AUTH: the rounds so far and the challenge's private parameters (never sent).
    CustomChallenge {
        sub: String,
        history: Vec<CustomRound>,
        private: BTreeMap<String, String>,
        metadata: Option<String>,
    },
    /// USER_AUTH (`idp::user_auth`): a first-factor challenge.
    UserAuth(super::user_auth::FactorState),
}

/// One answered custom-auth round, as DefineAuthChallenge's `session` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomRound {
    pub challenge_name: String,
    pub challenge_result: bool,
    pub challenge_metadata: Option<String>,
}

impl ChallengeState {
    /// The ChallengeName this state answers.
    pub fn name(&self) -> &'static str {
        match self {
            ChallengeState::PasswordVerifier { .. } => "PASSWORD_VERIFIER",
            ChallengeState::NewPasswordRequired { .. } => "NEW_PASSWORD_REQUIRED",
            ChallengeState::SmsMfa { .. } => "SMS_MFA",
            ChallengeState::EmailOtp { .. } => "EMAIL_OTP",
            ChallengeState::SoftwareTokenMfa { .. } => "SOFTWARE_TOKEN_MFA",
            ChallengeState::SelectMfaType { .. } => "SELECT_MFA_TYPE",
            ChallengeState::MfaSetup { .. } => "MFA_SETUP",
            ChallengeState::CustomChallenge { .. } => "CUSTOM_CHALLENGE",
            ChallengeState::DeviceSrpAuth { .. } => "DEVICE_SRP_AUTH",
            ChallengeState::DevicePasswordVerifier { .. } => "DEVICE_PASSWORD_VERIFIER",
            ChallengeState::UserAuth(f) => f.name(),
        }
    }

    pub fn sub(&self) -> &str {
        match self {
            ChallengeState::PasswordVerifier { sub, .. }
            | ChallengeState::NewPasswordRequired { sub }
            | ChallengeState::SmsMfa { sub, .. }
            | ChallengeState::EmailOtp { sub, .. }
            | ChallengeState::SoftwareTokenMfa { sub }
            | ChallengeState::SelectMfaType { sub, .. }
            | ChallengeState::MfaSetup { sub, .. }
            | ChallengeState::CustomChallenge { sub, .. }
            | ChallengeState::DeviceSrpAuth { sub, .. }
            | ChallengeState::DevicePasswordVerifier { sub, .. } => sub,
            ChallengeState::UserAuth(f) => f.sub(),
        }
    }
}

/// A pending challenge: who it is for, through which client, until when.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The stored handle's SHA-256 (to consume or replace it).
    pub hash: String,
    pub pool_id: String,
    pub client_id: String,
    /// The internal username (empty for a decoy handshake).
    pub username: String,
    pub state: ChallengeState,
    pub expires: f64,
}

pub fn incorrect() -> ApiError {
    ApiError::not_authorized("Incorrect username or password.")
}

pub fn invalid_session() -> ApiError {
    ApiError::not_authorized("Invalid session for the user.")
}

pub fn session_expired() -> ApiError {
    ApiError::not_authorized("Invalid session for the user, session is expired.")
}

/// A required member of AuthParameters / ChallengeResponses.
pub fn param<'a>(params: &'a BTreeMap<String, String>, name: &str) -> ApiResult<&'a str> {
    params
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| ApiError::invalid_parameter(format!("Missing required parameter {name}")))
}

pub fn reset_required() -> ApiError {
    ApiError::new(
        ErrorKind::PasswordResetRequiredException,
        "Password reset required for the user",
    )
}

pub fn not_confirmed() -> ApiError {
    ApiError::new(
        ErrorKind::UserNotConfirmedException,
        "User is not confirmed.",
    )
}

pub fn check_not_reset(user: &User) -> ApiResult<()> {
    if user.status == UserStatus::ResetRequired {
        Err(reset_required())
    } else {
        Ok(())
    }
}

pub fn check_enabled(user: &User) -> ApiResult<()> {
    if user.enabled {
        Ok(())
    } else {
        Err(ApiError::not_authorized("User is disabled."))
    }
}

pub fn random_b64(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rand::rng().fill_bytes(&mut bytes);
    B64.encode(bytes)
}

/// A new challenge Session string (Cognito's are long opaque base64 strings).
pub fn new_session() -> String {
    format!("AYABe{}", random_b64(240))
}

/// Stores `state` for `username` under `handle` (a Session or a SECRET_BLOCK).
pub async fn open(
    ctx: &Ctx,
    call: &Call,
    handle: &str,
    username: &str,
    state: ChallengeState,
) -> ApiResult<()> {
    let now = ctx.clock.now_epoch();
    put(
        ctx,
        &sha256_hex(handle),
        StoredChallenge {
            pool_id: call.pool_id.clone(),
            client_id: call.client_id.clone(),
            username: username.to_string(),
            challenge: state.name().to_string(),
            state: serde_json::to_value(&state).map_err(ApiError::internal)?,
            expires: now + call.session_secs(),
        },
    )
    .await
}

/// A new Session for `state`: stored, and returned to answer the challenge with.
pub async fn open_session(
    ctx: &Ctx,
    call: &Call,
    username: &str,
    state: ChallengeState,
) -> ApiResult<String> {
    let session = new_session();
    open(ctx, call, &session, username, state).await?;
    Ok(session)
}

async fn put(ctx: &Ctx, hash: &str, stored: StoredChallenge) -> ApiResult<()> {
    ctx.store
        .put_challenge(hash, &stored, ctx.clock.now_epoch())
        .await?;
    Ok(())
}

/// The stored challenge under `hash`, typed. A state this version cannot read (written by
/// an older one) is an invalid session, not an internal error.
async fn find(ctx: &Ctx, hash: &str) -> ApiResult<Option<Pending>> {
    let Some(stored) = ctx.store.get_challenge(hash).await? else {
        return Ok(None);
    };
    let Ok(state) = serde_json::from_value::<ChallengeState>(stored.state) else {
        return Ok(None);
    };
    if state.name() != stored.challenge {
        return Ok(None);
    }
    Ok(Some(Pending {
        hash: hash.to_string(),
        pool_id: stored.pool_id,
        client_id: stored.client_id,
        username: stored.username,
        state,
        expires: stored.expires,
    }))
}

/// The stored challenge under `handle`, whatever its client and expiry (the caller checks).
pub async fn peek(ctx: &Ctx, handle: &str) -> ApiResult<Option<Pending>> {
    find(ctx, &sha256_hex(handle)).await
}

/// The pending `challenge` a Session names, for this client, unexpired.
pub async fn load(
    ctx: &Ctx,
    call: &Call,
    session: Option<&str>,
    challenge: &str,
) -> ApiResult<Pending> {
    let session = session
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid_parameter("Missing required parameter Session"))?;
    let pending = find(ctx, &sha256_hex(session))
        .await?
        .filter(|p| p.client_id == call.client_id && p.pool_id == call.pool_id)
        .ok_or_else(invalid_session)?;
    if pending.state.name() != challenge {
        return Err(invalid_session());
    }
    if ctx.clock.now_epoch() > pending.expires {
        return Err(session_expired());
    }
    Ok(pending)
}

/// The PASSWORD_VERIFIER (or DEVICE_PASSWORD_VERIFIER) a SECRET_BLOCK names, not yet
/// consumed. Unknown blocks are "Incorrect username or password." as on Cognito.
pub async fn find_verifier(
    ctx: &Ctx,
    call: &Call,
    secret_block: &str,
    challenge: &str,
) -> ApiResult<Pending> {
    find(ctx, &sha256_hex(secret_block))
        .await?
        .filter(|p| {
            p.state.name() == challenge
                && p.client_id == call.client_id
                && p.pool_id == call.pool_id
        })
        .ok_or_else(incorrect)
}

/// Consumes a verifier `find_verifier` found (each handshake is answered once, right or
/// wrong).
pub async fn take_verifier(ctx: &Ctx, pending: &Pending) -> ApiResult<()> {
    close(ctx, pending).await.map_err(|_| incorrect())?;
    if ctx.clock.now_epoch() > pending.expires {
        return Err(session_expired());
    }
    Ok(())
}

/// An MFA_SETUP session named without a client (AssociateSoftwareToken and
/// VerifySoftwareToken carry no ClientId), with its user.
pub async fn load_setup(ctx: &Ctx, session: &str) -> ApiResult<(Pending, User)> {
    let pending = find(ctx, &sha256_hex(session))
        .await?
        .filter(|p| matches!(p.state, ChallengeState::MfaSetup { .. }))
        .ok_or_else(invalid_session)?;
    if ctx.clock.now_epoch() > pending.expires {
        return Err(session_expired());
    }
    let user = ctx
        .store
        .get_user(&pending.pool_id, &pending.username)
        .await?
        .filter(|u| u.sub == pending.state.sub())
        .ok_or_else(invalid_session)?;
    Ok((pending, user))
}

/// Replaces a pending challenge with a fresh Session carrying `state` (each step of
/// MFA_SETUP answers a new Session).
pub async fn replace(ctx: &Ctx, pending: &Pending, state: ChallengeState) -> ApiResult<String> {
    let session = new_session();
    put(
        ctx,
        &sha256_hex(&session),
        StoredChallenge {
            pool_id: pending.pool_id.clone(),
            client_id: pending.client_id.clone(),
            username: pending.username.clone(),
            challenge: state.name().to_string(),
            state: serde_json::to_value(&state).map_err(ApiError::internal)?,
            expires: pending.expires,
        },
    )
    .await?;
    close(ctx, pending).await?;
    Ok(session)
}

/// Rewrites a pending challenge's state under the same Session and expiry (a wrong code
/// answered to a challenge that allows a retry).
pub async fn update(ctx: &Ctx, pending: &Pending, state: ChallengeState) -> ApiResult<()> {
    put(
        ctx,
        &pending.hash,
        StoredChallenge {
            pool_id: pending.pool_id.clone(),
            client_id: pending.client_id.clone(),
            username: pending.username.clone(),
            challenge: state.name().to_string(),
            state: serde_json::to_value(&state).map_err(ApiError::internal)?,
            expires: pending.expires,
        },
    )
    .await
}

/// Wrong codes one challenge session accepts before it is spent.
pub const MAX_CODE_ATTEMPTS: i64 = 3;

/// Takes one code attempt on `pending` before its code is checked (counting first, as the
/// password lockout does): an invalid session once MAX_CODE_ATTEMPTS are spent. The caller
/// answers a wrong code with `wrong_code`, which also ends the session on the last attempt.
pub async fn take_code_attempt(ctx: &Ctx, pending: &Pending) -> ApiResult<i64> {
    ctx.store
        .take_challenge_attempt(&pending.hash, MAX_CODE_ATTEMPTS)
        .await?
        .ok_or_else(invalid_session)
}

/// A wrong code on attempt `attempt`: the session ends with the last one.
pub async fn wrong_code(ctx: &Ctx, pending: &Pending, attempt: i64, error: ApiError) -> ApiError {
    if attempt >= MAX_CODE_ATTEMPTS {
        // Best effort: the counter already refuses further answers.
        let _ = ctx.store.delete_challenge(&pending.hash).await;
    }
    error
}

/// Consumes a pending challenge (each answer is single-use). The delete is the claim: of two
/// concurrent answers to one challenge only the one whose delete removed it goes on; the
/// other is answered as a spent session.
pub async fn close(ctx: &Ctx, pending: &Pending) -> ApiResult<()> {
    if ctx.store.delete_challenge(&pending.hash).await? {
        Ok(())
    } else {
        Err(invalid_session())
    }
}

/// The stored user a challenge belongs to; `named` (the USERNAME the client answered with:
/// USER_ID_FOR_SRP, or an alias of the same user) must designate them.
pub async fn user_of(
    ctx: &Ctx,
    call: &Call,
    pending: &Pending,
    named: &str,
) -> ApiResult<Option<User>> {
    let user = ctx.store.get_user(&call.pool_id, &pending.username).await?;
    let Some(user) = user.filter(|u| u.sub == pending.state.sub()) else {
        return Ok(None);
    };
    if named == user.username {
        return Ok(Some(user));
    }
    let by_name = resolve_user(ctx, &call.pool, named).await?;
    Ok(by_name.filter(|u| u.sub == user.sub))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_with_their_challenge_names() {
        let states = [
            ChallengeState::PasswordVerifier {
                sub: "s".into(),
                a: "0a".into(),
                b: "0b".into(),
                b_pub: "0c".into(),
                custom: None,
            },
            ChallengeState::PasswordVerifier {
                sub: "s".into(),
                a: "0a".into(),
                b: "0b".into(),
                b_pub: "0c".into(),
                custom: Some(vec![CustomRound {
                    challenge_name: "SRP_A".into(),
                    challenge_result: true,
                    challenge_metadata: None,
                }]),
            },
            ChallengeState::NewPasswordRequired { sub: "s".into() },
            ChallengeState::SmsMfa {
                sub: "s".into(),
                code_sha256: "h".into(),
            },
            ChallengeState::EmailOtp {
                sub: "s".into(),
                code_sha256: "h".into(),
            },
            ChallengeState::SoftwareTokenMfa { sub: "s".into() },
            ChallengeState::SelectMfaType {
                sub: "s".into(),
                choices: vec!["SMS_MFA".into()],
            },
            ChallengeState::MfaSetup {
                sub: "s".into(),
                associated: true,
                verified: false,
            },
            ChallengeState::CustomChallenge {
                sub: "s".into(),
                history: vec![CustomRound {
                    challenge_name: "CUSTOM_CHALLENGE".into(),
                    challenge_result: false,
                    challenge_metadata: Some("m".into()),
                }],
                private: [("answer".to_string(), "42".to_string())].into(),
                metadata: None,
            },
            ChallengeState::DeviceSrpAuth {
                sub: "s".into(),
                device_key: "k".into(),
            },
            ChallengeState::DevicePasswordVerifier {
                sub: "s".into(),
                device_key: "k".into(),
                a: "0a".into(),
                b: "0b".into(),
                b_pub: "0c".into(),
            },
        ];
        for state in states {
            let json = serde_json::to_value(&state).unwrap();
            assert_eq!(json["challenge"], state.name());
            let back: ChallengeState = serde_json::from_value(json).unwrap();
            assert_eq!(back, state);
            assert_eq!(back.sub(), "s");
        }
        // Untyped state from an older version is not a state.
        assert!(serde_json::from_value::<ChallengeState>(serde_json::json!({"sub": "s"})).is_err());
    }
}
