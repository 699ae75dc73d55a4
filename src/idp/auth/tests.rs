use super::refresh_flows::get_tokens_from_refresh_token;
use super::*;
use crate::crypto::password;
use crate::idp::sign_out;
use crate::testkit::{self, kind};
use crate::tokens::verify_access_token;

const PW: &str = "Passw0rd!";

struct Fixture {
    ctx: Ctx,
    pool: UserPoolType,
    pool_id: String,
    client: UserPoolClientType,
    client_id: String,
}

async fn fixture(secret: bool, adjust: impl FnOnce(&mut UserPoolClientType)) -> Fixture {
    let ctx = testkit::ctx().await;
    let pool = testkit::pool(&ctx, |_| {}).await;
    let client = testkit::client_with(&ctx, &pool, |c| {
        c.explicit_auth_flows = Some(vec![
            "ALLOW_USER_SRP_AUTH".into(),
            "ALLOW_USER_PASSWORD_AUTH".into(),
            "ALLOW_ADMIN_USER_PASSWORD_AUTH".into(),
            "ALLOW_REFRESH_TOKEN_AUTH".into(),
        ]);
        if secret {
            c.client_secret = Some(crate::ids::client_secret());
        }
        adjust(c);
    })
    .await;
    Fixture {
        pool_id: pool.id.clone().unwrap(),
        client_id: client.client_id.clone().unwrap(),
        ctx,
        pool,
        client,
    }
}

impl Fixture {
    async fn user(&self, username: &str, status: UserStatus) -> User {
        let mut user = User::new(&self.pool_id, username, &crate::ids::uuid(), status, 0.0);
        user.set_attr("email", &format!("{username}@example.com"));
        user.set_attr("email_verified", "true");
        user.password = Some(password::hash_password(&self.pool_id, username, PW));
        assert!(self.ctx.store.insert_user(&user, username).await.unwrap());
        user
    }

    fn hash(&self, username: &str) -> Option<String> {
        testkit::hash(&self.client, username)
    }

    fn params(&self, pairs: &[(&str, &str)], user: &str) -> BTreeMap<String, String> {
        let mut m: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some(h) = self.hash(user) {
            m.insert("SECRET_HASH".into(), h);
        }
        m
    }

    async fn initiate(
        &self,
        flow: &str,
        params: BTreeMap<String, String>,
    ) -> ApiResult<InitiateAuthResponse> {
        initiate_auth(
            self.ctx.clone(),
            InitiateAuthRequest {
                auth_flow: flow.into(),
                auth_parameters: Some(params),
                client_id: self.client_id.clone(),
                ..Default::default()
            },
        )
        .await
    }

    async fn admin_initiate(
        &self,
        flow: &str,
        params: BTreeMap<String, String>,
    ) -> ApiResult<AdminInitiateAuthResponse> {
        admin_initiate_auth(
            self.ctx.clone(),
            AdminInitiateAuthRequest {
                user_pool_id: self.pool_id.clone(),
                client_id: self.client_id.clone(),
                auth_flow: flow.into(),
                auth_parameters: Some(params),
                ..Default::default()
            },
        )
        .await
    }

    async fn password_login(&self, username: &str, pw: &str) -> ApiResult<InitiateAuthResponse> {
        self.initiate(
            "USER_PASSWORD_AUTH",
            self.params(&[("USERNAME", username), ("PASSWORD", pw)], username),
        )
        .await
    }

