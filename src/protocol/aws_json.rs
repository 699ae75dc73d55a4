//! `POST /`: the AWS JSON 1.1 protocol both Cognito services speak. Reads the target, parses
//! and validates the body against the service model, and hands it to the service's action
//! table. Every failure before the handler is an AWS-shaped error, never a panic.

use super::ctx::{Ctx, base_url};
use super::model::{IDENTITY, IDP, ServiceModel};
use super::validate::{Invalid, validate_input};
use super::{ApiError, ApiResult, ErrorKind};
use crate::ids;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::future::Future;

pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Declares a service's action table: the one list from which dispatch and the list of
/// implemented actions come. Every modelled action not listed answers NotImplementedException.
#[macro_export]
macro_rules! action_table {
    ($($action:ident => $handler:path),* $(,)?) => {
        /// The actions implemented, in table order.
        pub const IMPLEMENTED: &[&str] = &[$(stringify!($action)),*];

        /// Runs `action`, or `None` when this table does not implement it.
        pub async fn dispatch(
            ctx: $crate::protocol::ctx::Ctx,
            action: &str,
            input: serde_json::Value,
        ) -> Option<$crate::protocol::ApiResult<Vec<u8>>> {
            let _ = (&ctx, &input); // an empty table uses neither
            match action {
                $(stringify!($action) => Some($crate::protocol::aws_json::invoke(ctx, input, $handler).await),)*
                _ => None,
            }
        }
    };
}

/// A null member, map value or list item counts as absent, as on AWS: clients send them
/// (amazon-cognito-identity-js retries a challenge with `"DEVICE_KEY": null`).
fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => {
            items.retain(|v| !v.is_null());
            items.iter_mut().for_each(drop_nulls);
        }
        _ => {}
    }
}

/// Deserializes the (already validated) input, runs the handler, serializes its output.
pub async fn invoke<I, O, F, Fut>(ctx: Ctx, input: Value, handler: F) -> ApiResult<Vec<u8>>
where
    I: DeserializeOwned,
    O: Serialize,
    F: FnOnce(Ctx, I) -> Fut,
    Fut: Future<Output = ApiResult<O>>,
{
    let input: I = serde_json::from_value(input)
        .map_err(|e| ApiError::new(ErrorKind::SerializationException, e.to_string()))?;
    let output = handler(ctx, input).await?;
    serde_json::to_vec(&output).map_err(ApiError::internal)
}

enum Service {
    Idp,
    Identity,
}

fn service_of(prefix: &str) -> Option<(Service, &'static ServiceModel)> {
    if prefix == IDP.target_prefix {
        Some((Service::Idp, &IDP))
    } else if prefix == IDENTITY.target_prefix {
        Some((Service::Identity, &IDENTITY))
    } else {
        None
    }
}

/// The region in a SigV4 `Authorization` header's credential scope, if any.
fn signed_region(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let cred = auth.split("Credential=").nth(1)?;
    let scope = cred.split([',', ' ']).next()?;
    let region = scope.split('/').nth(2)?;
    (!region.is_empty()).then(|| region.to_string())
}

