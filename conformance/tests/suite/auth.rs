//! Sign-in through the SDK: SRP (the client half computed with cognito_emu's SRP client, as
//! amazon-cognito-identity-js does), password flows, refresh, and sign-out.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use cognito_emu::crypto::srp;
use conformance::Harness;
use conformance::idp::types::{AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType};
use num_bigint::BigUint;

const PW: &str = "Passw0rd!";

pub(super) async fn pool_client_user(h: &Harness) -> (String, String) {
    let pool_id = h.user_pool().await.id.expect("Id");
    let client_id = h
        .app_client(
            &pool_id,
            &[
                ExplicitAuthFlowsType::AllowUserSrpAuth,
                ExplicitAuthFlowsType::AllowUserPasswordAuth,
                ExplicitAuthFlowsType::AllowRefreshTokenAuth,
            ],
        )
        .await;
    h.confirmed_user(&pool_id, "alice", PW).await;
    (pool_id, client_id)
}

pub(crate) fn hex(s: &str) -> BigUint {
    BigUint::parse_bytes(s.as_bytes(), 16).expect("hex")
}

pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

type RespondOutput =
    conformance::idp::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput;

/// USER_SRP_AUTH then PASSWORD_VERIFIER as `username`; the RespondToAuthChallenge result.
pub(crate) async fn srp_sign_in(
    h: &Harness,
    pool_id: &str,
    client_id: &str,
    username: &str,
    password: &str,
) -> Result<RespondOutput, String> {
    srp_sign_in_on(h, pool_id, client_id, username, password, None).await
}

/// `srp_sign_in` from a tracked device: DEVICE_KEY in both calls, as the JS library sends it.
pub(crate) async fn srp_sign_in_on(
    h: &Harness,
    pool_id: &str,
    client_id: &str,
    username: &str,
    password: &str,
    device_key: Option<&str>,
) -> Result<RespondOutput, String> {
    let a = BigUint::from_bytes_be(uuid::Uuid::new_v4().as_bytes())
        * BigUint::from_bytes_be(uuid::Uuid::new_v4().as_bytes());
    let a_pub = srp::client::public_a(&a);
    let mut initiate = h
        .idp
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("SRP_A", a_pub.to_str_radix(16));
    if let Some(key) = device_key {
        initiate = initiate.auth_parameters("DEVICE_KEY", key);
    }
    let start = initiate.send().await.expect("InitiateAuth USER_SRP_AUTH");
    assert_eq!(
        start.challenge_name,
        Some(ChallengeNameType::PasswordVerifier)
    );
    let p = start.challenge_parameters.expect("ChallengeParameters");
    let user_id = p["USER_ID_FOR_SRP"].clone();
    let block = B64
        .decode(&p["SECRET_BLOCK"])
        .expect("SECRET_BLOCK is base64");
    let pool_name = srp::pool_name(pool_id);
    let key = srp::client::session_key(
        pool_name,
        &user_id,
        password,
        &a,
        &a_pub,
        &hex(&p["SRP_B"]),
        &hex(&p["SALT"]),
    )
    .expect("u != 0");
    let ts = srp::format_timestamp(now_secs());
    let mut respond = h
        .idp
        .respond_to_auth_challenge()
        .client_id(client_id)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", &user_id)
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"])
        .challenge_responses(
            "PASSWORD_CLAIM_SIGNATURE",
            srp::signature(&key, pool_name, &user_id, &block, &ts),
        )
        .challenge_responses("TIMESTAMP", ts);
    if let Some(key) = device_key {
        respond = respond.challenge_responses("DEVICE_KEY", key);
    }
    respond.send().await.map_err(|e| {
        e.as_service_error()
            .map(|s| format!("{s:?}"))
            .unwrap_or_else(|| e.to_string())
    })
}

#[tokio::test]
async fn srp_sign_in_accepts_the_right_password_and_refuses_a_wrong_one() {
    let h = Harness::both();
    let (pool_id, client_id) = pool_client_user(&h).await;
    let ok = srp_sign_in(&h, &pool_id, &client_id, "alice", PW)
        .await
        .expect("SRP sign-in");
    let result = ok.authentication_result.expect("AuthenticationResult");
    assert_eq!(result.token_type.as_deref(), Some("Bearer"));
    assert_eq!(result.expires_in, 3600);
    assert!(result.refresh_token.is_some() && result.id_token.is_some());
    // The access token works for Cognito's own APIs (GlobalSignOut verifies it).
    h.idp
        .global_sign_out()
        .access_token(result.access_token.clone().expect("AccessToken"))
        .send()
        .await
        .expect("GlobalSignOut with the SRP access token");

    let err = srp_sign_in(&h, &pool_id, &client_id, "alice", "Wrong0rd!")
        .await
        .expect_err("a wrong password fails");
    assert!(err.contains("NotAuthorizedException"), "{err}");
}

