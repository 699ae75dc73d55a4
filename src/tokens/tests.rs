use super::*;
use crate::config::Config;
use crate::protocol::generated::idp::{UserPoolClientType, UserPoolType};
use crate::state::AppState;
use crate::store::Store;
use serde_json::Value;

pub(crate) async fn test_ctx() -> Ctx {
    let store = Store::open(None).await.unwrap();
    let mut config = Config::for_tests();
    config.port = 9229;
    Ctx::internal(AppState::new(config, store))
}

pub(crate) async fn pool_and_client(ctx: &Ctx) -> (String, UserPoolClientType) {
    let pool_id = crate::ids::user_pool_id("us-east-1");
    let pool = UserPoolType {
        id: Some(pool_id.clone()),
        name: Some("p".into()),
        ..Default::default()
    };
    ctx.store
        .insert_pool(&pool_id, "p", 0.0, &pool)
        .await
        .unwrap();
    let client = UserPoolClientType {
        user_pool_id: Some(pool_id.clone()),
        client_id: Some(crate::ids::client_id()),
        client_name: Some("c".into()),
        ..Default::default()
    };
    ctx.store
        .insert_client(
            &pool_id,
            client.client_id.as_deref().unwrap(),
            "c",
            0.0,
            &client,
        )
        .await
        .unwrap();
    (pool_id, client)
}

fn subject() -> TokenSubject {
    TokenSubject {
        username: "alice".into(),
        sub: "5f0e1c2a-0000-4000-8000-000000000001".into(),
        attributes: vec![
            ("sub".into(), "5f0e1c2a-0000-4000-8000-000000000001".into()),
            ("email".into(), "alice@example.com".into()),
            ("email_verified".into(), "true".into()),
            ("given_name".into(), "Alice".into()),
            ("custom:tier".into(), "7".into()),
        ],
        groups: vec![
            GroupClaim {
                name: "readers".into(),
                role_arn: Some("arn:aws:iam::000000000000:role/readers".into()),
                precedence: Some(5),
            },
            GroupClaim {
                name: "admins".into(),
                role_arn: Some("arn:aws:iam::000000000000:role/admins".into()),
                precedence: Some(1),
            },
        ],
    }
}

async fn insert_alice(ctx: &Ctx, pool_id: &str) {
    let s = subject();
    let mut user = crate::model::user::User::new(
        pool_id,
        &s.username,
        &s.sub,
        crate::model::user::UserStatus::Confirmed,
        0.0,
    );
    user.attributes = s.attributes.clone();
    assert!(ctx.store.insert_user(&user, &s.username).await.unwrap());
}

fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&B64URL.decode(part).unwrap()).unwrap()
}

fn header(token: &str) -> Value {
    let part = token.split('.').next().unwrap();
    serde_json::from_slice(&B64URL.decode(part).unwrap()).unwrap()
}

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;

#[tokio::test]
async fn issued_tokens_carry_cognitos_claims_and_verify() {
    let ctx = test_ctx().await;
    let (pool_id, client) = pool_and_client(&ctx).await;
    insert_alice(&ctx, &pool_id).await;
    let client_id = client.client_id.clone().unwrap();
    let res = issue(
        &ctx,
        &pool_id,
        &client,
        &subject(),
        &Grant::api(),
        RefreshMode::NewSignIn,
    )
    .await
    .unwrap();
    assert_eq!(res.expires_in, Some(3600));
    assert_eq!(res.token_type.as_deref(), Some("Bearer"));
    let id = payload(res.id_token.as_deref().unwrap());
    let access = payload(res.access_token.as_deref().unwrap());
    let iss = format!("http://127.0.0.1:9229/{pool_id}");

    assert_eq!(id["token_use"], "id");
    assert_eq!(id["aud"], client_id.as_str());
    assert_eq!(id["iss"], iss.as_str());
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["custom:tier"], "7");
    assert_eq!(
        id["cognito:groups"],
        serde_json::json!(["admins", "readers"])
    );
    assert_eq!(
        id["cognito:preferred_role"],
        "arn:aws:iam::000000000000:role/admins"
    );
    assert_eq!(id["cognito:roles"].as_array().unwrap().len(), 2);
    assert_eq!(
        id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(),
        3600
    );
    for c in ["sub", "auth_time", "jti", "origin_jti", "event_id"] {
        assert!(id.get(c).is_some(), "id token lacks {c}");
    }

    assert_eq!(access["token_use"], "access");
    assert_eq!(access["scope"], ADMIN_SCOPE);
    assert_eq!(access["client_id"], client_id.as_str());
    assert_eq!(access["username"], "alice");
    assert!(access.get("aud").is_none());
    assert_eq!(access["origin_jti"], id["origin_jti"]);
    assert_eq!(access["event_id"], id["event_id"]);
    assert_ne!(access["jti"], id["jti"]);

    // Two keys, two kids, headers with kid and alg only.
    let hid = header(res.id_token.as_deref().unwrap());
    let hac = header(res.access_token.as_deref().unwrap());
    assert_ne!(hid["kid"], hac["kid"]);
    assert_eq!(hid["alg"], "RS256");
    assert!(hid.get("typ").is_none());

    let claims = verify_access_token(&ctx, res.access_token.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(claims.pool_id, pool_id);
    assert_eq!(claims.username, "alice");
    assert_eq!(claims.client_id, client_id);
    assert!(claims.has_scope(ADMIN_SCOPE));
    assert_eq!(claims.groups, vec!["admins", "readers"]);

    // An ID token is not an access token.
    let err = verify_access_token(&ctx, res.id_token.as_deref().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind.name(), "NotAuthorizedException");
    assert_eq!(err.message, "Invalid Access Token");
    assert!(
        verify_id_token(&ctx, res.id_token.as_deref().unwrap())
            .await
            .unwrap()
            .is_ok()
    );
}

