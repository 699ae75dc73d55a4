//! Lambda triggers: the user's own functions, named in a pool's LambdaConfig, run on the
//! flows Cognito runs them on. This module builds nothing of a flow: a flow hands it the
//! trigger, its `triggerSource`, the user and the event's `request` (and the `response` it
//! starts from), and gets back the function's `response`, or the error Cognito answers when a
//! function fails (`UserLambdaValidationException: <Trigger> failed with error <message>.`),
//! answers garbage (`InvalidLambdaResponseException`) or cannot be reached in 5 seconds
//! (`UnexpectedLambdaException`). Callers run triggers before they write what the trigger may
//! veto, so a failed trigger leaves nothing half-done.
//!
//! Every invocation is recorded for `GET /_dev/triggers`.

pub mod custom_message;
pub mod log;
pub mod page;
pub mod process;
pub mod routes;
pub mod transport;

use crate::protocol::ctx::Ctx;
use crate::protocol::generated::idp::{LambdaConfigType, UserPoolType};
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use serde_json::{Value, json};
use std::time::Instant;
use transport::{Failure, FunctionRef};

/// The user-pool triggers, by their LambdaConfig member names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    PreSignUp,
    PostConfirmation,
    PreAuthentication,
    PostAuthentication,
    PreTokenGeneration,
    CustomMessage,
    UserMigration,
    DefineAuthChallenge,
    CreateAuthChallenge,
    VerifyAuthChallengeResponse,
    CustomEmailSender,
    CustomSmsSender,
}

impl Trigger {
    /// The name Cognito's error messages use.
    pub fn name(self) -> &'static str {
        match self {
            Trigger::PreSignUp => "PreSignUp",
            Trigger::PostConfirmation => "PostConfirmation",
            Trigger::PreAuthentication => "PreAuthentication",
            Trigger::PostAuthentication => "PostAuthentication",
            Trigger::PreTokenGeneration => "PreTokenGeneration",
            Trigger::CustomMessage => "CustomMessage",
            Trigger::UserMigration => "UserMigration",
            Trigger::DefineAuthChallenge => "DefineAuthChallenge",
            Trigger::CreateAuthChallenge => "CreateAuthChallenge",
            Trigger::VerifyAuthChallengeResponse => "VerifyAuthChallengeResponse",
            Trigger::CustomEmailSender => "CustomEmailSender",
            Trigger::CustomSmsSender => "CustomSMSSender",
        }
    }

    /// The function configured for this trigger and the event version it receives
    /// (PreTokenGenerationConfig's LambdaVersion V2_0 / V3_0 gives "2" / "3").
    fn function(self, config: &LambdaConfigType) -> Option<(&str, &'static str)> {
        let arn = match self {
            Trigger::PreSignUp => config.pre_sign_up.as_deref(),
            Trigger::PostConfirmation => config.post_confirmation.as_deref(),
            Trigger::PreAuthentication => config.pre_authentication.as_deref(),
            Trigger::PostAuthentication => config.post_authentication.as_deref(),
            Trigger::PreTokenGeneration => {
                if let Some(v) = &config.pre_token_generation_config {
                    let version = match v.lambda_version.as_str() {
                        "V2_0" => "2",
                        "V3_0" => "3",
                        _ => "1",
                    };
                    return Some((v.lambda_arn.as_str(), version));
                }
                config.pre_token_generation.as_deref()
            }
            Trigger::CustomMessage => config.custom_message.as_deref(),
            Trigger::UserMigration => config.user_migration.as_deref(),
            Trigger::DefineAuthChallenge => config.define_auth_challenge.as_deref(),
            Trigger::CreateAuthChallenge => config.create_auth_challenge.as_deref(),
            Trigger::VerifyAuthChallengeResponse => {
                config.verify_auth_challenge_response.as_deref()
            }
            Trigger::CustomEmailSender => config
                .custom_email_sender
                .as_ref()
                .map(|c| c.lambda_arn.as_str()),
            Trigger::CustomSmsSender => config
                .custom_sms_sender
                .as_ref()
                .map(|c| c.lambda_arn.as_str()),
        };
        arn.filter(|a| !a.is_empty()).map(|a| (a, "1"))
    }
}

