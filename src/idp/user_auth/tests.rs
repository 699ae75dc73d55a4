use super::*;
use crate::crypto::password;
use crate::idp::auth::{admin_initiate_auth, initiate_auth, respond_to_auth_challenge};
use crate::testkit::{self, kind, latest};

const PW: &str = "Passw0rd!";

struct F {
    ctx: Ctx,
    pool_id: String,
    client_id: String,
}

async fn fixture_with(factors: &[&str], tier: &str) -> F {
    let ctx = testkit::ctx().await;
    let factors: Vec<String> = factors.iter().map(|f| f.to_string()).collect();
    let tier = tier.to_string();
    let pool = testkit::pool(&ctx, move |p| {
        p.policies
            .get_or_insert_with(Default::default)
            .sign_in_policy = Some(SignInPolicyType {
            allowed_first_auth_factors: Some(factors),
        });
        p.user_pool_tier = Some(tier);
    })
    .await;
    let client = testkit::client_with(&ctx, &pool, |c| {
        c.explicit_auth_flows = Some(vec!["ALLOW_USER_AUTH".into()]);
    })
    .await;
    F {
        ctx,
        pool_id: pool.id.unwrap(),
        client_id: client.client_id.unwrap(),
    }
}

async fn fixture() -> F {
    fixture_with(&[PASSWORD, EMAIL_OTP, SMS_OTP], "ESSENTIALS").await
}

impl F {
    async fn user(&self, name: &str, with_password: bool) -> User {
        let mut user = User::new(
            &self.pool_id,
            name,
            &crate::ids::uuid(),
            UserStatus::Confirmed,
            0.0,
        );
        user.set_attr("email", &format!("{name}@example.com"));
        if with_password {
            user.password = Some(password::hash_password(&self.pool_id, name, PW));
        }
        assert!(self.ctx.store.insert_user(&user, name).await.unwrap());
        user
    }