    async fn respond(
        &self,
        challenge: &str,
        responses: BTreeMap<String, String>,
        session: Option<String>,
    ) -> ApiResult<RespondToAuthChallengeResponse> {
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

    /// A whole SRP sign-in as amazon-cognito-identity-js does it, with `timestamp`.
    async fn srp_login_at(
        &self,
        username: &str,
        pw: &str,
        timestamp: &str,
    ) -> ApiResult<RespondToAuthChallengeResponse> {
        let a = random_biguint(32);
        let a_pub = srp::client::public_a(&a);
        let start = self
            .initiate(
                "USER_SRP_AUTH",
                self.params(
                    &[("USERNAME", username), ("SRP_A", &a_pub.to_str_radix(16))],
                    username,
                ),
            )
            .await?;
        assert_eq!(start.challenge_name.as_deref(), Some("PASSWORD_VERIFIER"));
        assert!(start.session.is_none());
        let p = start.challenge_parameters.unwrap();
        let user_id = p["USER_ID_FOR_SRP"].clone();
        assert_eq!(p["USERNAME"], user_id);
        let salt = parse_hex(&p["SALT"]).unwrap();
        let b_pub = parse_hex(&p["SRP_B"]).unwrap();
        let block = B64.decode(&p["SECRET_BLOCK"]).unwrap();
        let key = srp::client::session_key(
            srp::pool_name(&self.pool_id),
            &user_id,
            pw,
            &a,
            &a_pub,
            &b_pub,
            &salt,
        )
        .unwrap();
        let sig = srp::signature(
            &key,
            srp::pool_name(&self.pool_id),
            &user_id,
            &block,
            timestamp,
        );
        self.respond(
            "PASSWORD_VERIFIER",
            self.params(
                &[
                    ("USERNAME", &user_id),
                    ("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"]),
                    ("PASSWORD_CLAIM_SIGNATURE", &sig),
                    ("TIMESTAMP", timestamp),
                ],
                &user_id,
            ),
            None,
        )
        .await
    }

    async fn srp_login(
        &self,
        username: &str,
        pw: &str,
    ) -> ApiResult<RespondToAuthChallengeResponse> {
        let ts = srp::format_timestamp(self.ctx.clock.now_secs());
        self.srp_login_at(username, pw, &ts).await
    }
}

fn message<T: std::fmt::Debug>(r: ApiResult<T>) -> (String, String) {
    let e = r.expect_err("an error");
    (e.kind.name().to_string(), e.message)
}

fn na(msg: &str) -> (String, String) {
    ("NotAuthorizedException".into(), msg.into())
}

#[tokio::test]
async fn srp_sign_in_verifies_the_password_for_real() {
    for secret in [false, true] {
        let f = fixture(secret, |_| {}).await;
        f.user("alice", UserStatus::Confirmed).await;
        let ok = f.srp_login("alice", PW).await.unwrap();
        let tokens = ok.authentication_result.unwrap();
        assert!(tokens.refresh_token.is_some());
        assert_eq!(tokens.expires_in, Some(3600));
        let claims = verify_access_token(&f.ctx, tokens.access_token.as_deref().unwrap())
            .await
            .unwrap();
        assert_eq!(claims.username, "alice");
        assert_eq!(ok.challenge_parameters, Some(BTreeMap::new()));

        assert_eq!(
            message(f.srp_login("alice", "Wrong0rd!").await),
            na("Incorrect username or password.")
        );
        // A malformed or far-off TIMESTAMP fails the same way.
        assert_eq!(
            message(
                f.srp_login_at("alice", PW, "Sun Oct 06 13:37:50 UTC 2024")
                    .await
            ),
            na("Incorrect username or password.")
        );
        let old = srp::format_timestamp(f.ctx.clock.now_secs() - 3600);
        assert_eq!(
            message(f.srp_login_at("alice", PW, &old).await),
            na("Incorrect username or password.")
        );
        assert_eq!(
            kind(f.srp_login("nobody", PW).await),
            "UserNotFoundException"
        );
    }
}

#[tokio::test]
async fn srp_secret_block_is_single_use_and_expires() {
    let f = fixture(false, |_| {}).await;
    f.user("alice", UserStatus::Confirmed).await;
    let a = random_biguint(32);
    let a_pub = srp::client::public_a(&a);
    let start = f
        .initiate(
            "USER_SRP_AUTH",
            f.params(
                &[("USERNAME", "alice"), ("SRP_A", &a_pub.to_str_radix(16))],
                "alice",
            ),
        )
        .await
        .unwrap();
    let p = start.challenge_parameters.unwrap();
    f.ctx.clock.advance(181);
    let ts = srp::format_timestamp(f.ctx.clock.now_secs());
    let key = srp::client::session_key(
        srp::pool_name(&f.pool_id),
        "alice",
        PW,
        &a,
        &a_pub,
        &parse_hex(&p["SRP_B"]).unwrap(),
        &parse_hex(&p["SALT"]).unwrap(),
    )
    .unwrap();
    let block = B64.decode(&p["SECRET_BLOCK"]).unwrap();
    let sig = srp::signature(&key, srp::pool_name(&f.pool_id), "alice", &block, &ts);
    let answer = f.params(
        &[
            ("USERNAME", "alice"),
            ("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"]),
            ("PASSWORD_CLAIM_SIGNATURE", &sig),
            ("TIMESTAMP", &ts),
        ],
        "alice",
    );
    assert_eq!(
        message(f.respond("PASSWORD_VERIFIER", answer.clone(), None).await),
        na("Invalid session for the user, session is expired.")
    );
    assert_eq!(
        message(f.respond("PASSWORD_VERIFIER", answer, None).await),
        na("Incorrect username or password.")
    );
    assert_eq!(
        kind(
            f.initiate(
                "USER_SRP_AUTH",
                f.params(&[("USERNAME", "alice"), ("SRP_A", "0")], "alice")
            )
            .await
        ),
        "InvalidParameterException"
    );
}

