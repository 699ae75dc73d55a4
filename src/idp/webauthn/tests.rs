use super::soft_authenticator::SoftAuthenticator;
use super::*;
use crate::crypto::password;
use crate::idp::auth::{initiate_auth, respond_to_auth_challenge};
use crate::model::user::UserStatus;
use crate::testkit::{self, kind};

const PW: &str = "Passw0rd!";
const ORIGIN: &str = "http://localhost:5173";

struct F {
    ctx: Ctx,
    pool_id: String,
    client_id: String,
}

async fn fixture(factors: &[&str], rp: Option<&str>) -> F {
    let ctx = testkit::ctx().await;
    let factors: Vec<String> = factors.iter().map(|f| f.to_string()).collect();
    let pool = testkit::pool(&ctx, move |p| {
        p.policies
            .get_or_insert_with(Default::default)
            .sign_in_policy = Some(SignInPolicyType {
            allowed_first_auth_factors: Some(factors),
        });
    })
    .await;
    let pool_id = pool.id.clone().unwrap();
    if let Some(rp) = rp {
        super::super::mfa::set_user_pool_mfa_config(
            ctx.clone(),
            SetUserPoolMfaConfigRequest {
                user_pool_id: pool_id.clone(),
                web_authn_configuration: Some(WebAuthnConfigurationType {
                    relying_party_id: Some(rp.into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let client = testkit::client_with(&ctx, &pool, |c| {
        c.explicit_auth_flows = Some(vec!["ALLOW_USER_AUTH".into()]);
    })
    .await;
    let mut user = User::new(&pool_id, "pia", "sub-pia", UserStatus::Confirmed, 0.0);
    user.set_attr("email", "pia@example.com");
    user.password = Some(password::hash_password(&pool_id, "pia", PW));
    assert!(ctx.store.insert_user(&user, "pia").await.unwrap());
    F {
        ctx,
        pool_id,
        client_id: client.client_id.unwrap(),
    }
}

impl F {
    async fn initiate(&self, params: &[(&str, &str)]) -> ApiResult<InitiateAuthResponse> {
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

    async fn token(&self) -> String {
        self.initiate(&[
            ("USERNAME", "pia"),
            ("PREFERRED_CHALLENGE", "PASSWORD"),
            ("PASSWORD", PW),
        ])
        .await
        .unwrap()
        .authentication_result
        .unwrap()
        .access_token
        .unwrap()
    }

    async fn start(&self, token: &str) -> ApiResult<serde_json::Value> {
        start_web_authn_registration(
            self.ctx.clone(),
            StartWebAuthnRegistrationRequest {
                access_token: token.into(),
            },
        )
        .await
        .map(|r| r.credential_creation_options)
    }

    async fn complete(&self, token: &str, credential: serde_json::Value) -> ApiResult<()> {
        complete_web_authn_registration(
            self.ctx.clone(),
            CompleteWebAuthnRegistrationRequest {
                access_token: token.into(),
                credential,
            },
        )
        .await
        .map(|_| ())
    }

    /// Registers a software passkey for pia.
    async fn register(&self) -> SoftAuthenticator {
        let token = self.token().await;
        let options = self.start(&token).await.unwrap();
        let mut a = SoftAuthenticator::new();
        let cred = a.register(&options, ORIGIN, "packed");
        self.complete(&token, cred).await.unwrap();
        a
    }

    async fn answer(
        &self,
        session: Option<String>,
        credential: &serde_json::Value,
    ) -> ApiResult<RespondToAuthChallengeResponse> {
        respond_to_auth_challenge(
            self.ctx.clone(),
            RespondToAuthChallengeRequest {
                client_id: self.client_id.clone(),
                challenge_name: "WEB_AUTHN".into(),
                session,
                challenge_responses: Some(BTreeMap::from([
                    ("USERNAME".to_string(), "pia".to_string()),
                    ("CREDENTIAL".to_string(), credential.to_string()),
                ])),
                ..Default::default()
            },
        )
        .await
    }
}

fn request_options(out: &InitiateAuthResponse) -> serde_json::Value {
    serde_json::from_str(&out.challenge_parameters.as_ref().unwrap()["CREDENTIAL_REQUEST_OPTIONS"])
        .unwrap()
}

#[tokio::test]
async fn register_a_passkey_then_sign_in_with_it() {
    let f = fixture(&["PASSWORD", "WEB_AUTHN"], Some("localhost")).await;
    let token = f.token().await;
    let options = f.start(&token).await.unwrap();
    assert_eq!(options["rp"]["id"], "localhost");
    assert_eq!(options["user"]["name"], "pia");
    assert_eq!(options["pubKeyCredParams"][0]["alg"], -7);
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "preferred"
    );
    let mut a = SoftAuthenticator::new();
    f.complete(&token, a.register(&options, ORIGIN, "none"))
        .await
        .unwrap();
    let listed = list_web_authn_credentials(
        f.ctx.clone(),
        ListWebAuthnCredentialsRequest {
            access_token: token.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .credentials;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].credential_id, a.credential_id_b64());
    assert_eq!(listed[0].relying_party_id, "localhost");
    assert_eq!(listed[0].authenticator_transports, vec!["internal"]);

    // A second registration excludes the first credential.
    let again = f.start(&token).await.unwrap();
    assert_eq!(again["excludeCredentials"][0]["id"], a.credential_id_b64());

    let select = f.initiate(&[("USERNAME", "pia")]).await.unwrap();
    assert!(
        select
            .available_challenges
            .unwrap()
            .contains(&"WEB_AUTHN".to_string())
    );
    let out = f
        .initiate(&[("USERNAME", "pia"), ("PREFERRED_CHALLENGE", "WEB_AUTHN")])
        .await
        .unwrap();
    assert_eq!(out.challenge_name.as_deref(), Some("WEB_AUTHN"));
    let req = request_options(&out);
    assert_eq!(req["rpId"], "localhost");
    assert_eq!(req["allowCredentials"][0]["id"], a.credential_id_b64());
    let assertion = a.assert(&req, ORIGIN);
    let done = f.answer(out.session, &assertion).await.unwrap();
    assert!(done.authentication_result.unwrap().id_token.is_some());

    // The factors now include the passkey; deleting it takes it away.
    let factors = super::super::user_auth::get_user_auth_factors(
        f.ctx.clone(),
        GetUserAuthFactorsRequest {
            access_token: token.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        factors.configured_user_auth_factors.unwrap(),
        vec!["PASSWORD", "WEB_AUTHN"]
    );
    delete_web_authn_credential(
        f.ctx.clone(),
        DeleteWebAuthnCredentialRequest {
            access_token: token.clone(),
            credential_id: a.credential_id_b64(),
        },
    )
    .await
    .unwrap();
    let gone = delete_web_authn_credential(
        f.ctx.clone(),
        DeleteWebAuthnCredentialRequest {
            access_token: token,
            credential_id: a.credential_id_b64(),
        },
    )
    .await;
    assert_eq!(kind(gone), "ResourceNotFoundException");
}

#[tokio::test]
async fn tampered_replayed_or_foreign_assertions_are_refused() {
    let f = fixture(&["PASSWORD", "WEB_AUTHN"], Some("localhost")).await;
    let mut a = f.register().await;
    let start = || f.initiate(&[("USERNAME", "pia"), ("PREFERRED_CHALLENGE", "WEB_AUTHN")]);

    // A signature that does not match the signed bytes.
    let out = start().await.unwrap();
    let mut bad = a.assert(&request_options(&out), ORIGIN);
    let sig = bad["response"]["signature"].as_str().unwrap().to_string();
    let mut raw = B64URL.decode(&sig).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 0x01;
    bad["response"]["signature"] = json!(B64URL.encode(raw));
    assert_eq!(
        kind(f.answer(out.session.clone(), &bad).await),
        "NotAuthorizedException"
    );
    // The session was spent by that answer.
    let good_late = a.assert(&request_options(&out), ORIGIN);
    assert_eq!(
        kind(f.answer(out.session, &good_late).await),
        "NotAuthorizedException"
    );

    // An assertion for another challenge.
    let first = start().await.unwrap();
    let second = start().await.unwrap();
    let for_first = a.assert(&request_options(&first), ORIGIN);
    assert_eq!(
        kind(f.answer(second.session, &for_first).await),
        "NotAuthorizedException"
    );

    // From an origin the relying party does not allow.
    let out = start().await.unwrap();
    let evil = a.assert(&request_options(&out), "https://evil.example");
    assert_eq!(
        kind(f.answer(out.session, &evil).await),
        "NotAuthorizedException"
    );

    // A good sign-in moves the stored counter to 11; a clone whose counter is behind fails.
    let out = start().await.unwrap();
    a.counter = 10;
    let good = a.assert(&request_options(&out), ORIGIN);
    assert!(f.answer(out.session, &good).await.is_ok());
    let out = start().await.unwrap();
    a.counter = 0;
    let cloned = a.assert(&request_options(&out), ORIGIN);
    assert_eq!(
        kind(f.answer(out.session, &cloned).await),
        "NotAuthorizedException"
    );

    // Another authenticator's key under this credential id.
    let out = start().await.unwrap();
    let mut impostor = SoftAuthenticator::new();
    impostor.credential_id = a.credential_id.clone();
    impostor.counter = 100;
    let forged = impostor.assert(&request_options(&out), ORIGIN);
    assert_eq!(
        kind(f.answer(out.session, &forged).await),
        "NotAuthorizedException"
    );

    // And a good one still works.
    let out = start().await.unwrap();
    a.counter = 50;
    let good = a.assert(&request_options(&out), ORIGIN);
    assert!(f.answer(out.session, &good).await.is_ok());
}

#[tokio::test]
async fn registration_errors_are_cognitos() {
    // Not in the sign-in policy.
    let f = fixture(&["PASSWORD"], Some("localhost")).await;
    let token = f.token().await;
    assert_eq!(kind(f.start(&token).await), "WebAuthnNotEnabledException");

    // No relying party and no domain.
    let f = fixture(&["PASSWORD", "WEB_AUTHN"], None).await;
    let token = f.token().await;
    assert_eq!(
        kind(f.start(&token).await),
        "WebAuthnConfigurationMissingException"
    );

    let f = fixture(&["PASSWORD", "WEB_AUTHN"], Some("localhost")).await;
    let token = f.token().await;
    // Complete without Start.
    let mut a = SoftAuthenticator::new();
    let stray = a.register(
        &json!({"rp": {"id": "localhost"}, "challenge": "AAAA"}),
        ORIGIN,
        "none",
    );
    assert_eq!(
        kind(f.complete(&token, stray).await),
        "WebAuthnChallengeNotFoundException"
    );
    // A wrong origin, a wrong relying party, an unsupported format, a wrong challenge.
    let cases: [(&str, &str, &str, &str); 4] = [
        (
            "https://evil.example",
            "localhost",
            "none",
            "WebAuthnOriginNotAllowedException",
        ),
        (
            ORIGIN,
            "example.com",
            "none",
            "WebAuthnRelyingPartyMismatchException",
        ),
        (
            ORIGIN,
            "localhost",
            "fido-u2f",
            "WebAuthnCredentialNotSupportedException",
        ),
        (
            ORIGIN,
            "localhost",
            "challenge",
            "WebAuthnChallengeNotFoundException",
        ),
    ];
    for (origin, rp, fmt, expected) in cases {
        let mut options = f.start(&token).await.unwrap();
        options["rp"]["id"] = json!(rp);
        let fmt = if fmt == "challenge" {
            options["challenge"] = json!("b3RoZXI");
            "none"
        } else {
            fmt
        };
        let cred = a.register(&options, origin, fmt);
        assert_eq!(
            kind(f.complete(&token, cred).await),
            expected,
            "{fmt} {origin} {rp}"
        );
    }
    // Started through one client, completed with another client's token.
    let pool = super::super::user_pools::load_pool(&f.ctx, &f.pool_id)
        .await
        .unwrap();
    let other = testkit::client_with(&f.ctx, &pool, |c| {
        c.explicit_auth_flows = Some(vec!["ALLOW_USER_AUTH".into()]);
    })
    .await;
    let other_token = initiate_auth(
        f.ctx.clone(),
        InitiateAuthRequest {
            auth_flow: "USER_AUTH".into(),
            client_id: other.client_id.unwrap(),
            auth_parameters: Some(BTreeMap::from([
                ("USERNAME".to_string(), "pia".to_string()),
                ("PREFERRED_CHALLENGE".to_string(), "PASSWORD".to_string()),
                ("PASSWORD".to_string(), PW.to_string()),
            ])),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .authentication_result
    .unwrap()
    .access_token
    .unwrap();
    let options = f.start(&token).await.unwrap();
    let cred = a.register(&options, ORIGIN, "none");
    assert_eq!(
        kind(f.complete(&other_token, cred).await),
        "WebAuthnClientMismatchException"
    );
}

#[tokio::test]
async fn user_verification_required_refuses_presence_only_passkeys() {
    let f = fixture(&["PASSWORD", "WEB_AUTHN"], None).await;
    super::super::mfa::set_user_pool_mfa_config(
        f.ctx.clone(),
        SetUserPoolMfaConfigRequest {
            user_pool_id: f.pool_id.clone(),
            web_authn_configuration: Some(WebAuthnConfigurationType {
                relying_party_id: Some("localhost".into()),
                user_verification: Some("required".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let token = f.token().await;
    let options = f.start(&token).await.unwrap();
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    let mut a = SoftAuthenticator::new();
    a.flags = 0x01;
    let cred = a.register(&options, ORIGIN, "none");
    assert_eq!(
        kind(f.complete(&token, cred).await),
        "InvalidParameterException"
    );
    let shown = super::super::mfa::get_user_pool_mfa_config(
        f.ctx.clone(),
        GetUserPoolMfaConfigRequest {
            user_pool_id: f.pool_id.clone(),
        },
    )
    .await
    .unwrap()
    .web_authn_configuration
    .unwrap();
    assert_eq!(shown.relying_party_id.as_deref(), Some("localhost"));
    assert_eq!(shown.user_verification.as_deref(), Some("required"));
}
