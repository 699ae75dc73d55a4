use super::*;
use crate::crypto::password;
use crate::idp::auth::{admin_initiate_auth, initiate_auth, respond_to_auth_challenge};
use crate::model::user::UserStatus;
use crate::testkit::{self, latest_code};

const PW: &str = "Passw0rd!";

struct F {
    ctx: Ctx,
    pool_id: String,
    client_id: String,
}

fn err<T: std::fmt::Debug>(r: ApiResult<T>) -> (String, String) {
    let e = r.expect_err("an error");
    (e.kind.name().to_string(), e.message)
}

async fn fixture() -> F {
    let ctx = testkit::ctx().await;
    let pool = testkit::pool(&ctx, |_| {}).await;
    let client = testkit::client_with(&ctx, &pool, |c| {
        c.explicit_auth_flows = Some(vec![
            "ALLOW_USER_PASSWORD_AUTH".into(),
            "ALLOW_ADMIN_USER_PASSWORD_AUTH".into(),
            "ALLOW_REFRESH_TOKEN_AUTH".into(),
        ]);
    })
    .await;
    F {
        ctx,
        pool_id: pool.id.unwrap(),
        client_id: client.client_id.unwrap(),
    }
}

impl F {
    async fn user(&self, name: &str, phone: Option<&str>) -> User {
        let mut user = User::new(
            &self.pool_id,
            name,
            &crate::ids::uuid(),
            UserStatus::Confirmed,
            0.0,
        );
        user.set_attr("email", &format!("{name}@example.com"));
        if let Some(p) = phone {
            user.set_attr("phone_number", p);
        }
        user.password = Some(password::hash_password(&self.pool_id, name, PW));
        assert!(self.ctx.store.insert_user(&user, name).await.unwrap());
        user
    }

    async fn mfa_config(
        &self,
        mode: &str,
        sms: bool,
        totp: bool,
        email: bool,
    ) -> ApiResult<SetUserPoolMfaConfigResponse> {
        set_user_pool_mfa_config(
            self.ctx.clone(),
            SetUserPoolMfaConfigRequest {
                user_pool_id: self.pool_id.clone(),
                mfa_configuration: Some(mode.into()),
                sms_mfa_configuration: sms.then(SmsMfaConfigType::default),
                software_token_mfa_configuration: Some(SoftwareTokenMfaConfigType {
                    enabled: Some(totp),
                }),
                email_mfa_configuration: email.then(EmailMfaConfigType::default),
                ..Default::default()
            },
        )
        .await
    }

    async fn login(&self, name: &str) -> InitiateAuthResponse {
        initiate_auth(
            self.ctx.clone(),
            InitiateAuthRequest {
                auth_flow: "USER_PASSWORD_AUTH".into(),
                client_id: self.client_id.clone(),
                auth_parameters: Some(BTreeMap::from([
                    ("USERNAME".into(), name.into()),
                    ("PASSWORD".into(), PW.into()),
                ])),
                ..Default::default()
            },
        )
        .await
        .unwrap()
    }

    async fn answer(
        &self,
        challenge: &str,
        name: &str,
        pairs: &[(&str, &str)],
        session: Option<String>,
    ) -> ApiResult<RespondToAuthChallengeResponse> {
        let mut responses: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        responses.insert("USERNAME".into(), name.into());
        respond_to_auth_challenge(
            self.ctx.clone(),
            RespondToAuthChallengeRequest {
                client_id: self.client_id.clone(),
                challenge_name: challenge.into(),
                session,
                challenge_responses: Some(responses),
                ..Default::default()
            },
        )
        .await
    }

    fn now(&self) -> i64 {
        self.ctx.clock.now_secs()
    }

    /// Associates and verifies a software token through an access token; the secret.
    async fn totp_via_token(&self, access: &str) -> String {
        let secret = associate_software_token(
            self.ctx.clone(),
            AssociateSoftwareTokenRequest {
                access_token: Some(access.into()),
                session: None,
            },
        )
        .await
        .unwrap()
        .secret_code
        .unwrap();
        let verify = |code: String| {
            verify_software_token(
                self.ctx.clone(),
                VerifySoftwareTokenRequest {
                    access_token: Some(access.into()),
                    user_code: code,
                    ..Default::default()
                },
            )
        };
        let wrong = totp::code_at(&secret, self.now() + 300).unwrap();
        assert_eq!(
            err(verify(wrong).await),
            (
                "EnableSoftwareTokenMFAException".into(),
                "Code mismatch and fail enable Software Token MFA".into()
            )
        );
        let r = verify(totp::code_at(&secret, self.now()).unwrap())
            .await
            .unwrap();
        assert_eq!(r.status.as_deref(), Some("SUCCESS"));
        secret
    }