#[tokio::test]
async fn password_flows_and_their_errors() {
    let f = fixture(true, |_| {}).await;
    f.user("alice", UserStatus::Confirmed).await;
    let ok = f.password_login("alice", PW).await.unwrap();
    assert!(ok.authentication_result.unwrap().id_token.is_some());
    assert_eq!(
        message(f.password_login("alice", "Wrong0rd!").await),
        na("Incorrect username or password.")
    );
    assert_eq!(
        kind(f.password_login("ghost", PW).await),
        "UserNotFoundException"
    );
    // SECRET_HASH is required and checked.
    let mut p = f.params(&[("USERNAME", "alice"), ("PASSWORD", PW)], "alice");
    p.remove("SECRET_HASH");
    assert_eq!(
        message(f.initiate("USER_PASSWORD_AUTH", p.clone()).await),
        na(&format!(
            "Client {} is configured with secret but SECRET_HASH was not received",
            f.client_id
        ))
    );
    p.insert("SECRET_HASH".into(), f.hash("bob").unwrap());
    assert_eq!(
        kind(f.initiate("USER_PASSWORD_AUTH", p).await),
        "NotAuthorizedException"
    );
    // Admin flows.
    let params = f.params(&[("USERNAME", "alice"), ("PASSWORD", PW)], "alice");
    for flow in ["ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"] {
        let r = f.admin_initiate(flow, params.clone()).await.unwrap();
        assert!(r.authentication_result.is_some(), "{flow}");
    }
    assert_eq!(
        message(f.initiate("ADMIN_USER_PASSWORD_AUTH", params.clone()).await),
        (
            "InvalidParameterException".into(),
            "Initiate Auth method not supported.".into()
        )
    );
    assert_eq!(
        message(f.admin_initiate("USER_PASSWORD_AUTH", params).await),
        (
            "InvalidParameterException".into(),
            "Initiate Auth method not supported.".into()
        )
    );
    let missing = f.params(&[("USERNAME", "alice")], "alice");
    assert_eq!(
        message(f.initiate("USER_PASSWORD_AUTH", missing).await),
        (
            "InvalidParameterException".into(),
            "Missing required parameter PASSWORD".into()
        )
    );
}

#[tokio::test]
async fn explicit_auth_flows_are_enforced() {
    let f = fixture(false, |c| {
        c.explicit_auth_flows = Some(vec!["ALLOW_USER_SRP_AUTH".into()]);
    })
    .await;
    f.user("alice", UserStatus::Confirmed).await;
    assert_eq!(
        message(f.password_login("alice", PW).await),
        (
            "InvalidParameterException".into(),
            "USER_PASSWORD_AUTH flow not enabled for this client".into()
        )
    );
    let params = f.params(&[("USERNAME", "alice"), ("PASSWORD", PW)], "alice");
    assert_eq!(
        kind(f.admin_initiate("ADMIN_USER_PASSWORD_AUTH", params).await),
        "InvalidParameterException"
    );
    assert!(f.srp_login("alice", PW).await.is_ok());
    let refresh = f.params(&[("REFRESH_TOKEN", "x.y.z.w.v")], "alice");
    assert_eq!(
        message(f.initiate("REFRESH_TOKEN_AUTH", refresh).await).1,
        "REFRESH_TOKEN_AUTH flow not enabled for this client"
    );
}