    async fn start(&self, params: &[(&str, &str)]) -> ApiResult<InitiateAuthResponse> {
        initiate_auth(
            self.ctx.clone(),
            InitiateAuthRequest {
                auth_flow: "USER_AUTH".into(),
                client_id: self.client_id.clone(),
                auth_parameters: Some(
                    params
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                ..Default::default()
            },
        )
        .await
    }

    async fn answer(
        &self,
        challenge: &str,
        session: Option<String>,
        responses: &[(&str, &str)],
    ) -> ApiResult<RespondToAuthChallengeResponse> {
        respond_to_auth_challenge(
            self.ctx.clone(),
            RespondToAuthChallengeRequest {
                client_id: self.client_id.clone(),
                challenge_name: challenge.into(),
                session,
                challenge_responses: Some(
                    responses
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                ..Default::default()
            },
        )
        .await
    }
}

#[tokio::test]
async fn without_a_preference_the_user_selects_among_their_factors() {
    let f = fixture().await;
    f.user("ann", true).await;
    let out = f.start(&[("USERNAME", "ann")]).await.unwrap();
    assert_eq!(out.challenge_name.as_deref(), Some("SELECT_CHALLENGE"));
    // No phone number: no SMS_OTP.
    assert_eq!(
        out.available_challenges.unwrap(),
        vec!["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]
    );
    let picked = f
        .answer(
            "SELECT_CHALLENGE",
            out.session,
            &[("USERNAME", "ann"), ("ANSWER", "EMAIL_OTP")],
        )
        .await
        .unwrap();
    assert_eq!(picked.challenge_name.as_deref(), Some("EMAIL_OTP"));
    let params = picked.challenge_parameters.unwrap();
    assert_eq!(params["CODE_DELIVERY_DELIVERY_MEDIUM"], "EMAIL");
    let msg = latest(&f.ctx, "ann@example.com").await;
    assert_eq!(msg.kind, "otp");
    let code = msg.code.unwrap();
    let done = f
        .answer(
            "EMAIL_OTP",
            picked.session,
            &[("USERNAME", "ann"), ("EMAIL_OTP_CODE", &code)],
        )
        .await
        .unwrap();
    assert!(done.authentication_result.unwrap().access_token.is_some());
}

#[tokio::test]
async fn a_password_answer_in_select_challenge_signs_in_at_once() {
    let f = fixture().await;
    f.user("bob", true).await;
    let out = f.start(&[("USERNAME", "bob")]).await.unwrap();
    let wrong = f
        .answer(
            "SELECT_CHALLENGE",
            out.session.clone(),
            &[
                ("USERNAME", "bob"),
                ("ANSWER", "PASSWORD"),
                ("PASSWORD", "nope"),
            ],
        )
        .await;
    assert_eq!(kind(wrong), "NotAuthorizedException");
    // Each SELECT_CHALLENGE session is answered once.
    let again = f
        .answer(
            "SELECT_CHALLENGE",
            out.session,
            &[
                ("USERNAME", "bob"),
                ("ANSWER", "PASSWORD"),
                ("PASSWORD", PW),
            ],
        )
        .await;
    assert_eq!(kind(again), "NotAuthorizedException");
    let out = f.start(&[("USERNAME", "bob")]).await.unwrap();
    let bad_answer = f
        .answer(
            "SELECT_CHALLENGE",
            out.session.clone(),
            &[("USERNAME", "bob"), ("ANSWER", "SMS_OTP")],
        )
        .await;
    assert_eq!(kind(bad_answer), "InvalidParameterException");
    let done = f
        .answer(
            "SELECT_CHALLENGE",
            out.session,
            &[
                ("USERNAME", "bob"),
                ("ANSWER", "PASSWORD"),
                ("PASSWORD", PW),
            ],
        )
        .await
        .unwrap();
    assert!(done.authentication_result.is_some());
}

#[tokio::test]
async fn preferred_challenges_go_straight_to_their_factor() {
    let f = fixture().await;
    f.user("cat", true).await;
    let done = f
        .start(&[
            ("USERNAME", "cat"),
            ("PREFERRED_CHALLENGE", "PASSWORD"),
            ("PASSWORD", PW),
        ])
        .await
        .unwrap();
    assert!(done.authentication_result.is_some());
    // PASSWORD without the password: the PASSWORD challenge.
    let asked = f
        .start(&[("USERNAME", "cat"), ("PREFERRED_CHALLENGE", "PASSWORD")])
        .await
        .unwrap();
    assert_eq!(asked.challenge_name.as_deref(), Some("PASSWORD"));
    let done = f
        .answer(
            "PASSWORD",
            asked.session,
            &[("USERNAME", "cat"), ("PASSWORD", PW)],
        )
        .await
        .unwrap();
    assert!(done.authentication_result.is_some());
    // PASSWORD_SRP with SRP_A: PASSWORD_VERIFIER.
    let a = crate::crypto::srp::pow_g(&num_bigint::BigUint::from(12345u32));
    let srp = f
        .start(&[
            ("USERNAME", "cat"),
            ("PREFERRED_CHALLENGE", "PASSWORD_SRP"),
            ("SRP_A", &a.to_str_radix(16)),
        ])
        .await
        .unwrap();
    assert_eq!(srp.challenge_name.as_deref(), Some("PASSWORD_VERIFIER"));
    // A factor the user cannot use falls back to SELECT_CHALLENGE.
    let fallback = f
        .start(&[("USERNAME", "cat"), ("PREFERRED_CHALLENGE", "SMS_OTP")])
        .await
        .unwrap();
    assert_eq!(fallback.challenge_name.as_deref(), Some("SELECT_CHALLENGE"));
}

#[tokio::test]
async fn otp_codes_allow_three_attempts_per_session() {
    let f = fixture().await;
    f.user("dan", false).await;
    let out = f
        .start(&[("USERNAME", "dan"), ("PREFERRED_CHALLENGE", "EMAIL_OTP")])
        .await
        .unwrap();
    assert_eq!(out.challenge_name.as_deref(), Some("EMAIL_OTP"));
    let code = testkit::latest_code(&f.ctx, "dan@example.com").await;
    for _ in 0..crate::idp::challenge::MAX_CODE_ATTEMPTS {
        let r = f
            .answer(
                "EMAIL_OTP",
                out.session.clone(),
                &[("USERNAME", "dan"), ("EMAIL_OTP_CODE", "000000x")],
            )
            .await;
        assert_eq!(kind(r), "CodeMismatchException");
    }
    let spent = f
        .answer(
            "EMAIL_OTP",
            out.session,
            &[("USERNAME", "dan"), ("EMAIL_OTP_CODE", &code)],
        )
        .await;
    assert_eq!(kind(spent), "NotAuthorizedException");
}

#[tokio::test]
async fn otp_sessions_expire() {
    let f = fixture().await;
    f.user("eve", false).await;
    let out = f
        .start(&[("USERNAME", "eve"), ("PREFERRED_CHALLENGE", "EMAIL_OTP")])
        .await
        .unwrap();
    let code = testkit::latest_code(&f.ctx, "eve@example.com").await;
    f.ctx.clock.advance(181);
    let late = f
        .answer(
            "EMAIL_OTP",
            out.session,
            &[("USERNAME", "eve"), ("EMAIL_OTP_CODE", &code)],
        )
        .await
        .expect_err("expired");
    assert_eq!(late.kind.name(), "NotAuthorizedException");
    assert!(late.message.contains("expired"), "{}", late.message);
}

#[tokio::test]
async fn user_states_and_client_flows_are_enforced() {
    let f = fixture().await;
    let mut user = f.user("fay", true).await;
    user.enabled = false;
    f.ctx.store.save_user(&user).await.unwrap();
    assert_eq!(
        kind(f.start(&[("USERNAME", "fay")]).await),
        "NotAuthorizedException"
    );
    let mut user = f.user("gus", true).await;
    user.status = UserStatus::Unconfirmed;
    f.ctx.store.save_user(&user).await.unwrap();
    assert_eq!(
        kind(f.start(&[("USERNAME", "gus")]).await),
        "UserNotConfirmedException"
    );
    assert_eq!(
        kind(f.start(&[("USERNAME", "nobody")]).await),
        "UserNotFoundException"
    );
    // A client without ALLOW_USER_AUTH.
    let pool = super::super::user_pools::load_pool(&f.ctx, &f.pool_id)
        .await
        .unwrap();
    let other = testkit::client(&f.ctx, &pool, false).await;
    let r = admin_initiate_auth(
        f.ctx.clone(),
        AdminInitiateAuthRequest {
            user_pool_id: f.pool_id.clone(),
            client_id: other.client_id.unwrap(),
            auth_flow: "USER_AUTH".into(),
            auth_parameters: Some(BTreeMap::from([("USERNAME".into(), "fay".into())])),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(kind(r), "InvalidParameterException");
}

#[tokio::test]
async fn users_with_mfa_only_get_password_factors_then_mfa() {
    let f = fixture().await;
    let user = f.user("hal", true).await;
    super::super::mfa::set_user_pool_mfa_config(
        f.ctx.clone(),
        SetUserPoolMfaConfigRequest {
            user_pool_id: f.pool_id.clone(),
            mfa_configuration: Some("OPTIONAL".into()),
            email_mfa_configuration: Some(EmailMfaConfigType::default()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    super::super::mfa::admin_set_user_mfa_preference(
        f.ctx.clone(),
        AdminSetUserMFAPreferenceRequest {
            user_pool_id: f.pool_id.clone(),
            username: user.username.clone(),
            email_mfa_settings: Some(EmailMfaSettingsType {
                enabled: Some(true),
                preferred_mfa: Some(true),
            }),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let out = f.start(&[("USERNAME", "hal")]).await.unwrap();
    assert_eq!(
        out.available_challenges.unwrap(),
        vec!["PASSWORD", "PASSWORD_SRP"]
    );
    let mfa = f
        .start(&[
            ("USERNAME", "hal"),
            ("PREFERRED_CHALLENGE", "PASSWORD"),
            ("PASSWORD", PW),
        ])
        .await
        .unwrap();
    assert_eq!(mfa.challenge_name.as_deref(), Some("EMAIL_OTP"));
    assert_eq!(latest(&f.ctx, "hal@example.com").await.kind, "mfa");
    let code = testkit::latest_code(&f.ctx, "hal@example.com").await;
    let done = f
        .answer(
            "EMAIL_OTP",
            mfa.session,
            &[("USERNAME", "hal"), ("EMAIL_OTP_CODE", &code)],
        )
        .await
        .unwrap();
    assert!(done.authentication_result.is_some());
}

#[tokio::test]
async fn passwordless_policies_need_the_essentials_tier() {
    let ctx = testkit::ctx().await;
    let r = super::super::user_pools::create_user_pool(
        ctx.clone(),
        CreateUserPoolRequest {
            pool_name: "lite".into(),
            user_pool_tier: Some("LITE".into()),
            policies: Some(UserPoolPolicyType {
                sign_in_policy: Some(SignInPolicyType {
                    allowed_first_auth_factors: Some(vec!["PASSWORD".into(), "EMAIL_OTP".into()]),
                }),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(kind(r), "FeatureUnavailableInTierException");
    let ok = super::super::user_pools::create_user_pool(
        ctx.clone(),
        CreateUserPoolRequest {
            pool_name: "essentials".into(),
            policies: Some(UserPoolPolicyType {
                sign_in_policy: Some(SignInPolicyType {
                    allowed_first_auth_factors: Some(vec!["PASSWORD".into(), "EMAIL_OTP".into()]),
                }),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .user_pool
    .unwrap();
    let shown = ok.policies.unwrap().sign_in_policy.unwrap();
    assert_eq!(
        shown.allowed_first_auth_factors.unwrap(),
        vec!["PASSWORD", "EMAIL_OTP"]
    );
}

#[tokio::test]
async fn passwordless_sign_up_then_sign_in_with_the_confirmation_session() {
    let f = fixture().await;
    let up = super::super::sign_up::sign_up(
        f.ctx.clone(),
        SignUpRequest {
            client_id: f.client_id.clone(),
            username: "ida".into(),
            user_attributes: Some(vec![testkit::attr("email", "ida@example.com")]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let session = up.session.expect("a sign-up session");
    let code = testkit::latest_code(&f.ctx, "ida@example.com").await;
    let confirmed = super::super::sign_up::confirm_sign_up(
        f.ctx.clone(),
        ConfirmSignUpRequest {
            client_id: f.client_id.clone(),
            username: "ida".into(),
            confirmation_code: code,
            session: Some(session),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let session = confirmed.session.expect("a confirmation session");
    let sign_in = |session: String| {
        initiate_auth(
            f.ctx.clone(),
            InitiateAuthRequest {
                auth_flow: "USER_AUTH".into(),
                client_id: f.client_id.clone(),
                auth_parameters: Some(BTreeMap::from([("USERNAME".into(), "ida".into())])),
                session: Some(session),
                ..Default::default()
            },
        )
    };
    let done = sign_in(session.clone()).await.unwrap();
    assert!(done.authentication_result.is_some());
    assert_eq!(kind(sign_in(session).await), "NotAuthorizedException");
    // The user has no password: only the code factor.
    let out = f.start(&[("USERNAME", "ida")]).await.unwrap();
    assert_eq!(out.available_challenges.unwrap(), vec!["EMAIL_OTP"]);
}

#[tokio::test]
async fn confirm_sign_up_without_the_sign_up_session_still_returns_one() {
    // Amplify v6's confirmSignUp sends no Session; its autoSignIn uses the one returned.
    let f = fixture().await;
    super::super::sign_up::sign_up(
        f.ctx.clone(),
        SignUpRequest {
            client_id: f.client_id.clone(),
            username: "ivo".into(),
            user_attributes: Some(vec![testkit::attr("email", "ivo@example.com")]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let code = testkit::latest_code(&f.ctx, "ivo@example.com").await;
    let confirmed = super::super::sign_up::confirm_sign_up(
        f.ctx.clone(),
        ConfirmSignUpRequest {
            client_id: f.client_id.clone(),
            username: "ivo".into(),
            confirmation_code: code,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let done = initiate_auth(
        f.ctx.clone(),
        InitiateAuthRequest {
            auth_flow: "USER_AUTH".into(),
            client_id: f.client_id.clone(),
            auth_parameters: Some(BTreeMap::from([("USERNAME".into(), "ivo".into())])),
            session: confirmed.session,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(done.authentication_result.is_some());
}

#[tokio::test]
async fn sign_up_without_a_password_needs_a_passwordless_pool() {
    let f = fixture_with(&[PASSWORD], "ESSENTIALS").await;
    let r = super::super::sign_up::sign_up(
        f.ctx.clone(),
        SignUpRequest {
            client_id: f.client_id.clone(),
            username: "jon".into(),
            user_attributes: Some(vec![testkit::attr("email", "jon@example.com")]),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(kind(r), "InvalidParameterException");
    // A passwordless pool, but the only OTP factor's attribute is missing.
    let f = fixture_with(&[PASSWORD, SMS_OTP], "ESSENTIALS").await;
    let r = super::super::sign_up::sign_up(
        f.ctx.clone(),
        SignUpRequest {
            client_id: f.client_id.clone(),
            username: "kim".into(),
            user_attributes: Some(vec![testkit::attr("email", "kim@example.com")]),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(kind(r), "InvalidParameterException");
}

#[tokio::test]
async fn auth_factors_list_what_user_auth_offers() {
    let f = fixture().await;
    f.user("lea", true).await;
    let out = admin_get_user_auth_factors(
        f.ctx.clone(),
        AdminGetUserAuthFactorsRequest {
            user_pool_id: f.pool_id.clone(),
            username: "lea".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(out.username, "lea");
    assert_eq!(
        out.configured_user_auth_factors.unwrap(),
        vec!["PASSWORD", "EMAIL_OTP"]
    );
    let token = f
        .start(&[
            ("USERNAME", "lea"),
            ("PREFERRED_CHALLENGE", "PASSWORD"),
            ("PASSWORD", PW),
        ])
        .await
        .unwrap()
        .authentication_result
        .unwrap()
        .access_token
        .unwrap();
    let mine = get_user_auth_factors(
        f.ctx.clone(),
        GetUserAuthFactorsRequest {
            access_token: token,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        mine.configured_user_auth_factors.unwrap(),
        vec!["PASSWORD", "EMAIL_OTP"]
    );
}

#[test]
fn factor_states_round_trip_inside_challenge_states() {
    let states = [
        FactorState::Select {
            sub: "s".into(),
            available: vec!["PASSWORD".into()],
        },
        FactorState::Password { sub: "s".into() },
        FactorState::PasswordSrp { sub: "s".into() },
        FactorState::Otp {
            sub: "s".into(),
            sms: true,
            code_sha256: "h".into(),
        },
        FactorState::WebAuthn {
            sub: "s".into(),
            issued: "c".into(),
        },
        FactorState::Registration {
            sub: "s".into(),
            issued: "c".into(),
            rp_id: "localhost".into(),
        },
        FactorState::SigningUp { sub: "s".into() },
        FactorState::SignedUp { sub: "s".into() },
    ];
    for f in states {
        let s = ChallengeState::UserAuth(f.clone());
        let json = serde_json::to_value(&s).unwrap();
        let back: ChallengeState = serde_json::from_value(json).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.name(), f.name());
        assert_eq!(back.sub(), "s");
    }
}