    async fn admin_pref(&self, name: &str, sms: bool, totp: bool, email: bool) -> ApiResult<()> {
        admin_set_user_mfa_preference(
            self.ctx.clone(),
            AdminSetUserMFAPreferenceRequest {
                user_pool_id: self.pool_id.clone(),
                username: name.into(),
                sms_mfa_settings: Some(SMSMfaSettingsType {
                    enabled: Some(sms),
                    preferred_mfa: None,
                }),
                software_token_mfa_settings: Some(SoftwareTokenMfaSettingsType {
                    enabled: Some(totp),
                    preferred_mfa: None,
                }),
                email_mfa_settings: Some(EmailMfaSettingsType {
                    enabled: Some(email),
                    preferred_mfa: None,
                }),
                ..Default::default()
            },
        )
        .await
        .map(|_| ())
    }
}

#[tokio::test]
async fn pool_mfa_config_round_trips() {
    let f = fixture().await;
    let get = || {
        get_user_pool_mfa_config(
            f.ctx.clone(),
            GetUserPoolMfaConfigRequest {
                user_pool_id: f.pool_id.clone(),
            },
        )
    };
    let g = get().await.unwrap();
    assert_eq!(g.mfa_configuration.as_deref(), Some("OFF"));
    assert_eq!(
        g.software_token_mfa_configuration.unwrap().enabled,
        Some(false)
    );
    assert_eq!(
        err(f.mfa_config("ON", false, false, false).await).0,
        "InvalidParameterException"
    );
    f.mfa_config("OPTIONAL", true, true, false).await.unwrap();
    let g = get().await.unwrap();
    assert_eq!(g.mfa_configuration.as_deref(), Some("OPTIONAL"));
    assert!(g.sms_mfa_configuration.is_some());
    assert!(g.email_mfa_configuration.is_none());
    assert_eq!(
        g.software_token_mfa_configuration.unwrap().enabled,
        Some(true)
    );
    let pool = crate::idp::user_pools::load_pool(&f.ctx, &f.pool_id)
        .await
        .unwrap();
    assert_eq!(pool.mfa_configuration.as_deref(), Some("OPTIONAL"));
}