/// Is `trigger` configured on `pool`? (Flows skip building an event when it is not.)
pub fn configured(pool: &UserPoolType, trigger: Trigger) -> bool {
    pool.lambda_config
        .as_ref()
        .and_then(|c| trigger.function(c))
        .is_some()
}

/// The event version `pool` sends for `trigger` ("1" unless PreTokenGenerationConfig says).
pub fn version(pool: &UserPoolType, trigger: Trigger) -> &'static str {
    pool.lambda_config
        .as_ref()
        .and_then(|c| trigger.function(c))
        .map_or("1", |(_, v)| v)
}

/// One invocation's inputs besides the request.
pub struct Invocation<'a> {
    pub trigger: Trigger,
    pub source: &'a str,
    /// The user's internal username (`userName`).
    pub user_name: &'a str,
    /// The app client, when the call has one (`callerContext.clientId`).
    pub client_id: Option<&'a str>,
    pub request: Value,
    /// The `response` the event starts with (each trigger documents its members).
    pub response: Value,
}

/// Runs `inv.trigger` when `pool` configures it: `Ok(None)` when it does not, else the
/// function's `response` object.
pub async fn run(ctx: &Ctx, pool: &UserPoolType, inv: Invocation<'_>) -> ApiResult<Option<Value>> {
    let Some((arn, version)) = pool
        .lambda_config
        .as_ref()
        .and_then(|c| inv.trigger.function(c))
    else {
        return Ok(None);
    };
    let pool_id = pool.id.as_deref().unwrap_or_default();
    let region = pool_id
        .split_once('_')
        .map_or(ctx.region.as_str(), |(r, _)| r);
    let event = json!({
        "version": version,
        "triggerSource": inv.source,
        "region": region,
        "userPoolId": pool_id,
        "userName": inv.user_name,
        "callerContext": {
            "awsSdkVersion": "aws-sdk-unknown-unknown",
            "clientId": inv.client_id.unwrap_or("CLIENT_ID_NOT_APPLICABLE"),
        },
        "request": inv.request,
        "response": inv.response,
    });
    let function = FunctionRef::parse(arn);
    let body = serde_json::to_vec(&event).map_err(ApiError::internal)?;
    let started = Instant::now();
    let answer = transport::invoke(&ctx.triggers.routes, &function, &body).await;
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let outcome = interpret(inv.trigger, &function, answer);
    tracing::info!(
        trigger = inv.trigger.name(),
        source = inv.source,
        function = %function.name,
        duration_ms = format_args!("{duration_ms:.1}"),
        ok = outcome.is_ok(),
        "lambda trigger"
    );
    ctx.triggers.log.record(log::Entry {
        trigger: inv.trigger.name(),
        trigger_source: inv.source.to_string(),
        function: function.arn.clone(),
        event,
        response: outcome.as_ref().ok().cloned(),
        error: outcome.as_ref().err().map(|e| e.to_string()),
        duration_ms,
        at: ctx.clock.now_epoch(),
    });
    outcome.map(Some)
}

/// The function's answer as Cognito reads it: the returned event's `response` object.
fn interpret(
    trigger: Trigger,
    function: &FunctionRef,
    answer: Result<Vec<u8>, Failure>,
) -> ApiResult<Value> {
    let name = trigger.name();
    match answer {
        // A custom sender delivers the message itself; Cognito reads nothing back.
        Ok(_)
            if matches!(
                trigger,
                Trigger::CustomEmailSender | Trigger::CustomSmsSender
            ) =>
        {
            Ok(json!({}))
        }
        Ok(body) => {
            let returned: Value = serde_json::from_slice(&body).map_err(|_| unrecognizable())?;
            match returned.get("response") {
                Some(r @ Value::Object(_)) => Ok(r.clone()),
                Some(Value::Null) | None if returned.is_object() => Ok(json!({})),
                _ => Err(unrecognizable()),
            }
        }
        Err(Failure::Function(message)) => Err(ApiError::new(
            ErrorKind::UserLambdaValidationException,
            format!("{name} failed with error {message}."),
        )),
        Err(Failure::NoRoute) => Err(ApiError::new(
            ErrorKind::UnexpectedLambdaException,
            format!(
                "{name} invocation failed: no route to function {} (start the emulator with \
                 --lambda {}=URL or --lambda-endpoint URL).",
                function.name, function.name
            ),
        )),
        Err(Failure::TimedOut) => Err(ApiError::new(
            ErrorKind::UnexpectedLambdaException,
            format!(
                "{name} invocation failed due to error Socket timeout while invoking Lambda function."
            ),
        )),
        Err(Failure::Unreachable(why)) => Err(ApiError::new(
            ErrorKind::UnexpectedLambdaException,
            format!("{name} invocation failed due to error {why}."),
        )),
    }
}