/// The handler of `POST /`.
pub async fn handle(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut close = false;
    let mut named = None;
    let record_to = app.config.record_responses.clone();
    let result = run(
        app,
        &headers,
        body,
        request_id.clone(),
        &mut close,
        &mut named,
    )
    .await;
    if let Some(path) = record_to {
        record_response(&path, named, &result);
    }
    let mut resp = match result {
        Ok(bytes) => {
            let mut r = Bytes::from(bytes).into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
            r
        }
        Err(e) => e.into_response(),
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-amzn-RequestId", v);
    }
    if close {
        // The rest of the body is unread: tell the client not to reuse this connection.
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    resp
}

/// Serializes appends from concurrent requests so lines never interleave.
static RECORD_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// One JSON line: `{"service", "action", "status", "body"}`. `service` is the botocore name
/// (`cognito-idp`, `cognito-identity`) or null when the target named no service; the body is
/// the JSON sent. Failures to write are logged, never returned: recording must not change
/// what the client sees.
fn record_response(
    path: &std::path::Path,
    named: Option<(&'static str, String)>,
    result: &ApiResult<Vec<u8>>,
) {
    use std::io::Write;
    let (service, action) = match named {
        Some((s, a)) => (Some(s), Some(a)),
        None => (None, None),
    };
    let (status, body) = match result {
        Ok(bytes) => (
            200,
            serde_json::from_slice::<Value>(bytes).unwrap_or(Value::Null),
        ),
        Err(e) => (
            e.status().as_u16(),
            serde_json::json!({"__type": e.kind.name(), "message": e.message}),
        ),
    };
    let mut line = serde_json::json!({
        "service": service,
        "action": action,
        "status": status,
        "body": body,
    })
    .to_string();
    line.push('\n');
    let _guard = RECORD_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = written {
        tracing::warn!(path = %path.display(), error = %e, "cannot record a response");
    }
}

/// The request's `Origin` when it names a host outside the allow-list (or is `null`).
fn foreign_origin(app: &AppState, headers: &HeaderMap) -> Option<String> {
    let origin = headers.get(header::ORIGIN)?.to_str().unwrap_or("null");
    let allowed = crate::exposure::origin_host(origin)
        .is_some_and(|host| crate::exposure::host_allowed_by_config(&app.config, &host));
    (!allowed).then(|| origin.to_string())
}

/// How a request body was read.
enum ReadBody {
    /// Whole, within the limit.
    Read(Bytes),
    /// Over the limit, read to its end and dropped.
    Drained,
    /// Over the drain bound, failed, or too slow to drop.
    Abandoned,
}

/// An over-limit body is read and dropped up to this many times the limit (at least
/// [`DRAIN_MIN`] bytes)...
const DRAIN_FACTOR: usize = 16;
const DRAIN_MIN: usize = 16 * 1024 * 1024;
/// ...and for at most this long, so the client gets the JSON error rather than a broken pipe.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(10);

async fn read_body(body: axum::body::Body, limit: usize) -> ReadBody {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut kept: Vec<u8> = Vec::new();
    let mut total: usize = 0;
    let drain_limit = limit.saturating_mul(DRAIN_FACTOR).max(DRAIN_MIN);
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        let frame = match deadline {
            None => body.frame().await,
            Some(at) => match tokio::time::timeout_at(at, body.frame()).await {
                Ok(frame) => frame,
                Err(_) => return ReadBody::Abandoned,
            },
        };
        let data = match frame {
            None => break,
            Some(Err(_)) => return ReadBody::Abandoned,
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => data,
                Err(_) => continue,
            },
        };
        total = total.saturating_add(data.len());
        if total > drain_limit {
            return ReadBody::Abandoned;
        }
        if total > limit {
            kept = Vec::new();
            deadline.get_or_insert_with(|| tokio::time::Instant::now() + DRAIN_TIME);
        } else {
            kept.extend_from_slice(&data);
        }
    }
    if total > limit {
        ReadBody::Drained
    } else {
        ReadBody::Read(Bytes::from(kept))
    }
}

