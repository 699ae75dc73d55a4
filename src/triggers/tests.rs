//! Triggers end to end through the handlers, against an in-test function host that speaks
//! the Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`).

use crate::config::Config;
use crate::idp::shapes::*;
use crate::protocol::ctx::Ctx;
use crate::testkit;
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// The functions the tests configure, each written the way the developer guide's samples
/// are: take the event, set `response`, return the event (or throw).
async fn function(Path(name): Path<String>, body: String) -> Response {
    let mut event: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let fail = |message: &str| {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amz-function-error",
            HeaderValue::from_static("Unhandled"),
        );
        (
            StatusCode::OK,
            headers,
            json!({"errorMessage": message, "errorType": "Error"}).to_string(),
        )
            .into_response()
    };
    match name.as_str() {
        "allowList" => {
            let email = event["request"]["userAttributes"]["email"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if !email.ends_with("@example.com") {
                return fail("Registration from this domain is not allowed.");
            }
            event["response"]["autoConfirmUser"] = true.into();
            event["response"]["autoVerifyEmail"] = true.into();
        }
        "garbage" => return (StatusCode::OK, "this is not json").into_response(),
        "deny" => return fail("Sign-in is closed."),
        "claimsV1" => {
            event["response"]["claimsOverrideDetails"] = json!({
                "claimsToAddOrOverride": {"tier": "gold"},
                "claimsToSuppress": ["email"],
                "groupOverrideDetails": {"groupsToOverride": ["admins"]},
            });
        }
        "claimsV2" => {
            event["response"]["claimsAndScopeOverrideDetails"] = json!({
                "idTokenGeneration": {"claimsToAddOrOverride": {"tier": "gold"}},
                "accessTokenGeneration": {
                    "claimsToAddOrOverride": {"tenant": {"id": 7}},
                    "scopesToAdd": ["orders/read"],
                },
            });
        }
        // The developer guide's custom-challenge samples, in short: three tries at a question.
        "define" => {
            let session = event["request"]["session"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let last_ok = session.last().is_some_and(|r| r["challengeResult"] == true);
            if last_ok {
                event["response"]["issueTokens"] = true.into();
                event["response"]["failAuthentication"] = false.into();
            } else if session.len() >= 3 {
                event["response"]["issueTokens"] = false.into();
                event["response"]["failAuthentication"] = true.into();
            } else {
                event["response"]["issueTokens"] = false.into();
                event["response"]["failAuthentication"] = false.into();
                event["response"]["challengeName"] = "CUSTOM_CHALLENGE".into();
            }
        }
        // The developer guide's Define sample for a password before the custom challenge.
        "defineSrp" => {
            let session = event["request"]["session"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let at = |i: usize, name: &str| {
                session.len() == i + 1
                    && session[i]["challengeName"] == name
                    && session[i]["challengeResult"] == true
            };
            event["response"]["issueTokens"] = false.into();
            event["response"]["failAuthentication"] = false.into();
            if at(0, "SRP_A") {
                event["response"]["challengeName"] = "PASSWORD_VERIFIER".into();
            } else if at(1, "PASSWORD_VERIFIER") {
                event["response"]["challengeName"] = "CUSTOM_CHALLENGE".into();
            } else if at(2, "CUSTOM_CHALLENGE") {
                event["response"]["issueTokens"] = true.into();
            } else {
                event["response"]["failAuthentication"] = true.into();
            }
        }
        // A custom sender as users write them: deliver, return nothing.
        "sender" => return (StatusCode::OK, "null").into_response(),
        "externalOnly" => {
            let email = event["request"]["userAttributes"]["email"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if !email.ends_with("@example.com") {
                return fail("Only example.com accounts may federate.");
            }
            event["response"]["autoVerifyEmail"] = true.into();
        }
        // Migrates anyone with one shared verified address; `forced` takes the alias over.
        "migrateShared" => {
            let forced = event["userName"] == "forced";
            event["response"]["userAttributes"] = json!({
                "email": "shared@example.com",
                "email_verified": "true",
            });
            event["response"]["messageAction"] = "SUPPRESS".into();
            event["response"]["forceAliasCreation"] = forced.into();
        }
        "create" => {
            event["response"]["publicChallengeParameters"] = json!({"question": "6 x 7?"});
            event["response"]["privateChallengeParameters"] = json!({"answer": "42"});
            event["response"]["challengeMetadata"] = "QUESTION-1".into();
        }
        "verify" => {
            let right = event["request"]["challengeAnswer"]
                == event["request"]["privateChallengeParameters"]["answer"];
            event["response"]["answerCorrect"] = right.into();
        }
        "customMessage" if event["triggerSource"] == "CustomMessage_SignUp" => {
            event["response"]["emailSubject"] = "Welcome to Acme".into();
            event["response"]["emailMessage"] =
                "Hi! Your Acme code is {####}. <a href=\"https://acme.test\">Acme</a>".into();
        }
        "migrate" => {
            let known = event["userName"] == "legacy";
            let password_ok = event["triggerSource"] == "UserMigration_ForgotPassword"
                || event["request"]["password"] == "Passw0rd!";
            if !known || !password_ok {
                return fail("Bad password");
            }
            event["response"]["userAttributes"] = json!({
                "email": "legacy@example.com",
                "email_verified": "true",
            });
            event["response"]["messageAction"] = "SUPPRESS".into();
        }
        _ => {}
    }
    axum::Json(event).into_response()
}

/// A function host on a free port; returns its base URL.
async fn function_host() -> String {
    let app = Router::new().route("/2015-03-31/functions/{name}/invocations", post(function));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

struct Env {
    ctx: Ctx,
    pool_id: String,
    client: UserPoolClientType,
}

/// A pool whose LambdaConfig is `config`, a client allowing password sign-in, and an
/// emulator whose `--lambda-endpoint` is the in-test host.
async fn env(config: LambdaConfigType) -> Env {
    let mut c = Config::for_tests();
    c.lambda_endpoint = Some(function_host().await);
    let ctx = Ctx::internal(crate::build_state(c).await.unwrap());
    let pool = testkit::pool(&ctx, |p| p.lambda_config = Some(config)).await;
    let client = testkit::client_with(&ctx, &pool, |c| {
        c.explicit_auth_flows = Some(vec![
            "ALLOW_USER_PASSWORD_AUTH".into(),
            "ALLOW_REFRESH_TOKEN_AUTH".into(),
        ]);
    })
    .await;
    Env {
        pool_id: pool.id.clone().unwrap(),
        ctx,
        client,
    }
}

fn arn(name: &str) -> Option<String> {
    Some(format!(
        "arn:aws:lambda:us-east-1:123456789012:function:{name}"
    ))
}

impl Env {
    fn client_id(&self) -> String {
        self.client.client_id.clone().unwrap()
    }

    async fn sign_up(
        &self,
        username: &str,
        email: &str,
    ) -> crate::protocol::ApiResult<SignUpResponse> {
        crate::idp::sign_up::sign_up(
            self.ctx.clone(),
            SignUpRequest {
                client_id: self.client_id(),
                username: username.into(),
                password: Some("Passw0rd!".into()),
                user_attributes: Some(vec![testkit::attr("email", email)]),
                validation_data: Some(vec![testkit::attr("invite", "abc")]),
                ..Default::default()
            },
        )
        .await
    }

    async fn sign_in(&self, username: &str) -> crate::protocol::ApiResult<InitiateAuthResponse> {
        crate::idp::auth::initiate_auth(
            self.ctx.clone(),
            InitiateAuthRequest {
                auth_flow: "USER_PASSWORD_AUTH".into(),
                auth_parameters: Some(
                    [
                        ("USERNAME".to_string(), username.to_string()),
                        ("PASSWORD".to_string(), "Passw0rd!".to_string()),
                    ]
                    .into(),
                ),
                client_metadata: Some([("source".to_string(), "test".to_string())].into()),
                client_id: self.client_id(),
                ..Default::default()
            },
        )
        .await
    }

    async fn confirmed_user(&self, username: &str) {
        crate::idp::admin_users::admin_create_user(
            self.ctx.clone(),
            AdminCreateUserRequest {
                user_pool_id: self.pool_id.clone(),
                username: username.into(),
                user_attributes: Some(vec![
                    testkit::attr("email", &format!("{username}@example.com")),
                    testkit::attr("email_verified", "true"),
                ]),
                message_action: Some("SUPPRESS".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        crate::idp::admin_users::admin_set_user_password(
            self.ctx.clone(),
            AdminSetUserPasswordRequest {
                user_pool_id: self.pool_id.clone(),
                username: username.into(),
                password: "Passw0rd!".into(),
                permanent: Some(true),
            },
        )
        .await
        .unwrap();
    }

    /// RespondToAuthChallenge with `pairs` as the ChallengeResponses.
    async fn respond(
        &self,
        challenge: &str,
        session: Option<String>,
        pairs: &[(&str, &str)],
    ) -> crate::protocol::ApiResult<RespondToAuthChallengeResponse> {
        crate::idp::auth::respond_to_auth_challenge(
            self.ctx.clone(),
            RespondToAuthChallengeRequest {
                client_id: self.client_id(),
                challenge_name: challenge.into(),
                session,
                challenge_responses: Some(
                    pairs
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                ..Default::default()
            },
        )
        .await
    }

    fn invocations(&self, trigger: &str) -> Vec<crate::triggers::log::Entry> {
        self.ctx
            .triggers
            .log
            .entries()
            .into_iter()
            .filter(|e| e.trigger == trigger)
            .collect()
    }
}

fn claims(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn pre_sign_up_confirms_allowed_users_and_refuses_the_rest_leaving_nothing() {
    let e = env(LambdaConfigType {
        pre_sign_up: arn("allowList"),
        post_confirmation: arn("postConfirm"),
        ..Default::default()
    })
    .await;
    let out = e.sign_up("ann", "ann@example.com").await.unwrap();
    assert!(out.user_confirmed);
    assert!(out.code_delivery_details.is_none());
    let user = e
        .ctx
        .store
        .get_user(&e.pool_id, "ann")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.status, crate::model::user::UserStatus::Confirmed);
    assert_eq!(user.attr("email_verified"), Some("true"));
    let sent = &e.invocations("PreSignUp")[0].event;
    assert_eq!(sent["triggerSource"], "PreSignUp_SignUp");
    assert_eq!(sent["version"], "1");
    assert_eq!(sent["userPoolId"], e.pool_id.as_str());
    assert_eq!(sent["userName"], "ann");
    assert_eq!(sent["callerContext"]["clientId"], e.client_id().as_str());
    assert_eq!(
        sent["request"]["userAttributes"]["email"],
        "ann@example.com"
    );
    assert_eq!(sent["request"]["validationData"]["invite"], "abc");

    let err = e.sign_up("bob", "bob@evil.test").await.unwrap_err();
    assert_eq!(err.kind.name(), "UserLambdaValidationException");
    assert_eq!(
        err.message,
        "PreSignUp failed with error Registration from this domain is not allowed.."
    );
    assert!(
        e.ctx
            .store
            .get_user(&e.pool_id, "bob")
            .await
            .unwrap()
            .is_none()
    );
    let mail = e
        .ctx
        .store
        .list_messages(&Default::default(), true, 10)
        .await
        .unwrap();
    assert!(mail.is_empty(), "no code is sent for a refused sign-up");
}

#[tokio::test]
async fn unreachable_and_garbage_functions_fail_the_call_with_cognitos_errors() {
    let e = env(LambdaConfigType {
        pre_sign_up: arn("garbage"),
        ..Default::default()
    })
    .await;
    let err = e.sign_up("ann", "ann@example.com").await.unwrap_err();
    assert_eq!(err.kind.name(), "InvalidLambdaResponseException");
    assert_eq!(err.message, "Unrecognizable lambda output");
    assert!(
        e.ctx
            .store
            .get_user(&e.pool_id, "ann")
            .await
            .unwrap()
            .is_none()
    );

    // No route to the function at all.
    let state = crate::build_state(Config::for_tests()).await.unwrap();
    let ctx = Ctx::internal(state);
    let pool = testkit::pool(&ctx, |p| {
        p.lambda_config = Some(LambdaConfigType {
            pre_sign_up: arn("nowhere"),
            ..Default::default()
        })
    })
    .await;
    let client = testkit::client(&ctx, &pool, false).await;
    let err = crate::idp::sign_up::sign_up(
        ctx.clone(),
        SignUpRequest {
            client_id: client.client_id.clone().unwrap(),
            username: "ann".into(),
            password: Some("Passw0rd!".into()),
            user_attributes: Some(vec![testkit::attr("email", "ann@example.com")]),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind.name(), "UnexpectedLambdaException");
    assert!(
        err.message.contains("--lambda nowhere=URL"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn post_confirmation_sees_the_confirmed_user() {
    let e = env(LambdaConfigType {
        post_confirmation: arn("postConfirm"),
        ..Default::default()
    })
    .await;
    let out = e.sign_up("cy", "cy@example.com").await.unwrap();
    assert!(!out.user_confirmed);
    assert!(e.invocations("PostConfirmation").is_empty());
    let code = testkit::latest_code(&e.ctx, "cy@example.com").await;
    crate::idp::sign_up::confirm_sign_up(
        e.ctx.clone(),
        ConfirmSignUpRequest {
            client_id: e.client_id(),
            username: "cy".into(),
            confirmation_code: code,
            client_metadata: Some([("plan".to_string(), "pro".to_string())].into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let sent = &e.invocations("PostConfirmation")[0].event;
    assert_eq!(sent["triggerSource"], "PostConfirmation_ConfirmSignUp");
    let attrs = &sent["request"]["userAttributes"];
    assert_eq!(attrs["cognito:user_status"], "CONFIRMED");
    assert_eq!(attrs["email_verified"], "true");
    assert_eq!(attrs["sub"], out.user_sub.as_str());
    assert_eq!(sent["request"]["clientMetadata"]["plan"], "pro");
}

#[tokio::test]
async fn authentication_triggers_run_around_sign_in() {
    let e = env(LambdaConfigType {
        pre_authentication: arn("preAuth"),
        post_authentication: arn("postAuth"),
        ..Default::default()
    })
    .await;
    e.confirmed_user("dee").await;
    let out = e.sign_in("dee").await.unwrap();
    assert!(out.authentication_result.is_some());
    let pre = &e.invocations("PreAuthentication")[0].event;
    assert_eq!(pre["triggerSource"], "PreAuthentication_Authentication");
    assert_eq!(pre["request"]["validationData"]["source"], "test");
    let post = &e.invocations("PostAuthentication")[0].event;
    assert_eq!(post["triggerSource"], "PostAuthentication_Authentication");
    assert_eq!(post["request"]["clientMetadata"]["source"], "test");

    // A refusing PreAuthentication: no tokens, and the password was never checked.
    let e = env(LambdaConfigType {
        pre_authentication: arn("deny"),
        ..Default::default()
    })
    .await;
    e.confirmed_user("eve").await;
    let err = e.sign_in("eve").await.unwrap_err();
    assert_eq!(err.kind.name(), "UserLambdaValidationException");
    assert_eq!(
        err.message,
        "PreAuthentication failed with error Sign-in is closed.."
    );
}

#[tokio::test]
async fn pre_token_generation_v1_customises_the_id_token() {
    let e = env(LambdaConfigType {
        pre_token_generation: arn("claimsV1"),
        ..Default::default()
    })
    .await;
    e.confirmed_user("fay").await;
    let tokens = e
        .sign_in("fay")
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    let id = claims(tokens.id_token.as_deref().unwrap());
    assert_eq!(id["tier"], "gold");
    assert!(id.get("email").is_none());
    assert_eq!(id["cognito:groups"], json!(["admins"]));
    let access = claims(tokens.access_token.as_deref().unwrap());
    assert!(access.get("tier").is_none());
    assert_eq!(access["cognito:groups"], json!(["admins"]));
    let sent = &e.invocations("PreTokenGeneration")[0].event;
    assert_eq!(sent["triggerSource"], "TokenGeneration_Authentication");
    assert_eq!(sent["version"], "1");
    assert_eq!(
        sent["request"]["userAttributes"]["email"],
        "fay@example.com"
    );
    assert_eq!(
        sent["request"]["groupConfiguration"]["groupsToOverride"],
        json!([])
    );

    // Refreshing runs it again, with its own source.
    crate::idp::auth::initiate_auth(
        e.ctx.clone(),
        InitiateAuthRequest {
            auth_flow: "REFRESH_TOKEN_AUTH".into(),
            auth_parameters: Some(
                [(
                    "REFRESH_TOKEN".to_string(),
                    tokens.refresh_token.clone().unwrap(),
                )]
                .into(),
            ),
            client_id: e.client_id(),
            client_metadata: Some([("tenant".to_string(), "acme".to_string())].into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        e.invocations("PreTokenGeneration")[1].event["request"]["clientMetadata"],
        json!({"tenant": "acme"})
    );
    let sources: Vec<String> = e
        .invocations("PreTokenGeneration")
        .iter()
        .map(|i| i.trigger_source.clone())
        .collect();
    assert_eq!(
        sources,
        [
            "TokenGeneration_Authentication",
            "TokenGeneration_RefreshTokens"
        ]
    );
}

#[tokio::test]
async fn pre_token_generation_v2_customises_the_access_token_and_scopes() {
    let e = env(LambdaConfigType {
        pre_token_generation_config: Some(PreTokenGenerationVersionConfigType {
            lambda_version: "V2_0".into(),
            lambda_arn: arn("claimsV2").unwrap(),
        }),
        ..Default::default()
    })
    .await;
    e.confirmed_user("gil").await;
    let tokens = e
        .sign_in("gil")
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    let access = claims(tokens.access_token.as_deref().unwrap());
    assert_eq!(access["tenant"], json!({"id": 7}));
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin orders/read");
    assert_eq!(claims(tokens.id_token.as_deref().unwrap())["tier"], "gold");
    let sent = &e.invocations("PreTokenGeneration")[0].event;
    assert_eq!(sent["version"], "2");
    assert_eq!(
        sent["request"]["scopes"],
        json!(["aws.cognito.signin.user.admin"])
    );
    // The signed tokens still verify (the self-service API accepts the access token).
    crate::tokens::verify_access_token(&e.ctx, tokens.access_token.as_deref().unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn invocations_are_listed_on_the_dev_route() {
    let e = env(LambdaConfigType {
        pre_sign_up: arn("allowList"),
        ..Default::default()
    })
    .await;
    e.sign_up("hal", "hal@example.com").await.unwrap();
    let _ = e.sign_up("ivy", "ivy@evil.test").await;
    let app = crate::router(e.ctx.app.clone());
    let resp = tower::ServiceExt::oneshot(
        app,
        axum::http::Request::get("/_dev/triggers?trigger=PreSignUp")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let listed: Value = serde_json::from_slice(&body).unwrap();
    let inv = listed["invocations"].as_array().unwrap();
    assert_eq!(inv.len(), 2);
    assert_eq!(inv[0]["function"], arn("allowList").unwrap().as_str());
    assert_eq!(inv[0]["response"]["autoConfirmUser"], true);
    assert!(
        inv[1]["error"]
            .as_str()
            .unwrap()
            .contains("PreSignUp failed with error")
    );
}

/// A pool whose custom-auth triggers are `define` and the shared create/verify functions,
/// a client allowing CUSTOM_AUTH, and the user kim.
async fn custom_auth_env(define: &str) -> Env {
    let e = env(LambdaConfigType {
        define_auth_challenge: arn(define),
        create_auth_challenge: arn("create"),
        verify_auth_challenge_response: arn("verify"),
        ..Default::default()
    })
    .await;
    e.confirmed_user("kim").await;
    let mut client = e.client.clone();
    client.explicit_auth_flows = Some(vec!["ALLOW_CUSTOM_AUTH".into()]);
    e.ctx
        .store
        .update_client(&e.client_id(), "app", &client)
        .await
        .unwrap();
    e
}

#[tokio::test]
async fn custom_auth_runs_the_define_create_verify_loop() {
    let e = custom_auth_env("define").await;
    let start = || {
        crate::idp::auth::initiate_auth(
            e.ctx.clone(),
            InitiateAuthRequest {
                auth_flow: "CUSTOM_AUTH".into(),
                auth_parameters: Some([("USERNAME".to_string(), "kim".to_string())].into()),
                client_id: e.client_id(),
                ..Default::default()
            },
        )
    };
    let answer = |session: String, answer: &str| {
        crate::idp::auth::respond_to_auth_challenge(
            e.ctx.clone(),
            RespondToAuthChallengeRequest {
                client_id: e.client_id(),
                challenge_name: "CUSTOM_CHALLENGE".into(),
                session: Some(session),
                challenge_responses: Some(
                    [
                        ("USERNAME".to_string(), "kim".to_string()),
                        ("ANSWER".to_string(), answer.to_string()),
                    ]
                    .into(),
                ),
                ..Default::default()
            },
        )
    };
    let first = start().await.unwrap();
    assert_eq!(first.challenge_name.as_deref(), Some("CUSTOM_CHALLENGE"));
    let params = first.challenge_parameters.clone().unwrap();
    assert_eq!(params["question"], "6 x 7?");
    assert_eq!(params["USERNAME"], "kim");
    assert!(
        !params.contains_key("answer"),
        "private parameters stay private"
    );

    // A wrong answer: Define sees the failed round and asks again.
    let second = answer(first.session.clone().unwrap(), "41").await.unwrap();
    assert_eq!(second.challenge_name.as_deref(), Some("CUSTOM_CHALLENGE"));
    // The spent session cannot be answered again.
    let err = answer(first.session.unwrap(), "42").await.unwrap_err();
    assert_eq!(err.kind.name(), "NotAuthorizedException");
    let done = answer(second.session.unwrap(), "42").await.unwrap();
    let tokens = done.authentication_result.unwrap();
    assert_eq!(
        claims(tokens.id_token.as_deref().unwrap())["cognito:username"],
        "kim"
    );
    let defines = e.invocations("DefineAuthChallenge");
    assert_eq!(defines.len(), 3);
    assert_eq!(
        defines[2].event["request"]["session"],
        json!([
            {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": false, "challengeMetadata": "QUESTION-1"},
            {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": true, "challengeMetadata": "QUESTION-1"},
        ])
    );
    assert_eq!(
        e.invocations("VerifyAuthChallengeResponse")[0].event["request"]["privateChallengeParameters"]
            ["answer"],
        "42"
    );

    // Three wrong answers: Define fails the sign-in.
    let mut session = start().await.unwrap().session.unwrap();
    for _ in 0..2 {
        session = answer(session, "0").await.unwrap().session.unwrap();
    }
    let err = answer(session, "0").await.unwrap_err();
    assert_eq!(err.kind.name(), "NotAuthorizedException");
    assert_eq!(err.message, "Incorrect username or password.");
}

#[tokio::test]
async fn custom_auth_with_srp_a_checks_the_password_before_the_custom_challenge() {
    use crate::crypto::srp;
    let e = custom_auth_env("defineSrp").await;
    // The client half as amazon-cognito-identity-js sends it: SRP_A and CHALLENGE_NAME=SRP_A,
    // then the PASSWORD_VERIFIER answer.
    let sign_in = |password: &'static str| {
        let ctx = e.ctx.clone();
        let (pool_id, client_id) = (e.pool_id.clone(), e.client_id());
        async move {
            let a = crate::idp::auth::random_biguint(32);
            let a_pub = srp::client::public_a(&a);
            let start = crate::idp::auth::initiate_auth(
                ctx.clone(),
                InitiateAuthRequest {
                    auth_flow: "CUSTOM_AUTH".into(),
                    auth_parameters: Some(
                        [
                            ("USERNAME".to_string(), "kim".to_string()),
                            ("SRP_A".to_string(), a_pub.to_str_radix(16)),
                            ("CHALLENGE_NAME".to_string(), "SRP_A".to_string()),
                        ]
                        .into(),
                    ),
                    client_id: client_id.clone(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            assert_eq!(start.challenge_name.as_deref(), Some("PASSWORD_VERIFIER"));
            let p = start.challenge_parameters.unwrap();
            let hex = |k: &str| crate::idp::auth::parse_hex(&p[k]).unwrap();
            let key = srp::client::session_key(
                srp::pool_name(&pool_id),
                &p["USER_ID_FOR_SRP"],
                password,
                &a,
                &a_pub,
                &hex("SRP_B"),
                &hex("SALT"),
            )
            .unwrap();
            let ts = srp::format_timestamp(ctx.clock.now_secs());
            let block = base64::engine::general_purpose::STANDARD
                .decode(&p["SECRET_BLOCK"])
                .unwrap();
            let sig = srp::signature(
                &key,
                srp::pool_name(&pool_id),
                &p["USER_ID_FOR_SRP"],
                &block,
                &ts,
            );
            crate::idp::auth::respond_to_auth_challenge(
                ctx,
                RespondToAuthChallengeRequest {
                    client_id,
                    challenge_name: "PASSWORD_VERIFIER".into(),
                    session: start.session,
                    challenge_responses: Some(
                        [
                            ("USERNAME".to_string(), p["USER_ID_FOR_SRP"].clone()),
                            (
                                "PASSWORD_CLAIM_SECRET_BLOCK".into(),
                                p["SECRET_BLOCK"].clone(),
                            ),
                            ("PASSWORD_CLAIM_SIGNATURE".into(), sig),
                            ("TIMESTAMP".into(), ts),
                        ]
                        .into(),
                    ),
                    ..Default::default()
                },
            )
            .await
        }
    };

    // A wrong password is a failed round; the sample Define then fails the sign-in.
    let err = sign_in("Wr0ngPassw0rd!").await.unwrap_err();
    assert_eq!(err.kind.name(), "NotAuthorizedException");
    assert_eq!(err.message, "Incorrect username or password.");
    let defines = e.invocations("DefineAuthChallenge");
    assert_eq!(
        defines.last().unwrap().event["request"]["session"],
        json!([
            {"challengeName": "SRP_A", "challengeResult": true, "challengeMetadata": null},
            {"challengeName": "PASSWORD_VERIFIER", "challengeResult": false, "challengeMetadata": null},
        ])
    );
    assert!(e.invocations("CreateAuthChallenge").is_empty());

    // The right password leads to the custom challenge, then tokens.
    let custom = sign_in("Passw0rd!").await.unwrap();
    assert_eq!(custom.challenge_name.as_deref(), Some("CUSTOM_CHALLENGE"));
    assert_eq!(custom.challenge_parameters.unwrap()["question"], "6 x 7?");
    let done = e
        .respond(
            "CUSTOM_CHALLENGE",
            custom.session,
            &[("USERNAME", "kim"), ("ANSWER", "42")],
        )
        .await
        .unwrap();
    assert!(done.authentication_result.unwrap().access_token.is_some());
    assert_eq!(
        e.invocations("DefineAuthChallenge").last().unwrap().event["request"]["session"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn custom_senders_get_the_code_and_nothing_reaches_the_mailbox() {
    let e = env(LambdaConfigType {
        custom_email_sender: Some(CustomEmailLambdaVersionConfigType {
            lambda_version: "V1_0".into(),
            lambda_arn: arn("sender").unwrap(),
        }),
        custom_message: arn("customMessage"),
        kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/test".into()),
        ..Default::default()
    })
    .await;
    e.sign_up("sam", "sam@example.com").await.unwrap();
    let sent = e.invocations("CustomEmailSender");
    assert_eq!(sent.len(), 1);
    let event = &sent[0].event;
    assert_eq!(event["triggerSource"], "CustomEmailSender_SignUp");
    assert_eq!(event["request"]["type"], "customEmailSenderRequestV1");
    assert_eq!(
        event["request"]["userAttributes"]["email"],
        "sam@example.com"
    );
    let code = event["request"]["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 6);
    // The sender writes the message: CustomMessage is not asked, the mailbox gets nothing.
    assert!(e.invocations("CustomMessage").is_empty());
    let mailbox = e
        .ctx
        .store
        .list_messages(&crate::store::mailbox::MailboxFilter::default(), true, 10)
        .await
        .unwrap();
    assert!(mailbox.is_empty(), "{mailbox:?}");
    // The code the function got confirms the user.
    crate::idp::sign_up::confirm_sign_up(
        e.ctx.clone(),
        ConfirmSignUpRequest {
            client_id: e.client_id(),
            username: "sam".into(),
            confirmation_code: code,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    crate::idp::forgot_password::forgot_password(
        e.ctx.clone(),
        ForgotPasswordRequest {
            client_id: e.client_id(),
            username: "sam".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        e.invocations("CustomEmailSender")[1].trigger_source,
        "CustomEmailSender_ForgotPassword"
    );
}

#[tokio::test]
async fn pre_sign_up_sees_federated_users_before_they_are_created() {
    let e = env(LambdaConfigType {
        pre_sign_up: arn("externalOnly"),
        ..Default::default()
    })
    .await;
    let pool = crate::idp::user_pools::load_pool(&e.ctx, &e.pool_id)
        .await
        .unwrap();
    let provider = IdentityProviderType {
        provider_name: Some("Google".into()),
        provider_type: Some("Google".into()),
        attribute_mapping: Some(
            [
                ("email".to_string(), "email".to_string()),
                ("username".to_string(), "sub".to_string()),
            ]
            .into(),
        ),
        ..Default::default()
    };
    let claims =
        |email: &str| std::collections::BTreeMap::from([("email".to_string(), email.to_string())]);
    let sign_in = |subject: &'static str, email: &'static str| {
        let (ctx, pool, provider, client_id) =
            (e.ctx.clone(), pool.clone(), provider.clone(), e.client_id());
        let claims = claims(email);
        async move {
            crate::idp::federation::sign_in(&ctx, &pool, &client_id, &provider, subject, &claims)
                .await
        }
    };
    let err = sign_in("2002", "eve@elsewhere.test").await.unwrap_err();
    assert_eq!(err.kind.name(), "UserLambdaValidationException");
    assert_eq!(
        err.message,
        "PreSignUp failed with error Only example.com accounts may federate.." // Cognito adds its own period.
    );
    assert!(
        e.ctx
            .store
            .get_user(&e.pool_id, "google_2002")
            .await
            .unwrap()
            .is_none(),
        "a refused federated user is not created"
    );
    let user = sign_in("2003", "ann@example.com").await.unwrap();
    assert_eq!(user.username, "google_2003");
    assert_eq!(user.attr("email_verified"), Some("true"));
    let event = e.invocations("PreSignUp").last().unwrap().event.clone();
    assert_eq!(event["triggerSource"], "PreSignUp_ExternalProvider");
    assert_eq!(event["userName"], "google_2003");
    assert_eq!(event["callerContext"]["clientId"], e.client_id());
    assert_eq!(
        event["request"]["userAttributes"]["email"],
        "ann@example.com"
    );
    // Later sign-ins of the same identity are not sign-ups.
    sign_in("2003", "ann@example.com").await.unwrap();
    assert_eq!(e.invocations("PreSignUp").len(), 2);
}

#[tokio::test]
async fn custom_message_rewrites_what_the_mailbox_receives() {
    let e = env(LambdaConfigType {
        custom_message: arn("customMessage"),
        ..Default::default()
    })
    .await;
    e.sign_up("lou", "lou@example.com").await.unwrap();
    let m = testkit::latest(&e.ctx, "lou@example.com").await;
    let code = m.code.clone().unwrap();
    assert_eq!(m.subject.as_deref(), Some("Welcome to Acme"));
    assert_eq!(
        m.body,
        format!("Hi! Your Acme code is {code}. <a href=\"https://acme.test\">Acme</a>")
    );
    let sent = &e.invocations("CustomMessage")[0].event;
    assert_eq!(sent["triggerSource"], "CustomMessage_SignUp");
    assert_eq!(sent["request"]["codeParameter"], "{####}");
    assert_eq!(
        sent["request"]["userAttributes"]["email"],
        "lou@example.com"
    );
    // A source the function leaves alone keeps the pool's own template.
    crate::idp::sign_up::resend_confirmation_code(
        e.ctx.clone(),
        ResendConfirmationCodeRequest {
            client_id: e.client_id(),
            username: "lou".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let m = testkit::latest(&e.ctx, "lou@example.com").await;
    assert_ne!(m.subject.as_deref(), Some("Welcome to Acme"));
    assert!(m.body.contains(m.code.as_deref().unwrap()));
    assert_eq!(
        e.invocations("CustomMessage")[1].trigger_source,
        "CustomMessage_ResendCode"
    );
}

#[tokio::test]
async fn user_migration_creates_users_from_the_legacy_store() {
    let e = env(LambdaConfigType {
        user_migration: arn("migrate"),
        ..Default::default()
    })
    .await;
    // Unknown here, known to the legacy store with this password: migrated and signed in.
    let tokens = e
        .sign_in("legacy")
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    assert_eq!(
        claims(tokens.id_token.as_deref().unwrap())["email"],
        "legacy@example.com"
    );
    let user = e
        .ctx
        .store
        .get_user(&e.pool_id, "legacy")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.status, crate::model::user::UserStatus::Confirmed);
    let sent = &e.invocations("UserMigration")[0].event;
    assert_eq!(sent["triggerSource"], "UserMigration_Authentication");
    assert_eq!(sent["request"]["password"], "Passw0rd!");
    // Now a user of the pool: the function is not asked again.
    e.sign_in("legacy").await.unwrap();
    assert_eq!(e.invocations("UserMigration").len(), 1);
    // A user the legacy store refuses: the function's error, and nobody is created.
    let err = e.sign_in("stranger").await.unwrap_err();
    assert_eq!(err.kind.name(), "UserLambdaValidationException");
    assert_eq!(err.message, "UserMigration failed with error Bad password.");
    assert!(
        e.ctx
            .store
            .get_user(&e.pool_id, "stranger")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn user_migration_honours_force_alias_creation() {
    let e = env(LambdaConfigType {
        user_migration: arn("migrateShared"),
        ..Default::default()
    })
    .await;
    let mut pool = crate::idp::user_pools::load_pool(&e.ctx, &e.pool_id)
        .await
        .unwrap();
    pool.alias_attributes = Some(vec!["email".into()]);
    let name = pool.name.clone().unwrap_or_default();
    e.ctx
        .store
        .update_pool(&e.pool_id, &name, &pool)
        .await
        .unwrap();
    // The first migrated user holds the verified address.
    e.sign_in("first").await.unwrap();
    // A second one without forceAliasCreation: AliasExistsException, nobody created.
    let err = e.sign_in("second").await.unwrap_err();
    assert_eq!(err.kind.name(), "AliasExistsException");
    assert!(
        e.ctx
            .store
            .get_user(&e.pool_id, "second")
            .await
            .unwrap()
            .is_none()
    );
    // With it, the alias moves to the new user.
    e.sign_in("forced").await.unwrap();
    let first = e
        .ctx
        .store
        .get_user(&e.pool_id, "first")
        .await
        .unwrap()
        .unwrap();
    let forced = e
        .ctx
        .store
        .get_user(&e.pool_id, "forced")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.attr("email_verified"), Some("false"));
    assert_eq!(forced.attr("email_verified"), Some("true"));
}

#[tokio::test]
async fn user_migration_on_forgot_password_creates_a_user_who_must_reset() {
    let e = env(LambdaConfigType {
        user_migration: arn("migrate"),
        ..Default::default()
    })
    .await;
    let out = crate::idp::forgot_password::forgot_password(
        e.ctx.clone(),
        ForgotPasswordRequest {
            client_id: e.client_id(),
            username: "legacy".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        out.code_delivery_details
            .unwrap()
            .delivery_medium
            .as_deref(),
        Some("EMAIL")
    );
    let user = e
        .ctx
        .store
        .get_user(&e.pool_id, "legacy")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.status, crate::model::user::UserStatus::ResetRequired);
    assert!(
        testkit::latest(&e.ctx, "legacy@example.com")
            .await
            .code
            .is_some()
    );
    assert_eq!(
        e.invocations("UserMigration")[0].trigger_source,
        "UserMigration_ForgotPassword"
    );
}

/// True when `program` runs here (the runner tests need node and python3).
fn available(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test]
async fn handler_files_run_under_node_and_python() {
    if !available("node") || !available("python3") {
        eprintln!("skipped: node and python3 are needed for the handler runners");
        return;
    }
    let dir = std::env::temp_dir().join(format!("cognito-emu-handlers-{}", crate::ids::uuid()));
    std::fs::create_dir_all(&dir).unwrap();
    // The developer guide's samples, as users keep them: an ES module with an async handler,
    // a CommonJS module with a callback, and Python functions.
    std::fs::write(
        dir.join("pre-sign-up.mjs"),
        r#"const handler = async (event) => {
  event.response.autoConfirmUser = true;
  if (Object.hasOwn(event.request.userAttributes, "email")) {
    event.response.autoVerifyEmail = true;
  }
  return event;
};
export { handler };
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("post-confirmation.js"),
        r#"exports.handler = (event, context, callback) => {
  console.log("confirmed", event.userName, context.functionName);
  callback(null, event);
};
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("tokens.py"),
        r#"def lambda_handler(event, context):
    print("issuing tokens for", event["userName"])
    event["response"]["claimsOverrideDetails"] = {
        "claimsToAddOrOverride": {"my-claim": "from-python"}
    }
    return event


def refuse(event, context):
    raise Exception("Not on my watch")
"#,
    )
    .unwrap();
    let file = |name: &str| dir.join(name).display().to_string();
    let mut c = Config::for_tests();
    c.lambdas = vec![
        format!("preSignUp=node:{}", file("pre-sign-up.mjs")),
        format!(
            "postConfirmation=node:{}#handler",
            file("post-confirmation.js")
        ),
        format!("preToken=python:{}#lambda_handler", file("tokens.py")),
        format!("refuse=python:{}#refuse", file("tokens.py")),
    ];
    let ctx = Ctx::internal(crate::build_state(c).await.unwrap());
    let pool = testkit::pool(&ctx, |p| {
        p.lambda_config = Some(LambdaConfigType {
            pre_sign_up: arn("preSignUp"),
            post_confirmation: arn("postConfirmation"),
            pre_token_generation: arn("preToken"),
            pre_authentication: None,
            ..Default::default()
        })
    })
    .await;
    let client = testkit::client_with(&ctx, &pool, |c| {
        c.explicit_auth_flows = Some(vec!["ALLOW_USER_PASSWORD_AUTH".into()]);
    })
    .await;
    let e = Env {
        pool_id: pool.id.clone().unwrap(),
        ctx,
        client,
    };
    let out = e.sign_up("nia", "nia@example.com").await.unwrap();
    assert!(out.user_confirmed, "the Node ES module confirmed the user");
    let tokens = e
        .sign_in("nia")
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    assert_eq!(
        claims(tokens.id_token.as_deref().unwrap())["my-claim"],
        "from-python"
    );
    // A second invocation reuses the running handler process.
    e.sign_in("nia").await.unwrap();
    assert_eq!(e.invocations("PreTokenGeneration").len(), 2);
    assert!(
        e.invocations("PreTokenGeneration")
            .iter()
            .all(|i| i.error.is_none())
    );

    // The CommonJS callback-style handler answers the event it was given.
    let answer = crate::triggers::transport::invoke(
        &e.ctx.triggers.routes,
        &crate::triggers::transport::FunctionRef::parse(&arn("postConfirmation").unwrap()),
        br#"{"userName":"nia","response":{}}"#,
    )
    .await
    .unwrap();
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(answer["userName"], "nia");

    // A Python exception is the function's error.
    let mut pool = crate::idp::user_pools::load_pool(&e.ctx, &e.pool_id)
        .await
        .unwrap();
    pool.lambda_config = Some(LambdaConfigType {
        pre_authentication: arn("refuse"),
        ..Default::default()
    });
    crate::idp::user_pools::save_pool(&e.ctx, &pool)
        .await
        .unwrap();
    let err = e.sign_in("nia").await.unwrap_err();
    assert_eq!(err.kind.name(), "UserLambdaValidationException");
    assert_eq!(
        err.message,
        "PreAuthentication failed with error Not on my watch."
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn pre_token_generation_names_the_new_password_challenge() {
    let e = env(LambdaConfigType {
        pre_token_generation: arn("claimsV1"),
        ..Default::default()
    })
    .await;
    crate::idp::admin_users::admin_create_user(
        e.ctx.clone(),
        AdminCreateUserRequest {
            user_pool_id: e.pool_id.clone(),
            username: "ned".into(),
            temporary_password: Some("TempPassw0rd!".into()),
            message_action: Some("SUPPRESS".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let challenge = crate::idp::auth::initiate_auth(
        e.ctx.clone(),
        InitiateAuthRequest {
            auth_flow: "USER_PASSWORD_AUTH".into(),
            auth_parameters: Some(
                [
                    ("USERNAME".to_string(), "ned".to_string()),
                    ("PASSWORD".to_string(), "TempPassw0rd!".to_string()),
                ]
                .into(),
            ),
            client_id: e.client_id(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        challenge.challenge_name.as_deref(),
        Some("NEW_PASSWORD_REQUIRED")
    );
    let done = e
        .respond(
            "NEW_PASSWORD_REQUIRED",
            challenge.session,
            &[("USERNAME", "ned"), ("NEW_PASSWORD", "NewPassw0rd!")],
        )
        .await
        .unwrap();
    let id = claims(
        done.authentication_result
            .unwrap()
            .id_token
            .as_deref()
            .unwrap(),
    );
    assert_eq!(id["tier"], "gold");
    assert_eq!(
        e.invocations("PreTokenGeneration")[0].trigger_source,
        "TokenGeneration_NewPasswordChallenge"
    );
}

#[tokio::test]
async fn pre_token_generation_v3_customises_client_credentials_tokens() {
    let e = env(LambdaConfigType {
        pre_token_generation_config: Some(PreTokenGenerationVersionConfigType {
            lambda_version: "V3_0".into(),
            lambda_arn: arn("claimsV2").unwrap(),
        }),
        ..Default::default()
    })
    .await;
    crate::idp::resource_servers::create_resource_server(
        e.ctx.clone(),
        CreateResourceServerRequest {
            user_pool_id: e.pool_id.clone(),
            identifier: "orders".into(),
            name: "orders".into(),
            scopes: Some(vec![ResourceServerScopeType {
                scope_name: "read".into(),
                scope_description: "read".into(),
            }]),
        },
    )
    .await
    .unwrap();
    let m2m = crate::idp::clients::create_user_pool_client(
        e.ctx.clone(),
        CreateUserPoolClientRequest {
            user_pool_id: e.pool_id.clone(),
            client_name: "m2m".into(),
            generate_secret: Some(true),
            allowed_o_auth_flows_user_pool_client: Some(true),
            allowed_o_auth_flows: Some(vec!["client_credentials".into()]),
            allowed_o_auth_scopes: Some(vec!["orders/read".into()]),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .user_pool_client
    .unwrap();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        m2m.client_id.as_deref().unwrap(),
        m2m.client_secret.as_deref().unwrap()
    ));
    let app = crate::router(e.ctx.app.clone());
    let resp = tower::ServiceExt::oneshot(
        app,
        axum::http::Request::post("/oauth2/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("authorization", format!("Basic {basic}"))
            .body(axum::body::Body::from("grant_type=client_credentials"))
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let token: Value = serde_json::from_slice(&body).unwrap();
    let access = claims(token["access_token"].as_str().unwrap());
    assert_eq!(access["tenant"], json!({"id": 7}));
    // scopesToAdd named a scope the token already had: not repeated.
    assert_eq!(access["scope"], "orders/read");
    let sent = &e.invocations("PreTokenGeneration")[0].event;
    assert_eq!(sent["version"], "3");
    assert_eq!(sent["triggerSource"], "TokenGeneration_ClientCredentials");
    assert_eq!(sent["request"]["scopes"], json!(["orders/read"]));
}
