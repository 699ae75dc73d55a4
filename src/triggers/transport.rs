//! How a function is reached: the routes configured on the command line, and one HTTP POST
//! per invocation (plain HTTP/1.1 over loopback or a LAN; Lambda endpoints used in
//! development — LocalStack, `sam local start-lambda`, serverless-offline, a test's own
//! server — speak plain HTTP).

use super::process::Runner;
use axum::http::{HeaderMap, Method};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Cognito gives a trigger 5 seconds.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Where functions are answered.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    /// `--lambda-endpoint`: a Lambda Invoke API (`POST {url}/2015-03-31/functions/{name}/invocations`).
    pub endpoint: Option<String>,
    /// `--lambda NAME=...`: one function answered by a plain HTTP endpoint or a handler file.
    pub functions: HashMap<String, Route>,
}

/// How one named function is answered.
#[derive(Debug, Clone)]
pub enum Route {
    /// A plain HTTP endpoint: POST the event, the JSON answer is the result.
    Http(String),
    /// A handler file run by the local node / python3.
    Process(Arc<Runner>),
}

/// A function named in LambdaConfig: the name and qualifier an ARN carries
/// (`arn:aws:lambda:<region>:<account>:function:NAME[:QUALIFIER]`), or a bare name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    pub arn: String,
    pub name: String,
    pub qualifier: Option<String>,
}

impl FunctionRef {
    pub fn parse(arn: &str) -> FunctionRef {
        let (name, qualifier) = match arn.split_once(":function:") {
            Some((_, rest)) => match rest.split_once(':') {
                Some((n, q)) => (n.to_string(), Some(q.to_string())),
                None => (rest.to_string(), None),
            },
            None => (arn.to_string(), None),
        };
        FunctionRef {
            arn: arn.to_string(),
            name,
            qualifier,
        }
    }
}

/// Why an invocation produced no result.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// No route answers this function.
    NoRoute,
    /// Could not connect, the connection broke, or the answer took longer than [`TIMEOUT`].
    Unreachable(String),
    TimedOut,
    /// The function ran and failed (Lambda's `X-Amz-Function-Error`, or a non-2xx answer from a
    /// plain endpoint): its `errorMessage`.
    Function(String),
}

/// Which URL answers `f` and whether it speaks the Lambda Invoke API.
fn target(routes: &Routes, f: &FunctionRef) -> Option<(String, bool)> {
    if let Some(Route::Http(url)) = named(routes, f) {
        return Some((url.clone(), false));
    }
    let endpoint = routes.endpoint.as_deref()?.trim_end_matches('/');
    let mut url = format!("{endpoint}/2015-03-31/functions/{}/invocations", f.name);
    if let Some(q) = &f.qualifier {
        url.push_str("?Qualifier=");
        url.push_str(q);
    }
    Some((url, true))
}

/// The route configured for `f` by name (or whole ARN).
fn named<'a>(routes: &'a Routes, f: &FunctionRef) -> Option<&'a Route> {
    routes
        .functions
        .get(&f.name)
        .or_else(|| routes.functions.get(&f.arn))
}

/// Invokes `f` with `event`; the function's result (its JSON answer).
pub async fn invoke(routes: &Routes, f: &FunctionRef, event: &[u8]) -> Result<Vec<u8>, Failure> {
    if let Some(Route::Process(runner)) = named(routes, f) {
        return runner.invoke(event).await;
    }
    let (url, lambda_api) = target(routes, f).ok_or(Failure::NoRoute)?;
    match tokio::time::timeout(TIMEOUT, post(&url, lambda_api, event)).await {
        Err(_) => Err(Failure::TimedOut),
        Ok(Err(e)) => Err(Failure::Unreachable(e)),
        Ok(Ok((status, headers, body))) => {
            let function_error = headers.contains_key("x-amz-function-error");
            if function_error || !(200..300).contains(&status) {
                Err(Failure::Function(error_message(&body, status)))
            } else {
                Ok(body)
            }
        }
    }
}

/// A failed function's `errorMessage` (Lambda's error shape), or its answer as text.
fn error_message(body: &[u8], status: u16) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    if let Some(m) = parsed
        .as_ref()
        .and_then(|v| v.get("errorMessage").or_else(|| v.get("message")))
        .and_then(|m| m.as_str())
    {
        return m.to_string();
    }
    let text = String::from_utf8_lossy(body).trim().to_string();
    if text.is_empty() {
        format!("HTTP {status}")
    } else {
        text.chars().take(500).collect()
    }
}

async fn post(
    url: &str,
    lambda_api: bool,
    body: &[u8],
) -> Result<(u16, HeaderMap, Vec<u8>), String> {
    let mut headers = vec![("content-type", "application/json")];
    if lambda_api {
        headers.push(("x-amz-invocation-type", "RequestResponse"));
    }
    let answer = crate::http_client::send(Method::POST, url, &headers, body.to_vec()).await?;
    Ok((answer.status, answer.headers, answer.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_come_from_arns() {
        let f = FunctionRef::parse("arn:aws:lambda:us-east-1:123456789012:function:preSignUp");
        assert_eq!((f.name.as_str(), f.qualifier), ("preSignUp", None));
        let f = FunctionRef::parse("arn:aws:lambda:eu-west-1:1:function:fn:live");
        assert_eq!(f.name, "fn");
        assert_eq!(f.qualifier.as_deref(), Some("live"));
        assert_eq!(FunctionRef::parse("bare").name, "bare");
    }

    #[test]
    fn plain_routes_win_over_the_lambda_endpoint() {
        let routes = Routes {
            endpoint: Some("http://localhost:4566/".into()),
            functions: HashMap::from([(
                "a".to_string(),
                Route::Http("http://127.0.0.1:9/a".to_string()),
            )]),
        };
        let f = FunctionRef::parse("arn:aws:lambda:us-east-1:1:function:a");
        assert_eq!(
            target(&routes, &f),
            Some(("http://127.0.0.1:9/a".into(), false))
        );
        let f = FunctionRef::parse("arn:aws:lambda:us-east-1:1:function:b:3");
        assert_eq!(
            target(&routes, &f),
            Some((
                "http://localhost:4566/2015-03-31/functions/b/invocations?Qualifier=3".into(),
                true
            ))
        );
        assert_eq!(target(&Routes::default(), &f), None);
    }

    #[test]
    fn error_messages_are_lambdas_or_the_body() {
        assert_eq!(
            error_message(br#"{"errorMessage":"nope","errorType":"Error"}"#, 200),
            "nope"
        );
        assert_eq!(error_message(b"boom", 500), "boom");
        assert_eq!(error_message(b"", 502), "HTTP 502");
    }
}