async fn run(
    app: AppState,
    headers: &HeaderMap,
    body: axum::body::Body,
    request_id: String,
    close: &mut bool,
    named: &mut Option<(&'static str, String)>,
) -> ApiResult<Vec<u8>> {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (prefix, action) = target.rsplit_once('.').unwrap_or(("", target));
    let Some((service, model)) = service_of(prefix) else {
        return Err(ApiError::new(
            ErrorKind::UnknownOperationException,
            format!(
                "Unknown operation: X-Amz-Target '{target}' names no operation of Cognito Identity Provider or Cognito Identity."
            ),
        ));
    };
    *named = Some((
        match service {
            Service::Idp => "cognito-idp",
            Service::Identity => "cognito-identity",
        },
        action.to_string(),
    ));
    let Some(op) = model.operation(action) else {
        return Err(ApiError::new(
            ErrorKind::UnknownOperationException,
            format!("Unknown operation {action} for {prefix}."),
        ));
    };

    let implemented = match service {
        Service::Idp => crate::idp::IMPLEMENTED.contains(&action),
        Service::Identity => crate::identity::IMPLEMENTED.contains(&action),
    };
    if !implemented {
        return Err(ApiError::new(
            ErrorKind::NotImplementedException,
            format!("{action} is not implemented by cognito-emu yet."),
        ));
    }

    // AWS needs credentials for every other action. Signatures are not checked here, so a
    // web page on a foreign origin (another site, through the developer's browser) is refused
    // them; tools send no Origin, and the developer's own pages are on allowed hosts.
    let unsigned = match service {
        Service::Idp => super::unsigned::IDP,
        Service::Identity => super::unsigned::IDENTITY,
    };
    if !unsigned.contains(&action)
        && let Some(origin) = foreign_origin(&app, headers)
    {
        *close = true; // the body stays unread
        return Err(ApiError::new(
            ErrorKind::AccessDeniedException,
            format!(
                "{action} needs AWS credentials and is refused to web pages from {origin}; \
                 start cognito-emu with --allowed-hosts naming that host to allow it."
            ),
        ));
    }

    let limit = app.config.max_body_bytes;
    let bytes = match read_body(body, limit).await {
        ReadBody::Read(bytes) => bytes,
        over => {
            // Read to its end (within bounds), the connection stays usable and the client
            // reads this answer instead of a broken pipe.
            *close = !matches!(over, ReadBody::Drained);
            return Err(ApiError::invalid_parameter(format!(
                "Request body is larger than the limit of {limit} bytes."
            )));
        }
    };
    // AWS checks the signature before the input; only the scope's region is checked here.
    let signed = signed_region(headers);
    if let Some(region) = &signed
        && !ids::is_region(region)
    {
        return Err(ApiError::new(
            ErrorKind::InvalidSignatureException,
            format!("Credential should be scoped to a valid region, not '{region}'. "),
        ));
    }
    let mut input: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::new(
                ErrorKind::SerializationException,
                format!("Request body is not valid JSON: {e}"),
            )
        })?
    };
    if let Some(shape) = op.input {
        validate_input(model, shape, &input).map_err(|e| match e {
            Invalid::Serialization(m) => ApiError::new(ErrorKind::SerializationException, m),
            // Cognito Identity words constraint violations as user pools do but types them
            // ValidationException (a real AWS answer is quoted in getmoto/moto#1979).
            Invalid::Constraints(m) => match service {
                Service::Idp => ApiError::invalid_parameter(m),
                Service::Identity => ApiError::new(ErrorKind::ValidationException, m),
            },
        })?;
    }

    drop_nulls(&mut input);

    let ctx = Ctx {
        base_url: base_url(&app, headers),
        signed: signed.is_some(),
        region: signed.unwrap_or_else(|| app.config.region.clone()),
        app,
        request_id,
    };
    super::region_scope::check(
        &ctx,
        match service {
            Service::Idp => super::region_scope::Names::UserPools,
            Service::Identity => super::region_scope::Names::Identities,
        },
        &input,
    )?;
    let outcome = match service {
        Service::Idp => crate::idp::dispatch(ctx, action, input).await,
        Service::Identity => crate::identity::dispatch(ctx, action, input).await,
    };
    outcome.unwrap_or_else(|| {
        Err(ApiError::internal(format!(
            "{action} is in IMPLEMENTED but not dispatched"
        )))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Calls `POST /` the way a client does and returns (status, `__type`, message).
    async fn call(app: &AppState, target: &str, body: String) -> (u16, String, String) {
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-target", HeaderValue::from_str(target).unwrap());
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-amz-json-1.1"),
        );
        let resp = handle(State(app.clone()), headers, axum::body::Body::from(body)).await;
        let status = resp.status().as_u16();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        let kind = v["__type"].as_str().unwrap_or_default().to_string();
        let message = v["message"].as_str().unwrap_or_default().to_string();
        (status, kind, message)
    }

    async fn app() -> AppState {
        crate::build_state(crate::config::Config::for_tests())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn null_map_values_count_as_absent() {
        // amazon-cognito-identity-js answers `"DEVICE_KEY": null` after a stale device; the
        // call must reach the handler (here: an unknown client), not fail to deserialize.
        let app = app().await;
        let body = r#"{"ClientId": "abc", "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeResponses": {"USERNAME": "bob", "DEVICE_KEY": null}, "Session": null}"#;
        let (status, kind, _) = call(
            &app,
            "AWSCognitoIdentityProviderService.RespondToAuthChallenge",
            body.to_string(),
        )
        .await;
        assert_eq!((status, kind.as_str()), (400, "ResourceNotFoundException"));
    }

    #[tokio::test]
    async fn sensitive_values_are_not_echoed_over_http() {
        let app = app().await;
        // Issue 16 item 8: a 500,000-character PASSWORD came back whole in the message.
        let huge = "p".repeat(500_000);
        let body = serde_json::json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "abc",
            "AuthParameters": {"USERNAME": "bob", "PASSWORD": huge}})
        .to_string();
        let (status, kind, message) =
            call(&app, "AWSCognitoIdentityProviderService.InitiateAuth", body).await;
        assert_eq!((status, kind.as_str()), (400, "InvalidParameterException"));
        assert_eq!(
            message,
            "1 validation error detected: Value at 'authParameters.PASSWORD' failed to satisfy constraint: Member must have length less than or equal to 131072"
        );
        let body =
            serde_json::json!({"ClientId": "abc", "Username": "bob", "Password": huge}).to_string();
        let (status, kind, message) =
            call(&app, "AWSCognitoIdentityProviderService.SignUp", body).await;
        assert_eq!((status, kind.as_str()), (400, "InvalidParameterException"));
        assert_eq!(
            message,
            "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 256"
        );
    }

    #[tokio::test]
    async fn identity_constraint_violations_are_validation_exceptions() {
        // Issue 16 item 3; AWS's answer quoted in getmoto/moto#1979: "An error occurred
        // (ValidationException) when calling the CreateIdentityPool operation: 1 validation
        // error detected: Value 'test-with-identity-pool' at 'identityPoolName' failed to
        // satisfy constraint: Member must satisfy regular expression pattern: [\w ]+" (the
        // model's pattern has since been widened to `[\w\s+=,.@-]+`).
        let app = app().await;
        let cases = [
            (
                "CreateIdentityPool",
                r#"{"IdentityPoolName": "bad/name", "AllowUnauthenticatedIdentities": false}"#,
                r"1 validation error detected: Value 'bad/name' at 'identityPoolName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w\s+=,.@-]+",
            ),
            (
                "DescribeIdentityPool",
                r#"{"IdentityPoolId": "us-east-1_AbCdEf123"}"#,
                r"1 validation error detected: Value 'us-east-1_AbCdEf123' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+:[0-9a-f-]+",
            ),
            (
                "DescribeIdentity",
                r#"{"IdentityId": "nope"}"#,
                r"1 validation error detected: Value 'nope' at 'identityId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+:[0-9a-f-]+",
            ),
            (
                "GetId",
                r#"{"IdentityPoolId": "us-east-1:0000", "AccountId": "12ab"}"#,
                r"1 validation error detected: Value '12ab' at 'accountId' failed to satisfy constraint: Member must satisfy regular expression pattern: \d+",
            ),
            (
                "DescribeIdentityPool",
                "{}",
                "1 validation error detected: Value null at 'identityPoolId' failed to satisfy constraint: Member must not be null",
            ),
        ];
        for (action, body, want) in cases {
            let target = format!("AWSCognitoIdentityService.{action}");
            let (status, kind, message) = call(&app, &target, body.to_string()).await;
            assert_eq!(
                (status, kind.as_str(), message.as_str()),
                (400, "ValidationException", want),
                "{action}"
            );
        }
        // User pools keep InvalidParameterException for the same kind of violation.
        let (status, kind, message) = call(
            &app,
            "AWSCognitoIdentityProviderService.DescribeUserPool",
            r#"{"UserPoolId": "bad"}"#.to_string(),
        )
        .await;
        assert_eq!((status, kind.as_str()), (400, "InvalidParameterException"));
        assert!(message.starts_with("1 validation error detected: Value 'bad' at 'userPoolId'"));
    }

    #[test]
    fn region_comes_from_the_sigv4_scope() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=AKIA/20240101/eu-west-2/cognito-idp/aws4_request, SignedHeaders=host, Signature=abc"),
        );
        assert_eq!(signed_region(&h).as_deref(), Some("eu-west-2"));
        assert_eq!(signed_region(&HeaderMap::new()), None);
    }

    #[test]
    fn recorder_appends_one_line_per_response() {
        let path =
            std::env::temp_dir().join(format!("cognito-emu-rec-{}.jsonl", uuid::Uuid::new_v4()));
        record_response(
            &path,
            Some(("cognito-idp", "ListUserPools".into())),
            &Ok(br#"{"UserPools":[]}"#.to_vec()),
        );
        record_response(
            &path,
            Some(("cognito-identity", "GetId".into())),
            &Err(ApiError::not_authorized("Invalid login token.")),
        );
        record_response(
            &path,
            None,
            &Err(ApiError::new(ErrorKind::UnknownOperationException, "x")),
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["service"], "cognito-idp");
        assert_eq!(lines[0]["action"], "ListUserPools");
        assert_eq!(lines[0]["status"], 200);
        assert_eq!(lines[0]["body"]["UserPools"], serde_json::json!([]));
        assert_eq!(lines[1]["status"], 400);
        assert_eq!(lines[1]["body"]["__type"], "NotAuthorizedException");
        assert_eq!(lines[2]["service"], Value::Null);
        let _ = std::fs::remove_file(&path);
    }
}