/// USER_PASSWORD_AUTH as alice: the tokens.
pub(super) async fn password_tokens(
    h: &Harness,
    client_id: &str,
) -> conformance::idp::types::AuthenticationResultType {
    h.idp
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await
        .expect("USER_PASSWORD_AUTH")
        .authentication_result
        .expect("AuthenticationResult")
}

#[tokio::test]
async fn password_sign_in_refresh_and_global_sign_out() {
    let h = Harness::both();
    let (_pool_id, client_id) = pool_client_user(&h).await;
    let tokens = password_tokens(&h, &client_id).await;
    let refresh_token = tokens.refresh_token.clone().expect("RefreshToken");
    let refreshed = h
        .idp
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &refresh_token)
        .send()
        .await
        .expect("REFRESH_TOKEN_AUTH")
        .authentication_result
        .expect("AuthenticationResult");
    assert!(refreshed.refresh_token.is_none(), "no new refresh token");
    let access = refreshed.access_token.expect("AccessToken");

    h.idp
        .global_sign_out()
        .access_token(&access)
        .send()
        .await
        .expect("GlobalSignOut");
    let err = h
        .idp
        .get_user()
        .access_token(&access)
        .send()
        .await
        .expect_err("a revoked access token is refused")
        .into_service_error();
    assert!(err.is_not_authorized_exception(), "{err:?}");
    assert_eq!(err.meta().message(), Some("Access Token has been revoked"));
    let err = h
        .idp
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &refresh_token)
        .send()
        .await
        .expect_err("refresh after GlobalSignOut")
        .into_service_error();
    assert!(err.is_not_authorized_exception(), "{err:?}");
}

fn totp_now(secret: &str, offset_steps: i64) -> String {
    cognito_emu::crypto::totp::code_at(secret, now_secs() + 30 * offset_steps).expect("base32")
}

#[tokio::test]
async fn software_token_mfa_through_the_sdk() {
    use conformance::idp::types::{SoftwareTokenMfaConfigType, SoftwareTokenMfaSettingsType};
    let h = Harness::both();
    let (pool_id, client_id) = pool_client_user(&h).await;
    h.idp
        .set_user_pool_mfa_config()
        .user_pool_id(&pool_id)
        .mfa_configuration(conformance::idp::types::UserPoolMfaType::Optional)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .send()
        .await
        .expect("SetUserPoolMfaConfig");
    let login = || {
        h.idp
            .initiate_auth()
            .client_id(&client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", PW)
            .send()
    };
    let access = login()
        .await
        .expect("USER_PASSWORD_AUTH")
        .authentication_result
        .and_then(|t| t.access_token)
        .expect("AccessToken");
    let secret = h
        .idp
        .associate_software_token()
        .access_token(&access)
        .send()
        .await
        .expect("AssociateSoftwareToken")
        .secret_code
        .expect("SecretCode");
    let verified = h
        .idp
        .verify_software_token()
        .access_token(&access)
        .user_code(totp_now(&secret, 0))
        .send()
        .await
        .expect("VerifySoftwareToken");
    assert_eq!(
        verified.status,
        Some(conformance::idp::types::VerifySoftwareTokenResponseType::Success)
    );
    h.idp
        .set_user_mfa_preference()
        .access_token(&access)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .expect("SetUserMFAPreference");
    let got = h
        .idp
        .get_user()
        .access_token(&access)
        .send()
        .await
        .expect("GetUser");
    assert_eq!(got.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));

    let challenge = login().await.expect("USER_PASSWORD_AUTH with MFA");
    assert_eq!(
        challenge.challenge_name,
        Some(ChallengeNameType::SoftwareTokenMfa)
    );
    let respond = |code: String| {
        h.idp
            .respond_to_auth_challenge()
            .client_id(&client_id)
            .challenge_name(ChallengeNameType::SoftwareTokenMfa)
            .set_session(challenge.session.clone())
            .challenge_responses("USERNAME", "alice")
            .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", code)
            .send()
    };
    let err = respond(totp_now(&secret, 10))
        .await
        .expect_err("a wrong code")
        .into_service_error();
    assert!(err.is_code_mismatch_exception(), "{err:?}");
    // The next step's code (the one used to verify is not replayed).
    let tokens = respond(totp_now(&secret, 1))
        .await
        .expect("SOFTWARE_TOKEN_MFA")
        .authentication_result
        .expect("AuthenticationResult");
    assert!(tokens.id_token.is_some());
}

