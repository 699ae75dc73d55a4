//! Lambda triggers through the Rust SDK: a pool whose LambdaConfig names functions answered by
//! an in-test Lambda Invoke API host (`--lambda-endpoint`), as LocalStack or `sam local
//! start-lambda` would answer them. Emulator only: on AWS the functions would have to be
//! deployed Lambdas.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use conformance::idp::types::{
    AttributeType, AuthFlowType, ExplicitAuthFlowsType, LambdaConfigType,
    PreTokenGenerationLambdaVersionType, PreTokenGenerationVersionConfigType,
};
use conformance::{Harness, RawClient};
use serde_json::{Value, json};

const PW: &str = "Passw0rd!";

/// PreSignUp: only @example.com may sign up, and they are confirmed at once.
/// PreTokenGeneration (V2_0): a claim in each token and a scope in the access token.
async fn function(Path(name): Path<String>, body: String) -> Response {
    let mut event: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    match name.as_str() {
        "preSignUp" => {
            let email = event["request"]["userAttributes"]["email"]
                .as_str()
                .unwrap_or_default();
            if !email.ends_with("@example.com") {
                let mut headers = HeaderMap::new();
                headers.insert(
                    "x-amz-function-error",
                    HeaderValue::from_static("Unhandled"),
                );
                let error = json!({"errorMessage": "Domain not allowed", "errorType": "Error"});
                return (headers, error.to_string()).into_response();
            }
            event["response"]["autoConfirmUser"] = true.into();
            event["response"]["autoVerifyEmail"] = true.into();
        }
        "preToken" => {
            event["response"]["claimsAndScopeOverrideDetails"] = json!({
                "idTokenGeneration": {"claimsToAddOrOverride": {"plan": "pro"}},
                "accessTokenGeneration": {
                    "claimsToAddOrOverride": {"tenant_id": "t-1"},
                    "scopesToAdd": ["reports/read"],
                },
            });
        }
        _ => {}
    }
    axum::Json(event).into_response()
}

fn claims(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}

fn arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
}

#[tokio::test]
async fn pre_sign_up_and_pre_token_generation_v2_run_through_the_lambda_invoke_api() {
    let Some(_h) = Harness::emulator_only("the functions are served by the test itself") else {
        return;
    };
    let host = Router::new().route("/2015-03-31/functions/{name}/invocations", post(function));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the function host");
    let host_url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, host).await });
    let mut config = cognito_emu::config::Config::for_tests();
    config.lambda_endpoint = Some(host_url);
    let running = cognito_emu::start(config)
        .await
        .expect("start a private emulator");
    let client = conformance::idp_client_for(&running.url);

    let pool_id = client
        .create_user_pool()
        .pool_name("triggers")
        .lambda_config(
            LambdaConfigType::builder()
                .pre_sign_up(arn("preSignUp"))
                .pre_token_generation_config(
                    PreTokenGenerationVersionConfigType::builder()
                        .lambda_version(PreTokenGenerationLambdaVersionType::V20)
                        .lambda_arn(arn("preToken"))
                        .build()
                        .expect("version config"),
                )
                .build(),
        )
        .send()
        .await
        .expect("CreateUserPool")
        .user_pool
        .and_then(|p| p.id)
        .expect("Id");
    let client_id = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("ClientId");
    let email = |v: &str| {
        AttributeType::builder()
            .name("email")
            .value(v)
            .build()
            .expect("attribute")
    };

    // A refused sign-up is the SDK's typed UserLambdaValidationException, and no user exists.
    let err = client
        .sign_up()
        .client_id(&client_id)
        .username("mallory")
        .password(PW)
        .user_attributes(email("mallory@evil.test"))
        .send()
        .await
        .expect_err("refused by PreSignUp")
        .into_service_error();
    assert!(err.is_user_lambda_validation_exception(), "{err:?}");
    assert_eq!(
        err.meta().message(),
        Some("PreSignUp failed with error Domain not allowed.")
    );
    let listed = client
        .list_users()
        .user_pool_id(&pool_id)
        .send()
        .await
        .expect("ListUsers");
    assert!(listed.users().is_empty());

    // An allowed one is confirmed by the function and signs in straight away.
    let out = client
        .sign_up()
        .client_id(&client_id)
        .username("alice")
        .password(PW)
        .user_attributes(email("alice@example.com"))
        .send()
        .await
        .expect("SignUp");
    assert!(out.user_confirmed());
    let tokens = client
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await
        .expect("InitiateAuth")
        .authentication_result
        .expect("tokens");
    let id = claims(tokens.id_token().expect("IdToken"));
    assert_eq!(id["plan"], "pro");
    assert_eq!(id["email_verified"], true);
    let access = claims(tokens.access_token().expect("AccessToken"));
    assert_eq!(access["tenant_id"], "t-1");
    assert_eq!(
        access["scope"],
        "aws.cognito.signin.user.admin reports/read"
    );
    // The customised access token is still one the service accepts.
    client
        .get_user()
        .access_token(tokens.access_token().expect("AccessToken"))
        .send()
        .await
        .expect("GetUser with the customised token");

    // What the functions were sent, from the dev route.
    let r = RawClient::new(&running.url)
        .get("/_dev/triggers?trigger=PreTokenGeneration")
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let sent = &r.json()["invocations"][0]["event"];
    assert_eq!(sent["version"], "2");
    assert_eq!(sent["triggerSource"], "TokenGeneration_Authentication");
    assert_eq!(sent["userPoolId"], pool_id.as_str());
    assert_eq!(sent["callerContext"]["clientId"], client_id.as_str());
}