#[tokio::test]
async fn bad_expired_and_revoked_access_tokens_are_refused() {
    let ctx = test_ctx().await;
    let (pool_id, client) = pool_and_client(&ctx).await;
    insert_alice(&ctx, &pool_id).await;
    let res = issue(
        &ctx,
        &pool_id,
        &client,
        &subject(),
        &Grant::api(),
        RefreshMode::NewSignIn,
    )
    .await
    .unwrap();
    let at = res.access_token.unwrap();

    for junk in ["", "abc", "a.b.c", &format!("{at}x")] {
        let err = verify_access_token(&ctx, junk).await.unwrap_err();
        assert_eq!(err.message, "Invalid Access Token", "{junk}");
    }
    // Tampered payload: the signature no longer matches.
    let mut parts: Vec<String> = at.split('.').map(String::from).collect();
    let mut p = payload(&at);
    p["username"] = "mallory".into();
    parts[1] = B64URL.encode(serde_json::to_vec(&p).unwrap());
    let err = verify_access_token(&ctx, &parts.join("."))
        .await
        .unwrap_err();
    assert_eq!(err.message, "Invalid Access Token");

    ctx.clock.advance(3601);
    let err = verify_access_token(&ctx, &at).await.unwrap_err();
    assert_eq!(err.kind.name(), "NotAuthorizedException");
    assert_eq!(err.message, "Access Token has expired");
    ctx.clock.advance(-3601);

    let claims = verify_access_token(&ctx, &at).await.unwrap();
    assert_eq!(
        ctx.store
            .revoke_user_token_families(&pool_id, "alice", ctx.clock.now_epoch())
            .await
            .unwrap(),
        1
    );
    assert!(
        ctx.store
            .find_token_family(&claims.origin_jti)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some()
    );
    let err = verify_access_token(&ctx, &at).await.unwrap_err();
    assert_eq!(err.message, "Access Token has been revoked");
}

#[tokio::test]
async fn refresh_keeps_auth_time_and_origin_jti() {
    let ctx = test_ctx().await;
    let (pool_id, client) = pool_and_client(&ctx).await;
    let client_id = client.client_id.clone().unwrap();
    let first = issue(
        &ctx,
        &pool_id,
        &client,
        &subject(),
        &Grant::api(),
        RefreshMode::NewSignIn,
    )
    .await
    .unwrap();
    let rt = first.refresh_token.clone().unwrap();
    ctx.clock.advance(120);
    let (row, _) = refresh::redeem(&ctx, &rt, &client_id, 0).await.unwrap();
    let second = issue(
        &ctx,
        &pool_id,
        &client,
        &subject(),
        &Grant::api(),
        RefreshMode::Keep(row.family),
    )
    .await
    .unwrap();
    assert!(second.refresh_token.is_none());
    let (a, b) = (
        payload(first.access_token.as_deref().unwrap()),
        payload(second.access_token.as_deref().unwrap()),
    );
    assert_eq!(a["auth_time"], b["auth_time"]);
    assert_eq!(a["origin_jti"], b["origin_jti"]);
    assert_ne!(a["jti"], b["jti"]);
    // The clock is real time plus the advance: a second may tick between the two issues.
    let gap = b["iat"].as_i64().unwrap() - a["iat"].as_i64().unwrap();
    assert!((120..=121).contains(&gap), "{gap}");

    // Another client cannot use it; a revoked or expired one fails with Cognito's messages.
    let err = refresh::redeem(&ctx, &rt, "someotherclient", 0)
        .await
        .unwrap_err();
    assert_eq!(err.message, "Invalid Refresh Token");
    ctx.clock.advance(30 * 86400);
    let err = refresh::redeem(&ctx, &rt, &client_id, 0).await.unwrap_err();
    assert_eq!(err.message, "Refresh Token has expired");
    ctx.clock.advance(-30 * 86400);
    ctx.store
        .revoke_token_family(a["origin_jti"].as_str().unwrap(), ctx.clock.now_epoch())
        .await
        .unwrap();
    let err = refresh::redeem(&ctx, &rt, &client_id, 0).await.unwrap_err();
    assert_eq!(err.message, "Refresh Token has been revoked");
}

#[tokio::test]
async fn issuer_follows_the_setting() {
    let ctx = test_ctx().await;
    assert_eq!(
        issuer(&ctx, "eu-west-1_AbCdEf123"),
        "http://127.0.0.1:9229/eu-west-1_AbCdEf123"
    );
    let mut config = Config::for_tests();
    config.issuer_style = crate::config::IssuerStyle::Aws;
    let aws = Ctx::internal(AppState::new(config, ctx.store.clone()));
    assert_eq!(
        issuer(&aws, "eu-west-1_AbCdEf123"),
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
    );
    assert_eq!(
        pool_id_of_issuer("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"),
        Some("eu-west-1_AbCdEf123")
    );
    assert_eq!(pool_id_of_issuer("http://x/"), None);
}
