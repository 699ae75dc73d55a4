//! CUSTOM_AUTH: sign-in decided by the pool's own functions, as the developer guide's "Custom
//! authentication challenge Lambda triggers" describes. DefineAuthChallenge looks at the
//! session so far and says what comes next (a challenge, tokens, or failure);
//! CreateAuthChallenge makes a CUSTOM_CHALLENGE (public parameters for the client, private ones
//! kept here); VerifyAuthChallengeResponse judges the client's ANSWER. The loop state (the
//! session history and the private parameters) lives in the typed challenge state.
//!
//! A sign-in begun with SRP_A (amazon-cognito-identity-js and Amplify's CUSTOM_WITH_SRP)
//! opens with an `SRP_A` round; when Define then asks for PASSWORD_VERIFIER, the user's
//! password is checked by the ordinary SRP handshake and its result is the next round.

use super::challenge::{
    self, Call, ChallengeState, CustomRound, Outcome, Step, check_enabled, incorrect, param,
};
use super::users::lookup::resolve_user;
use crate::model::user::{User, UserStatus};
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::triggers::{self, Invocation, Trigger};
use num_bigint::BigUint;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// How many challenges one sign-in may go through before Cognito gives up.
const MAX_ROUNDS: usize = 5;

fn not_configured() -> ApiError {
    ApiError::invalid_parameter("Custom auth lambda trigger is not configured for the user pool.")
}

fn invalid_output() -> ApiError {
    ApiError::new(
        ErrorKind::InvalidLambdaResponseException,
        "Unrecognizable lambda output",
    )
}

/// InitiateAuth / AdminInitiateAuth with CUSTOM_AUTH.
pub async fn start(ctx: &Ctx, call: &Call, params: &BTreeMap<String, String>) -> ApiResult<Step> {
    if !triggers::configured(&call.pool, Trigger::DefineAuthChallenge) {
        return Err(not_configured());
    }
    let username = param(params, "USERNAME")?;
    call.check_secret_hash(username, params)?;
    let srp_a = params
        .get("SRP_A")
        .map(|a| super::auth::parse_srp_a(a))
        .transpose()?;
    let Some(user) = resolve_user(ctx, &call.pool, username).await? else {
        return Err(call.unknown_user());
    };
    check_enabled(&user)?;
    if user.status == UserStatus::Unconfirmed {
        return Err(challenge::not_confirmed());
    }
    challenge::check_not_reset(&user)?;
    challenge::pre_authentication(ctx, call, &user).await?;
    let history = match srp_a {
        Some(_) => vec![round("SRP_A", true, None)],
        None => Vec::new(),
    };
    next(ctx, call, user, history, srp_a).await
}

/// The PASSWORD_VERIFIER round of a sign-in begun with SRP_A is answered (`verified`: the
/// password was right): Define decides what follows.
pub async fn after_password(
    ctx: &Ctx,
    call: &Call,
    user: User,
    mut history: Vec<CustomRound>,
    verified: bool,
) -> ApiResult<Step> {
    history.push(round("PASSWORD_VERIFIER", verified, None));
    next(ctx, call, user, history, None).await
}

fn round(name: &str, result: bool, metadata: Option<String>) -> CustomRound {
    CustomRound {
        challenge_name: name.into(),
        challenge_result: result,
        challenge_metadata: metadata,
    }
}