#[tokio::test]
async fn software_token_mfa_sign_in() {
    let f = fixture().await;
    f.mfa_config("OPTIONAL", false, true, false).await.unwrap();
    f.user("tara", None).await;
    let tokens = f.login("tara").await.authentication_result.unwrap();
    let access = tokens.access_token.unwrap();
    // Enabling before a verified token is refused.
    let pref = |enabled: bool| {
        set_user_mfa_preference(
            f.ctx.clone(),
            SetUserMFAPreferenceRequest {
                access_token: access.clone(),
                software_token_mfa_settings: Some(SoftwareTokenMfaSettingsType {
                    enabled: Some(enabled),
                    preferred_mfa: Some(enabled),
                }),
                ..Default::default()
            },
        )
    };
    assert_eq!(
        err(pref(true).await),
        (
            "InvalidParameterException".into(),
            "User has not verified software token mfa".into()
        )
    );
    let secret = f.totp_via_token(&access).await;
    // Verified but not enabled: no challenge yet.
    assert!(f.login("tara").await.authentication_result.is_some());
    pref(true).await.unwrap();

    let r = f.login("tara").await;
    assert_eq!(r.challenge_name.as_deref(), Some("SOFTWARE_TOKEN_MFA"));
    assert_eq!(
        r.challenge_parameters,
        Some(BTreeMap::from([(
            "USER_ID_FOR_SRP".to_string(),
            "tara".to_string()
        )]))
    );
    let session = r.session.clone();
    // The code used to verify the token is spent; the next one works.
    f.ctx.clock.advance(30);
    let wrong = totp::code_at(&secret, f.now() + 120).unwrap();
    assert_eq!(
        err(f
            .answer(
                "SOFTWARE_TOKEN_MFA",
                "tara",
                &[("SOFTWARE_TOKEN_MFA_CODE", &wrong)],
                session.clone()
            )
            .await),
        (
            "CodeMismatchException".into(),
            "Invalid code received for user".into()
        )
    );
    let code = totp::code_at(&secret, f.now()).unwrap();
    let done = f
        .answer(
            "SOFTWARE_TOKEN_MFA",
            "tara",
            &[("SOFTWARE_TOKEN_MFA_CODE", &code)],
            session.clone(),
        )
        .await
        .unwrap();
    assert!(done.authentication_result.unwrap().id_token.is_some());
    // A code is good once: replayed in a new sign-in it is refused as Cognito refuses it.
    let again = f.login("tara").await;
    assert_eq!(
        err(f
            .answer(
                "SOFTWARE_TOKEN_MFA",
                "tara",
                &[("SOFTWARE_TOKEN_MFA_CODE", &code)],
                again.session.clone()
            )
            .await),
        (
            "ExpiredCodeException".into(),
            "Your software token has already been used once.".into()
        )
    );
    // The session is spent.
    assert_eq!(
        err(f
            .answer(
                "SOFTWARE_TOKEN_MFA",
                "tara",
                &[("SOFTWARE_TOKEN_MFA_CODE", &code)],
                session
            )
            .await)
        .0,
        "NotAuthorizedException"
    );

    let got = crate::idp::admin_users::admin_get_user(
        f.ctx.clone(),
        AdminGetUserRequest {
            user_pool_id: f.pool_id.clone(),
            username: "tara".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        got.user_mfa_setting_list,
        Some(vec!["SOFTWARE_TOKEN_MFA".to_string()])
    );
    assert_eq!(
        got.preferred_mfa_setting.as_deref(),
        Some("SOFTWARE_TOKEN_MFA")
    );

    // Turning it off again: straight to tokens.
    pref(false).await.unwrap();
    assert!(f.login("tara").await.authentication_result.is_some());
}

#[tokio::test]
async fn sms_mfa_sign_in_codes_and_expiry() {
    let f = fixture().await;
    f.mfa_config("ON", true, false, false).await.unwrap();
    f.user("sam", Some("+15555550123")).await;
    let r = f.login("sam").await;
    assert_eq!(r.challenge_name.as_deref(), Some("SMS_MFA"));
    let params = r.challenge_parameters.clone().unwrap();
    assert_eq!(params["CODE_DELIVERY_DELIVERY_MEDIUM"], "SMS");
    assert!(params["CODE_DELIVERY_DESTINATION"].ends_with("0123"));
    assert_ne!(params["CODE_DELIVERY_DESTINATION"], "+15555550123");
    let code = latest_code(&f.ctx, "+15555550123").await;
    assert_eq!(
        err(f
            .answer(
                "SMS_MFA",
                "sam",
                &[("SMS_MFA_CODE", "000000x")],
                r.session.clone()
            )
            .await)
        .0,
        "CodeMismatchException"
    );
    // After AuthSessionValidity (3 minutes by default) the session is gone.
    f.ctx.clock.advance(181);
    assert_eq!(
        err(f
            .answer(
                "SMS_MFA",
                "sam",
                &[("SMS_MFA_CODE", &code)],
                r.session.clone()
            )
            .await),
        (
            "NotAuthorizedException".into(),
            "Invalid session for the user, session is expired.".into()
        )
    );
    let r = admin_initiate_auth(
        f.ctx.clone(),
        AdminInitiateAuthRequest {
            user_pool_id: f.pool_id.clone(),
            client_id: f.client_id.clone(),
            auth_flow: "ADMIN_USER_PASSWORD_AUTH".into(),
            auth_parameters: Some(BTreeMap::from([
                ("USERNAME".into(), "sam".into()),
                ("PASSWORD".into(), PW.into()),
            ])),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(r.challenge_name.as_deref(), Some("SMS_MFA"));
    let code = latest_code(&f.ctx, "+15555550123").await;
    let done = f
        .answer("SMS_MFA", "sam", &[("SMS_MFA_CODE", &code)], r.session)
        .await
        .unwrap();
    assert!(done.authentication_result.is_some());
}

#[tokio::test]
async fn email_otp_and_select_mfa_type() {
    let f = fixture().await;
    f.mfa_config("OPTIONAL", true, true, true).await.unwrap();
    f.user("eve", Some("+15555550199")).await;
    assert_eq!(
        err(f.admin_pref("eve", false, true, false).await),
        (
            "InvalidParameterException".into(),
            "User has not verified software token mfa".into()
        )
    );
    f.admin_pref("eve", false, false, true).await.unwrap();
    let r = f.login("eve").await;
    assert_eq!(r.challenge_name.as_deref(), Some("EMAIL_OTP"));
    assert_eq!(
        r.challenge_parameters.as_ref().unwrap()["CODE_DELIVERY_DELIVERY_MEDIUM"],
        "EMAIL"
    );
    let code = latest_code(&f.ctx, "eve@example.com").await;
    let done = f
        .answer("EMAIL_OTP", "eve", &[("EMAIL_OTP_CODE", &code)], r.session)
        .await
        .unwrap();
    let access = done.authentication_result.unwrap().access_token.unwrap();

    // Two factors, none preferred: the user chooses.
    let secret = f.totp_via_token(&access).await;
    f.admin_pref("eve", true, true, false).await.unwrap();
    let r = f.login("eve").await;
    assert_eq!(r.challenge_name.as_deref(), Some("SELECT_MFA_TYPE"));
    assert_eq!(
        r.challenge_parameters.as_ref().unwrap()["MFAS_CAN_CHOOSE"],
        r#"["SMS_MFA","SOFTWARE_TOKEN_MFA"]"#
    );
    assert_eq!(
        err(f
            .answer(
                "SELECT_MFA_TYPE",
                "eve",
                &[("ANSWER", "EMAIL_OTP")],
                r.session.clone()
            )
            .await)
        .0,
        "InvalidParameterException"
    );
    let next = f
        .answer(
            "SELECT_MFA_TYPE",
            "eve",
            &[("ANSWER", "SOFTWARE_TOKEN_MFA")],
            r.session,
        )
        .await
        .unwrap();
    assert_eq!(next.challenge_name.as_deref(), Some("SOFTWARE_TOKEN_MFA"));
    // The verification spent this step's code: the next step's.
    f.ctx.clock.advance(30);
    let code = totp::code_at(&secret, f.now()).unwrap();
    let done = f
        .answer(
            "SOFTWARE_TOKEN_MFA",
            "eve",
            &[("SOFTWARE_TOKEN_MFA_CODE", &code)],
            next.session,
        )
        .await
        .unwrap();
    assert!(done.authentication_result.is_some());
}

#[tokio::test]
async fn mfa_setup_with_a_session() {
    let f = fixture().await;
    f.mfa_config("ON", false, true, false).await.unwrap();
    f.user("max", None).await;
    let r = f.login("max").await;
    assert_eq!(r.challenge_name.as_deref(), Some("MFA_SETUP"));
    assert_eq!(
        r.challenge_parameters.as_ref().unwrap()["MFAS_CAN_SETUP"],
        r#"["SOFTWARE_TOKEN_MFA"]"#
    );
    // Answering before a token is verified is refused.
    assert_eq!(
        err(f.answer("MFA_SETUP", "max", &[], r.session.clone()).await).0,
        "InvalidParameterException"
    );
    let assoc = associate_software_token(
        f.ctx.clone(),
        AssociateSoftwareTokenRequest {
            access_token: None,
            session: r.session.clone(),
        },
    )
    .await
    .unwrap();
    let secret = assoc.secret_code.unwrap();
    let verify = |code: String, session: Option<String>| {
        verify_software_token(
            f.ctx.clone(),
            VerifySoftwareTokenRequest {
                session,
                user_code: code,
                ..Default::default()
            },
        )
    };
    // The first session was replaced.
    assert_eq!(
        err(verify(totp::code_at(&secret, f.now()).unwrap(), r.session.clone()).await).0,
        "NotAuthorizedException"
    );
    let verified = verify(totp::code_at(&secret, f.now()).unwrap(), assoc.session)
        .await
        .unwrap();
    assert_eq!(verified.status.as_deref(), Some("SUCCESS"));
    // Enrolled at verification: signing in again (instead of answering MFA_SETUP) is asked
    // for the new factor, as on AWS.
    let r2 = f.login("max").await;
    assert_eq!(r2.challenge_name.as_deref(), Some("SOFTWARE_TOKEN_MFA"));
    let done = f
        .answer("MFA_SETUP", "max", &[], verified.session)
        .await
        .unwrap();
    assert!(done.authentication_result.is_some());
    let r = f.login("max").await;
    assert_eq!(r.challenge_name.as_deref(), Some("SOFTWARE_TOKEN_MFA"));
}
