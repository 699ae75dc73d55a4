//! Choice-based sign-in (USER_AUTH): the pool's sign-in policy, SELECT_CHALLENGE, a password
//! answered in the selection, e-mail codes as the first factor, passwordless sign-up and the
//! sign-in with ConfirmSignUp's Session, GetUserAuthFactors.

use conformance::idp::types::{
    AttributeType, AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, MessageActionType,
    SignInPolicyType, UserPoolPolicyType, VerifiedAttributeType,
};
use conformance::{Harness, unique_name};

const PW: &str = "Passw0rd!";

/// A pool allowing PASSWORD and EMAIL_OTP first, auto-verifying email; a USER_AUTH client.
async fn passwordless_pool(h: &Harness) -> (String, String) {
    let pool = h
        .idp
        .create_user_pool()
        .pool_name(unique_name("pool"))
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .policies(
            UserPoolPolicyType::builder()
                .sign_in_policy(
                    SignInPolicyType::builder()
                        .allowed_first_auth_factors("PASSWORD".into())
                        .allowed_first_auth_factors("EMAIL_OTP".into())
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("CreateUserPool")
        .user_pool
        .expect("UserPool");
    let pool_id = pool.id.expect("Id");
    h.track_user_pool(&pool_id);
    let client_id = h
        .app_client(
            &pool_id,
            &[
                ExplicitAuthFlowsType::AllowUserAuth,
                ExplicitAuthFlowsType::AllowRefreshTokenAuth,
            ],
        )
        .await;
    (pool_id, client_id)
}

async fn user_with_password(h: &Harness, pool_id: &str, name: &str) {
    h.idp
        .admin_create_user()
        .user_pool_id(pool_id)
        .username(name)
        .user_attributes(
            AttributeType::builder()
                .name("email")
                .value(format!("{name}@example.com"))
                .build()
                .expect("attr"),
        )
        .user_attributes(
            AttributeType::builder()
                .name("email_verified")
                .value("true")
                .build()
                .expect("attr"),
        )
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("AdminCreateUser");
    h.idp
        .admin_set_user_password()
        .user_pool_id(pool_id)
        .username(name)
        .password(PW)
        .permanent(true)
        .send()
        .await
        .expect("AdminSetUserPassword");
}

#[tokio::test]
async fn sign_in_policy_is_shown_and_select_challenge_offers_the_users_factors() {
    let h = Harness::both();
    let (pool_id, client_id) = passwordless_pool(&h).await;
    let shown = h
        .idp
        .describe_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .expect("DescribeUserPool")
        .user_pool
        .and_then(|p| p.policies)
        .and_then(|p| p.sign_in_policy)
        .and_then(|s| s.allowed_first_auth_factors)
        .expect("AllowedFirstAuthFactors");
    assert_eq!(
        shown.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
        ["PASSWORD", "EMAIL_OTP"]
    );
    user_with_password(&h, &pool_id, "alice").await;
    let start = h
        .idp
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", "alice")
        .send()
        .await
        .expect("InitiateAuth USER_AUTH");
    assert_eq!(
        start.challenge_name,
        Some(ChallengeNameType::SelectChallenge)
    );
    let available: Vec<&str> = start
        .available_challenges
        .iter()
        .flatten()
        .map(|c| c.as_str())
        .collect();
    for factor in ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"] {
        assert!(available.contains(&factor), "{factor} in {available:?}");
    }
    let done = h
        .idp
        .respond_to_auth_challenge()
        .client_id(&client_id)
        .challenge_name(ChallengeNameType::SelectChallenge)
        .session(start.session.expect("Session"))
        .challenge_responses("USERNAME", "alice")
        .challenge_responses("ANSWER", "PASSWORD")
        .challenge_responses("PASSWORD", PW)
        .send()
        .await
        .expect("SELECT_CHALLENGE with PASSWORD");
    let access = done
        .authentication_result
        .and_then(|r| r.access_token)
        .expect("AccessToken");
    let factors = h
        .idp
        .get_user_auth_factors()
        .access_token(access)
        .send()
        .await
        .expect("GetUserAuthFactors");
    let configured: Vec<&str> = factors
        .configured_user_auth_factors()
        .iter()
        .map(|f| f.as_str())
        .collect();
    assert!(configured.contains(&"PASSWORD") && configured.contains(&"EMAIL_OTP"));
    // A wrong password chosen in PREFERRED_CHALLENGE is the usual answer.
    let err = h
        .idp
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PREFERRED_CHALLENGE", "PASSWORD")
        .auth_parameters("PASSWORD", "wrong-Passw0rd!")
        .send()
        .await
        .expect_err("wrong password")
        .into_service_error();
    assert!(err.is_not_authorized_exception(), "{err:?}");
}

#[tokio::test]
async fn email_otp_is_a_first_factor() {
    let Some(h) = Harness::emulator_only("codes come from the dev mailbox") else {
        return;
    };
    let (pool_id, client_id) = passwordless_pool(&h).await;
    user_with_password(&h, &pool_id, "bob").await;
    let start = h
        .idp
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", "bob")
        .auth_parameters("PREFERRED_CHALLENGE", "EMAIL_OTP")
        .send()
        .await
        .expect("InitiateAuth USER_AUTH EMAIL_OTP");
    assert_eq!(start.challenge_name, Some(ChallengeNameType::EmailOtp));
    let session = start.session.expect("Session");
    let wrong = h
        .idp
        .respond_to_auth_challenge()
        .client_id(&client_id)
        .challenge_name(ChallengeNameType::EmailOtp)
        .session(&session)
        .challenge_responses("USERNAME", "bob")
        .challenge_responses("EMAIL_OTP_CODE", "999999x")
        .send()
        .await
        .expect_err("wrong code")
        .into_service_error();
    assert!(wrong.is_code_mismatch_exception(), "{wrong:?}");
    let code = h
        .codes()
        .latest(&pool_id, "bob", "otp")
        .await
        .expect("a code");
    let done = h
        .idp
        .respond_to_auth_challenge()
        .client_id(&client_id)
        .challenge_name(ChallengeNameType::EmailOtp)
        .session(&session)
        .challenge_responses("USERNAME", "bob")
        .challenge_responses("EMAIL_OTP_CODE", code)
        .send()
        .await
        .expect("EMAIL_OTP answered");
    assert!(done.authentication_result.is_some());
}

#[tokio::test]
async fn passwordless_sign_up_signs_in_with_the_confirmation_session() {
    let Some(h) = Harness::emulator_only("the confirmation code comes from the dev mailbox") else {
        return;
    };
    let (pool_id, client_id) = passwordless_pool(&h).await;
    let up = h
        .idp
        .sign_up()
        .client_id(&client_id)
        .username("carol")
        .user_attributes(
            AttributeType::builder()
                .name("email")
                .value("carol@example.com")
                .build()
                .expect("attr"),
        )
        .send()
        .await
        .expect("SignUp without a password");
    let code = h
        .codes()
        .latest(&pool_id, "carol", "sign_up")
        .await
        .expect("a code");
    let confirmed = h
        .idp
        .confirm_sign_up()
        .client_id(&client_id)
        .username("carol")
        .confirmation_code(code)
        .session(up.session.expect("SignUp Session"))
        .send()
        .await
        .expect("ConfirmSignUp");
    let done = h
        .idp
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", "carol")
        .session(confirmed.session.expect("ConfirmSignUp Session"))
        .send()
        .await
        .expect("InitiateAuth USER_AUTH with the Session");
    assert!(done.authentication_result.is_some());
}

#[tokio::test]
async fn user_auth_needs_allow_user_auth_on_the_client() {
    let h = Harness::both();
    let (pool_id, _) = passwordless_pool(&h).await;
    user_with_password(&h, &pool_id, "dave").await;
    let client_id = h
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name(unique_name("client"))
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("ClientId");
    let err = h
        .idp
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", "dave")
        .send()
        .await
        .expect_err("USER_AUTH not enabled")
        .into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{err:?}");
}