#[tokio::test]
async fn sms_mfa_with_the_code_from_the_mailbox() {
    use conformance::idp::types::{AttributeType, SmsConfigurationType, SmsMfaConfigType};
    let Some(h) = Harness::emulator_only("SMS codes are read from the dev mailbox") else {
        return;
    };
    let (pool_id, client_id) = pool_client_user(&h).await;
    h.idp
        .set_user_pool_mfa_config()
        .user_pool_id(&pool_id)
        .mfa_configuration(conformance::idp::types::UserPoolMfaType::On)
        .sms_mfa_configuration(
            SmsMfaConfigType::builder()
                .sms_authentication_message("Your code is {####}")
                .sms_configuration(
                    SmsConfigurationType::builder()
                        .sns_caller_arn("arn:aws:iam::123456789012:role/sms")
                        .build()
                        .expect("SmsConfiguration"),
                )
                .build(),
        )
        .send()
        .await
        .expect("SetUserPoolMfaConfig");
    h.idp
        .admin_update_user_attributes()
        .user_pool_id(&pool_id)
        .username("alice")
        .user_attributes(
            AttributeType::builder()
                .name("phone_number")
                .value("+15555550142")
                .build()
                .expect("attribute"),
        )
        .send()
        .await
        .expect("AdminUpdateUserAttributes");
    let challenge = h
        .idp
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await
        .expect("USER_PASSWORD_AUTH");
    assert_eq!(challenge.challenge_name, Some(ChallengeNameType::SmsMfa));
    let params = challenge.challenge_parameters.clone().unwrap_or_default();
    assert_eq!(
        params
            .get("CODE_DELIVERY_DELIVERY_MEDIUM")
            .map(String::as_str),
        Some("SMS")
    );
    let Some(code) = h.codes().latest(&pool_id, "alice", "mfa").await else {
        return;
    };
    let respond = |code: String| {
        h.idp
            .respond_to_auth_challenge()
            .client_id(&client_id)
            .challenge_name(ChallengeNameType::SmsMfa)
            .set_session(challenge.session.clone())
            .challenge_responses("USERNAME", "alice")
            .challenge_responses("SMS_MFA_CODE", code)
            .send()
    };
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let err = respond(wrong.into())
        .await
        .expect_err("a wrong code")
        .into_service_error();
    assert!(err.is_code_mismatch_exception(), "{err:?}");
    let tokens = respond(code)
        .await
        .expect("SMS_MFA")
        .authentication_result
        .expect("AuthenticationResult");
    assert!(tokens.access_token.is_some());
}

/// Tokens verified the way an API verifies them, with a JWT library we did not write
/// (jsonwebtoken): the RS256 signature against the pool's JWKS key named by `kid`, the issuer,
/// the audience (ID token) or client_id and token_use (access token), and expiry.
#[tokio::test]
async fn tokens_verify_against_the_jwks_with_an_independent_jwt_library() {
    let Some(h) = Harness::emulator_only("the JWKS is fetched over the emulator's plain HTTP")
    else {
        return;
    };
    let (pool_id, client_id) = pool_client_user(&h).await;
    let tokens = password_tokens(&h, &client_id).await;
    let jwks = h
        .raw()
        .get(&format!("/{pool_id}/.well-known/jwks.json"))
        .await
        .json();
    let key_for = |jwt: &str| {
        let kid = jsonwebtoken::decode_header(jwt)
            .expect("a JWT header")
            .kid
            .expect("kid");
        let jwk = jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .find(|k| k["kid"] == kid.as_str())
            .expect("the kid is in the JWKS")
            .clone();
        jsonwebtoken::DecodingKey::from_rsa_components(
            jwk["n"].as_str().expect("n"),
            jwk["e"].as_str().expect("e"),
        )
        .expect("an RSA key")
    };
    let issuer = format!("{}/{pool_id}", h.emulator_url().expect("emulator URL"));
    let id_token = tokens.id_token.expect("IdToken");
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.set_issuer(&[&issuer]);
    v.set_audience(&[&client_id]);
    let id = jsonwebtoken::decode::<serde_json::Value>(&id_token, &key_for(&id_token), &v)
        .expect("the ID token verifies")
        .claims;
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["cognito:username"], "alice");

    let access = tokens.access_token.expect("AccessToken");
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.set_issuer(&[&issuer]);
    v.validate_aud = false;
    let claims = jsonwebtoken::decode::<serde_json::Value>(&access, &key_for(&access), &v)
        .expect("the access token verifies")
        .claims;
    assert_eq!(claims["token_use"], "access");
    assert_eq!(claims["client_id"], client_id.as_str());

    // The ID token is not an access token for this check: wrong audience member.
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.set_audience(&["someone-else"]);
    assert!(jsonwebtoken::decode::<serde_json::Value>(&id_token, &key_for(&id_token), &v).is_err());
}