/// Asks DefineAuthChallenge what follows `history`, and does it. `srp_a` is the client's A
/// while a PASSWORD_VERIFIER may still be asked for (right after the SRP_A round).
async fn next(
    ctx: &Ctx,
    call: &Call,
    user: User,
    history: Vec<CustomRound>,
    srp_a: Option<BigUint>,
) -> ApiResult<Step> {
    let decision = run(
        ctx,
        call,
        &user,
        Trigger::DefineAuthChallenge,
        "DefineAuthChallenge_Authentication",
        json!({"session": session_json(&history)}),
        json!({"challengeName": null, "issueTokens": null, "failAuthentication": null}),
    )
    .await?;
    if triggers::flag(&decision, "failAuthentication") {
        return Err(incorrect());
    }
    if triggers::flag(&decision, "issueTokens") {
        return challenge::signed_in(ctx, call, user).await;
    }
    let name = decision["challengeName"].as_str().unwrap_or_default();
    match (name, srp_a) {
        ("CUSTOM_CHALLENGE", _) => {}
        ("PASSWORD_VERIFIER", Some(a)) => {
            let outcome = super::auth::srp_handshake(
                ctx,
                call,
                &user.username,
                Some(&user),
                a,
                Some(history),
            )
            .await?;
            return Ok(Step::Challenge(outcome));
        }
        // A password verifier without the client's SRP_A, or a challenge Cognito does not know.
        _ => return Err(invalid_output()),
    }
    if history.len() >= MAX_ROUNDS {
        return Err(incorrect());
    }
    let created = run(
        ctx,
        call,
        &user,
        Trigger::CreateAuthChallenge,
        "CreateAuthChallenge_Authentication",
        json!({"challengeName": name, "session": session_json(&history)}),
        json!({
            "publicChallengeParameters": {},
            "privateChallengeParameters": {},
            "challengeMetadata": null,
        }),
    )
    .await?;
    let public = string_map(&created["publicChallengeParameters"])?;
    let private = string_map(&created["privateChallengeParameters"])?;
    let metadata = created["challengeMetadata"].as_str().map(str::to_string);
    let session = challenge::open_session(
        ctx,
        call,
        &user.username,
        ChallengeState::CustomChallenge {
            sub: user.sub.clone(),
            history,
            private,
            metadata,
        },
    )
    .await?;
    let mut params = public;
    params.insert("USERNAME".into(), user.username.clone());
    Ok(Step::Challenge(Outcome::challenge(
        "CUSTOM_CHALLENGE",
        Some(session),
        params,
    )))
}

/// RespondToAuthChallenge with CUSTOM_CHALLENGE: VerifyAuthChallengeResponse judges the
/// ANSWER, then DefineAuthChallenge decides again with the result added to the session.
pub async fn respond(
    ctx: &Ctx,
    call: &Call,
    username: &str,
    responses: &BTreeMap<String, String>,
    session: Option<&str>,
) -> ApiResult<Step> {
    let pending = challenge::load(ctx, call, session, "CUSTOM_CHALLENGE").await?;
    let answer = param(responses, "ANSWER")?;
    let Some(user) = challenge::user_of(ctx, call, &pending, username).await? else {
        return Err(challenge::invalid_session());
    };
    check_enabled(&user)?;
    let ChallengeState::CustomChallenge {
        history,
        private,
        metadata,
        ..
    } = &pending.state
    else {
        return Err(challenge::invalid_session());
    };
    // Each challenge is answered once, right or wrong; Define decides whether to retry.
    challenge::close(ctx, &pending).await?;
    let verdict = run(
        ctx,
        call,
        &user,
        Trigger::VerifyAuthChallengeResponse,
        "VerifyAuthChallengeResponse_Authentication",
        json!({
            "privateChallengeParameters": private,
            "challengeAnswer": answer,
        }),
        json!({"answerCorrect": null}),
    )
    .await?;
    let mut history = history.clone();
    history.push(round(
        "CUSTOM_CHALLENGE",
        triggers::flag(&verdict, "answerCorrect"),
        metadata.clone(),
    ));
    next(ctx, call, user, history, None).await
}

/// Runs one of the three custom-auth triggers with the request members they share.
async fn run(
    ctx: &Ctx,
    call: &Call,
    user: &User,
    trigger: Trigger,
    source: &str,
    request: Value,
    response: Value,
) -> ApiResult<Value> {
    let mut full = json!({
        "userAttributes": triggers::stored_user_attributes(user),
        "clientMetadata": triggers::string_map(&call.client_metadata),
        "userNotFound": false,
    });
    if let (Some(full), Value::Object(extra)) = (full.as_object_mut(), request) {
        full.extend(extra);
    }
    triggers::run(
        ctx,
        &call.pool,
        Invocation {
            trigger,
            source,
            user_name: &user.username,
            client_id: Some(&call.client_id),
            request: full,
            response,
        },
    )
    .await?
    .ok_or_else(not_configured)
}

/// The session history as the triggers receive it.
fn session_json(history: &[CustomRound]) -> Value {
    history
        .iter()
        .map(|r| {
            json!({
                "challengeName": r.challenge_name,
                "challengeResult": r.challenge_result,
                "challengeMetadata": r.challenge_metadata,
            })
        })
        .collect()
}

/// A map of strings from a function's answer (Cognito's parameters are string maps).
fn string_map(v: &Value) -> ApiResult<BTreeMap<String, String>> {
    match v {
        Value::Null => Ok(BTreeMap::new()),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                Value::Number(_) | Value::Bool(_) => Ok((k.clone(), v.to_string())),
                _ => Err(invalid_output()),
            })
            .collect(),
        _ => Err(invalid_output()),
    }
}