#[tokio::test]
async fn user_states_decide_the_answer() {
    let f = fixture(false, |_| {}).await;
    f.user("unconfirmed", UserStatus::Unconfirmed).await;
    assert_eq!(
        message(f.password_login("unconfirmed", PW).await),
        (
            "UserNotConfirmedException".into(),
            "User is not confirmed.".into()
        )
    );
    assert_eq!(
        kind(f.srp_login("unconfirmed", PW).await),
        "UserNotConfirmedException"
    );
    // A wrong password is checked before the confirmation state.
    assert_eq!(
        kind(f.password_login("unconfirmed", "Wrong0rd!").await),
        "NotAuthorizedException"
    );
    let mut disabled = f.user("disabled", UserStatus::Confirmed).await;
    disabled.enabled = false;
    f.ctx.store.save_user(&disabled).await.unwrap();
    assert_eq!(
        message(f.password_login("disabled", PW).await),
        na("User is disabled.")
    );
    f.user("reset", UserStatus::ResetRequired).await;
    assert_eq!(
        message(f.password_login("reset", PW).await),
        (
            "PasswordResetRequiredException".into(),
            "Password reset required for the user".into()
        )
    );
}

#[tokio::test]
async fn prevent_user_existence_errors_hides_unknown_users() {
    let f = fixture(false, |c| {
        c.prevent_user_existence_errors = Some("ENABLED".into());
    })
    .await;
    assert_eq!(
        message(f.password_login("ghost", PW).await),
        na("Incorrect username or password.")
    );
    // SRP answers a (decoy) challenge, then fails like a wrong password.
    assert_eq!(
        message(f.srp_login("ghost", PW).await),
        na("Incorrect username or password.")
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_user_out_for_a_while() {
    let f = fixture(false, |_| {}).await;
    let user = f.user("alice", UserStatus::Confirmed).await;
    for _ in 0..5 {
        assert_eq!(
            message(f.password_login("alice", "Wrong0rd!").await),
            na("Incorrect username or password.")
        );
    }
    // Even the right password is refused while locked.
    assert_eq!(
        message(f.password_login("alice", PW).await),
        na("Password attempts exceeded")
    );
    let (failures, until) = f
        .ctx
        .store
        .sign_in_failures(&f.pool_id, &user.sub)
        .await
        .unwrap();
    assert_eq!(failures, 5);
    assert!(until > f.ctx.clock.now_epoch());
    f.ctx.clock.advance(2);
    assert!(f.password_login("alice", PW).await.is_ok());
    assert_eq!(
        f.ctx
            .store
            .sign_in_failures(&f.pool_id, &user.sub)
            .await
            .unwrap()
            .0,
        0
    );
}

#[tokio::test]
async fn new_password_required_sets_the_password_and_attributes() {
    let f = fixture(false, |_| {}).await;
    let mut pool = f.pool.clone();
    pool.schema_attributes = Some(vec![SchemaAttributeType {
        name: Some("given_name".into()),
        attribute_data_type: Some("String".into()),
        mutable: Some(true),
        required: Some(true),
        ..Default::default()
    }]);
    f.ctx
        .store
        .update_pool(&f.pool_id, "test", &pool)
        .await
        .unwrap();
    f.user("newbie", UserStatus::ForceChangePassword).await;

    for srp_login in [false, true] {
        let (challenge, session, params) = if srp_login {
            let r = f.srp_login("newbie", PW).await.unwrap();
            (r.challenge_name, r.session, r.challenge_parameters.unwrap())
        } else {
            let r = f.password_login("newbie", PW).await.unwrap();
            (r.challenge_name, r.session, r.challenge_parameters.unwrap())
        };
        assert_eq!(challenge.as_deref(), Some("NEW_PASSWORD_REQUIRED"));
        assert!(session.is_some());
        assert_eq!(params["USER_ID_FOR_SRP"], "newbie");
        let attrs: serde_json::Value = serde_json::from_str(&params["userAttributes"]).unwrap();
        assert_eq!(attrs["email"], "newbie@example.com");
        let required: Vec<String> = serde_json::from_str(&params["requiredAttributes"]).unwrap();
        assert_eq!(required, vec!["userAttributes.given_name"]);
    }
    let r = f.password_login("newbie", PW).await.unwrap();
    let session = r.session;
    let answer = |pw: &str, with_name: bool| {
        let mut m = f.params(&[("USERNAME", "newbie"), ("NEW_PASSWORD", pw)], "newbie");
        if with_name {
            m.insert("userAttributes.given_name".into(), "New".into());
        }
        m
    };
    assert_eq!(
        kind(
            f.respond(
                "NEW_PASSWORD_REQUIRED",
                answer("short", true),
                session.clone()
            )
            .await
        ),
        "InvalidPasswordException"
    );
    assert_eq!(
        message(
            f.respond(
                "NEW_PASSWORD_REQUIRED",
                answer("N3wPassw0rd!", false),
                session.clone()
            )
            .await
        ),
        (
            "InvalidParameterException".into(),
            "Invalid attributes given, given_name is missing".into()
        )
    );
    assert_eq!(
        message(
            f.respond(
                "NEW_PASSWORD_REQUIRED",
                answer("N3wPassw0rd!", true),
                Some("AYABe-bogus-session-string".into())
            )
            .await
        ),
        na("Invalid session for the user.")
    );
    let done = f
        .respond(
            "NEW_PASSWORD_REQUIRED",
            answer("N3wPassw0rd!", true),
            session.clone(),
        )
        .await
        .unwrap();
    assert!(done.authentication_result.is_some());
    let user = f
        .ctx
        .store
        .get_user(&f.pool_id, "newbie")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.status, UserStatus::Confirmed);
    assert_eq!(user.attr("given_name"), Some("New"));
    assert!(
        f.password_login("newbie", "N3wPassw0rd!")
            .await
            .unwrap()
            .authentication_result
            .is_some()
    );
    assert!(f.srp_login("newbie", "N3wPassw0rd!").await.is_ok());
    // The session was used up.
    assert_eq!(
        kind(
            f.respond(
                "NEW_PASSWORD_REQUIRED",
                answer("N3wPassw0rd!", true),
                session
            )
            .await
        ),
        "NotAuthorizedException"
    );

    // Sessions expire after AuthSessionValidity (3 minutes).
    f.user("late", UserStatus::ForceChangePassword).await;
    let r = f.password_login("late", PW).await.unwrap();
    f.ctx.clock.advance(181);
    let mut m = f.params(
        &[("USERNAME", "late"), ("NEW_PASSWORD", "N3wPassw0rd!")],
        "late",
    );
    m.insert("userAttributes.given_name".into(), "Late".into());
    assert_eq!(
        message(f.respond("NEW_PASSWORD_REQUIRED", m, r.session).await),
        na("Invalid session for the user, session is expired.")
    );
}

#[tokio::test]
async fn refresh_flows_keep_the_sign_in_and_check_the_secret_hash() {
    let f = fixture(true, |_| {}).await;
    f.user("alice", UserStatus::Confirmed).await;
    let first = f
        .password_login("alice", PW)
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    let rt = first.refresh_token.clone().unwrap();
    f.ctx.clock.advance(3601);
    let expired = first.access_token.clone().unwrap();
    assert_eq!(
        message(verify_access_token(&f.ctx, &expired).await),
        na("Access Token has expired")
    );
    for flow in ["REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"] {
        let r = f
            .initiate(flow, f.params(&[("REFRESH_TOKEN", &rt)], "alice"))
            .await
            .unwrap()
            .authentication_result
            .unwrap();
        assert!(r.refresh_token.is_none());
        let claims = verify_access_token(&f.ctx, r.access_token.as_deref().unwrap())
            .await
            .unwrap();
        let old = crate::tokens::verify::peek(&first.access_token.clone().unwrap());
        assert_eq!(claims.origin_jti, old["origin_jti"].as_str().unwrap());
        assert_eq!(claims.auth_time, old["auth_time"].as_i64().unwrap());
    }
    assert_eq!(
        kind(
            f.initiate(
                "REFRESH_TOKEN_AUTH",
                f.params(&[("REFRESH_TOKEN", &rt)], "bob")
            )
            .await
        ),
        "NotAuthorizedException"
    );
    assert_eq!(
        message(
            f.initiate(
                "REFRESH_TOKEN_AUTH",
                f.params(&[("REFRESH_TOKEN", "a.b.c.d.e")], "alice")
            )
            .await
        ),
        na("Invalid Refresh Token")
    );

    // GetTokensFromRefreshToken needs the client secret.
    let get = |secret: Option<String>, token: String| {
        get_tokens_from_refresh_token(
            f.ctx.clone(),
            GetTokensFromRefreshTokenRequest {
                refresh_token: token,
                client_id: f.client_id.clone(),
                client_secret: secret,
                ..Default::default()
            },
        )
    };
    assert_eq!(kind(get(None, rt.clone()).await), "NotAuthorizedException");
    let r = get(f.client.client_secret.clone(), rt.clone())
        .await
        .unwrap();
    assert!(r.authentication_result.unwrap().refresh_token.is_none());
}

#[tokio::test]
async fn refresh_token_rotation_issues_a_new_refresh_token() {
    let f = fixture(false, |c| {
        c.refresh_token_rotation = Some(RefreshTokenRotationType {
            feature: "ENABLED".into(),
            retry_grace_period_seconds: Some(0),
        });
    })
    .await;
    f.user("alice", UserStatus::Confirmed).await;
    let first = f
        .password_login("alice", PW)
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    let rt = first.refresh_token.unwrap();
    let get = |token: String| {
        get_tokens_from_refresh_token(
            f.ctx.clone(),
            GetTokensFromRefreshTokenRequest {
                refresh_token: token,
                client_id: f.client_id.clone(),
                ..Default::default()
            },
        )
    };
    let second = get(rt.clone())
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    let rt2 = second.refresh_token.unwrap();
    assert_ne!(rt, rt2);
    f.ctx.clock.advance(1);
    assert_eq!(message(get(rt).await), na("Invalid Refresh Token"));
    assert!(get(rt2.clone()).await.is_ok());
    // A rotating client cannot refresh through REFRESH_TOKEN_AUTH (AWS documents the refusal).
    let (kind_, text) = message(
        f.initiate(
            "REFRESH_TOKEN_AUTH",
            f.params(&[("REFRESH_TOKEN", &rt2)], "alice"),
        )
        .await,
    );
    assert_eq!(kind_, "InvalidParameterException");
    assert!(text.contains("GetTokensFromRefreshToken"), "{text}");
}

#[tokio::test]
async fn rotation_grace_period_keeps_the_replaced_token_working_for_a_while() {
    let f = fixture(false, |c| {
        c.refresh_token_rotation = Some(RefreshTokenRotationType {
            feature: "ENABLED".into(),
            retry_grace_period_seconds: Some(30),
        });
    })
    .await;
    f.user("alice", UserStatus::Confirmed).await;
    let rt = f
        .password_login("alice", PW)
        .await
        .unwrap()
        .authentication_result
        .unwrap()
        .refresh_token
        .unwrap();
    let get = |token: String| {
        get_tokens_from_refresh_token(
            f.ctx.clone(),
            GetTokensFromRefreshTokenRequest {
                refresh_token: token,
                client_id: f.client_id.clone(),
                ..Default::default()
            },
        )
    };
    let rt2 = get(rt.clone())
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    assert!(rt2.refresh_token.is_some());
    f.ctx.clock.advance(20);
    // A retry within the grace period still works (and rotates again).
    assert!(get(rt.clone()).await.is_ok());
    f.ctx.clock.advance(20);
    assert_eq!(message(get(rt).await), na("Invalid Refresh Token"));
}

#[tokio::test]
async fn sign_out_revokes_refresh_and_access_tokens() {
    let f = fixture(false, |_| {}).await;
    f.user("alice", UserStatus::Confirmed).await;
    let t1 = f
        .password_login("alice", PW)
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    let t2 = f
        .srp_login("alice", PW)
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    sign_out::global_sign_out(
        f.ctx.clone(),
        GlobalSignOutRequest {
            access_token: t1.access_token.clone().unwrap(),
        },
    )
    .await
    .unwrap();
    for t in [&t1, &t2] {
        assert_eq!(
            message(verify_access_token(&f.ctx, t.access_token.as_deref().unwrap()).await),
            na("Access Token has been revoked")
        );
        assert_eq!(
            message(
                f.initiate(
                    "REFRESH_TOKEN_AUTH",
                    f.params(
                        &[("REFRESH_TOKEN", t.refresh_token.as_deref().unwrap())],
                        "alice"
                    )
                )
                .await
            ),
            na("Refresh Token has been revoked")
        );
    }
    // A new sign-in works again.
    let t3 = f
        .password_login("alice", PW)
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    assert!(
        verify_access_token(&f.ctx, t3.access_token.as_deref().unwrap())
            .await
            .is_ok()
    );

    // RevokeToken revokes one sign-in only.
    let t4 = f
        .password_login("alice", PW)
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    sign_out::revoke_token(
        f.ctx.clone(),
        RevokeTokenRequest {
            token: t3.refresh_token.clone().unwrap(),
            client_id: f.client_id.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        message(verify_access_token(&f.ctx, t3.access_token.as_deref().unwrap()).await),
        na("Access Token has been revoked")
    );
    assert!(
        verify_access_token(&f.ctx, t4.access_token.as_deref().unwrap())
            .await
            .is_ok()
    );
    assert_eq!(
        kind(
            sign_out::revoke_token(
                f.ctx.clone(),
                RevokeTokenRequest {
                    token: t4.access_token.clone().unwrap(),
                    client_id: f.client_id.clone(),
                    ..Default::default()
                },
            )
            .await
        ),
        "UnsupportedTokenTypeException"
    );

    // AdminUserGlobalSignOut.
    sign_out::admin_user_global_sign_out(
        f.ctx.clone(),
        AdminUserGlobalSignOutRequest {
            user_pool_id: f.pool_id.clone(),
            username: "alice".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        message(verify_access_token(&f.ctx, t4.access_token.as_deref().unwrap()).await),
        na("Access Token has been revoked")
    );

    // A deleted user's tokens stop working too.
    let t5 = f
        .password_login("alice", PW)
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    f.ctx.store.delete_user(&f.pool_id, "alice").await.unwrap();
    assert_eq!(
        kind(verify_access_token(&f.ctx, t5.access_token.as_deref().unwrap()).await),
        "UserNotFoundException"
    );
}

fn jwt_payload(token: &str) -> serde_json::Value {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn tokens_carry_groups_and_disabling_revokes() {
    use crate::idp::groups;
    let f = fixture(false, |_| {}).await;
    f.user("alice", UserStatus::Confirmed).await;
    for (name, prec, role) in [
        ("readers", 5, Some("arn:aws:iam::123456789012:role/Readers")),
        ("admins", 1, Some("arn:aws:iam::123456789012:role/Admins")),
        ("plain", 9, None),
    ] {
        groups::create_group(
            f.ctx.clone(),
            CreateGroupRequest {
                user_pool_id: f.pool_id.clone(),
                group_name: name.into(),
                precedence: Some(prec),
                role_arn: role.map(str::to_string),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        groups::admin_add_user_to_group(
            f.ctx.clone(),
            AdminAddUserToGroupRequest {
                user_pool_id: f.pool_id.clone(),
                username: "alice".into(),
                group_name: name.into(),
            },
        )
        .await
        .unwrap();
    }
    let t = f
        .password_login("alice", PW)
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    let id = jwt_payload(t.id_token.as_deref().unwrap());
    let access = jwt_payload(t.access_token.as_deref().unwrap());
    let names = serde_json::json!(["admins", "readers", "plain"]);
    assert_eq!(id["cognito:groups"], names);
    assert_eq!(access["cognito:groups"], names);
    assert_eq!(
        id["cognito:roles"],
        serde_json::json!([
            "arn:aws:iam::123456789012:role/Admins",
            "arn:aws:iam::123456789012:role/Readers"
        ])
    );
    assert_eq!(
        id["cognito:preferred_role"],
        "arn:aws:iam::123456789012:role/Admins"
    );
    assert!(access.get("cognito:roles").is_none());

    crate::idp::admin_users::admin_disable_user(
        f.ctx.clone(),
        AdminDisableUserRequest {
            user_pool_id: f.pool_id.clone(),
            username: "alice".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        message(verify_access_token(&f.ctx, t.access_token.as_deref().unwrap()).await),
        na("Access Token has been revoked")
    );
}