fn unrecognizable() -> ApiError {
    ApiError::new(
        ErrorKind::InvalidLambdaResponseException,
        "Unrecognizable lambda output",
    )
}

/// What triggers need at run time: the routes to functions and the invocation log.
#[derive(Default)]
pub struct Triggers {
    pub routes: transport::Routes,
    pub log: log::InvocationLog,
}

impl Triggers {
    /// From `--lambda-endpoint` and `--lambda NAME=URL|node:FILE|python:FILE`.
    pub fn from_config(config: &crate::config::Config) -> Result<Triggers, String> {
        let mut routes = transport::Routes {
            endpoint: config
                .lambda_endpoint
                .clone()
                .filter(|e| !e.trim().is_empty()),
            ..Default::default()
        };
        for spec in config.lambdas.iter().filter(|s| !s.trim().is_empty()) {
            let (name, url) = spec
                .split_once('=')
                .filter(|(n, u)| !n.trim().is_empty() && !u.trim().is_empty())
                .ok_or_else(|| format!("--lambda {spec}: expected NAME=URL"))?;
            let target = url.trim();
            let route = match process::Spec::parse(target) {
                Some(handler) => {
                    if !handler.file.is_file() {
                        return Err(format!(
                            "--lambda {spec}: no handler file at {}",
                            handler.file.display()
                        ));
                    }
                    transport::Route::Process(std::sync::Arc::new(process::Runner::new(handler)))
                }
                None if target.starts_with("http://") => transport::Route::Http(target.to_string()),
                None => {
                    return Err(format!(
                        "--lambda {spec}: expected NAME=http://..., NAME=node:FILE[#export] or \
                         NAME=python:FILE[#function]"
                    ));
                }
            };
            routes.functions.insert(name.trim().to_string(), route);
        }
        Ok(Triggers {
            routes,
            log: Default::default(),
        })
    }
}

/// A user's attributes as an event's `userAttributes` map.
pub fn user_attributes(attributes: &[(String, String)]) -> Value {
    string_map(attributes.iter().map(|(k, v)| (k, v)))
}

/// ClientMetadata / ValidationData as an event map (`{}` when absent, as Cognito sends).
pub fn string_map<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())))
            .collect(),
    )
}

/// A boolean member of a function's `response` (absent, null or not a boolean: false).
pub fn flag(response: &Value, name: &str) -> bool {
    response.get(name).and_then(Value::as_bool).unwrap_or(false)
}

#[cfg(test)]
mod tests;

/// ValidationData (a list of name/value pairs on the wire) as an event map.
pub fn attribute_map(pairs: Option<&[crate::protocol::generated::idp::AttributeType]>) -> Value {
    Value::Object(
        pairs
            .unwrap_or_default()
            .iter()
            .map(|a| {
                (
                    a.name.clone(),
                    Value::from(a.value.clone().unwrap_or_default()),
                )
            })
            .collect(),
    )
}

/// A stored user's `userAttributes` as Cognito sends them after creation: the attributes
/// with `sub` and `cognito:user_status`.
pub fn stored_user_attributes(user: &crate::model::user::User) -> Value {
    let mut map = match user_attributes(&user.attributes) {
        Value::Object(m) => m,
        _ => Default::default(),
    };
    map.insert("sub".into(), Value::from(user.sub.clone()));
    map.insert(
        "cognito:user_status".into(),
        Value::from(user.status.to_string()),
    );
    Value::Object(map)
}
