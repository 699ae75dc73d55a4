//! Sessions: configuration defaults and round trips, listing the sign-ins of a user while
//! tracking is on, revoking one (its tokens stop working), and the legacy MFA settings.

use super::*;
use crate::testkit::{admin_client, ctx, kind, pool, sign_in, user};

async fn enable_tracking(ctx: &Ctx, pool_id: &str) {
    set_user_pool_session_configuration(
        ctx.clone(),
        SetUserPoolSessionConfigurationRequest {
            user_pool_id: pool_id.into(),
            user_session_tracking: "ENABLED".into(),
            token_session: UserPoolTokenSessionConfigType { max_per_user: 5 },
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn configuration_defaults_and_round_trips() {
    let ctx = ctx().await;
    let p = pool(&ctx, |_| {}).await;
    let pool_id = p.id.clone().unwrap();
    let client_id = admin_client(&ctx, &p).await;
    let got = get_user_pool_session_configuration(
        ctx.clone(),
        GetUserPoolSessionConfigurationRequest {
            user_pool_id: pool_id.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(got.user_session_tracking.as_deref(), Some("DISABLED"));
    assert_eq!(got.token_session.unwrap().max_per_user, 20);
    let client_req = |minutes| SetUserPoolClientSessionConfigurationRequest {
        user_pool_id: pool_id.clone(),
        client_id: client_id.clone(),
        sso_session: ClientSSOSessionConfigType {
            max_validity_minutes: minutes,
        },
    };
    // The client setting needs tracking on.
    let r = set_user_pool_client_session_configuration(ctx.clone(), client_req(30)).await;
    assert_eq!(kind(r), "InvalidParameterException");
    enable_tracking(&ctx, &pool_id).await;
    set_user_pool_client_session_configuration(ctx.clone(), client_req(30))
        .await
        .unwrap();
    let got = get_user_pool_client_session_configuration(
        ctx.clone(),
        GetUserPoolClientSessionConfigurationRequest {
            user_pool_id: pool_id.clone(),
            client_id: client_id.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(got.sso_session.unwrap().max_validity_minutes, 30);
    let got = get_user_pool_session_configuration(
        ctx.clone(),
        GetUserPoolSessionConfigurationRequest {
            user_pool_id: pool_id.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(got.user_session_tracking.as_deref(), Some("ENABLED"));
    assert_eq!(got.token_session.unwrap().max_per_user, 5);
    let missing = get_user_pool_client_session_configuration(
        ctx.clone(),
        GetUserPoolClientSessionConfigurationRequest {
            user_pool_id: pool_id,
            client_id: "nosuchclient".into(),
        },
    )
    .await;
    assert_eq!(kind(missing), "ResourceNotFoundException");
}

#[tokio::test]
async fn sessions_are_sign_ins_and_revoking_one_revokes_its_tokens() {
    let ctx = ctx().await;
    let p = pool(&ctx, |_| {}).await;
    let pool_id = p.id.clone().unwrap();
    let client_id = admin_client(&ctx, &p).await;
    user(&ctx, &pool_id, "alice").await;
    let admin_list = || {
        admin_list_user_sessions(
            ctx.clone(),
            AdminListUserSessionsRequest {
                user_pool_id: pool_id.clone(),
                username: "alice".into(),
                next_token: None,
            },
        )
    };
    let first = sign_in(&ctx, &pool_id, &client_id, "alice").await;
    // Not tracked yet: no session records.
    assert!(admin_list().await.unwrap().sessions.unwrap().is_empty());
    enable_tracking(&ctx, &pool_id).await;
    let second = sign_in(&ctx, &pool_id, &client_id, "alice").await;
    let listed = admin_list().await.unwrap().sessions.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|s| {
        let id = s.session_id.as_deref().unwrap();
        id.len() == 28 && id.starts_with("tkn") && s.session_type.as_deref() == Some("TOKEN")
    }));

    let mine = list_user_sessions(
        ctx.clone(),
        ListUserSessionsRequest {
            access_token: second.access.clone(),
            next_token: None,
        },
    )
    .await
    .unwrap()
    .sessions
    .unwrap();
    let current = mine
        .iter()
        .find(|s| s.is_current_session == Some(true))
        .unwrap();
    let other = mine
        .iter()
        .find(|s| s.is_current_session == Some(false))
        .unwrap();
    // Not the session of the calling token.
    let r = revoke_user_session(
        ctx.clone(),
        RevokeUserSessionRequest {
            access_token: second.access.clone(),
            session_id: current.session_id.clone().unwrap(),
            revoke_associated_sessions: None,
        },
    )
    .await;
    assert_eq!(kind(r), "InvalidParameterException");
    revoke_user_session(
        ctx.clone(),
        RevokeUserSessionRequest {
            access_token: second.access.clone(),
            session_id: other.session_id.clone().unwrap(),
            revoke_associated_sessions: None,
        },
    )
    .await
    .unwrap();
    // The first sign-in's access token is revoked now.
    let r = crate::tokens::verify_access_token(&ctx, &first.access).await;
    assert_eq!(kind(r), "NotAuthorizedException");
    assert!(first.refresh.len() > 10);
    assert_eq!(admin_list().await.unwrap().sessions.unwrap().len(), 1);

    let r = admin_revoke_user_session(
        ctx.clone(),
        AdminRevokeUserSessionRequest {
            user_pool_id: pool_id.clone(),
            username: "alice".into(),
            session_id: other.session_id.clone().unwrap(),
            revoke_associated_sessions: None,
        },
    )
    .await;
    assert_eq!(kind(r), "ResourceNotFoundException");
    admin_revoke_user_session(
        ctx.clone(),
        AdminRevokeUserSessionRequest {
            user_pool_id: pool_id.clone(),
            username: "alice".into(),
            session_id: current.session_id.clone().unwrap(),
            revoke_associated_sessions: Some("LINKED".into()),
        },
    )
    .await
    .unwrap();
    assert!(admin_list().await.unwrap().sessions.unwrap().is_empty());
}

#[tokio::test]
async fn a_sign_in_over_max_per_user_evicts_the_least_recently_used_session() {
    let ctx = ctx().await;
    let p = pool(&ctx, |_| {}).await;
    let pool_id = p.id.clone().unwrap();
    let client_id = admin_client(&ctx, &p).await;
    user(&ctx, &pool_id, "erin").await;
    set_user_pool_session_configuration(
        ctx.clone(),
        SetUserPoolSessionConfigurationRequest {
            user_pool_id: pool_id.clone(),
            user_session_tracking: "ENABLED".into(),
            token_session: UserPoolTokenSessionConfigType { max_per_user: 2 },
        },
    )
    .await
    .unwrap();
    let first = sign_in(&ctx, &pool_id, &client_id, "erin").await;
    ctx.clock.advance(1);
    let second = sign_in(&ctx, &pool_id, &client_id, "erin").await;
    ctx.clock.advance(1);
    let third = sign_in(&ctx, &pool_id, &client_id, "erin").await;
    let listed = admin_list_user_sessions(
        ctx.clone(),
        AdminListUserSessionsRequest {
            user_pool_id: pool_id.clone(),
            username: "erin".into(),
            next_token: None,
        },
    )
    .await
    .unwrap()
    .sessions
    .unwrap();
    assert_eq!(listed.len(), 2);
    let r = crate::tokens::verify_access_token(&ctx, &first.access).await;
    assert_eq!(kind(r), "NotAuthorizedException");
    crate::tokens::verify_access_token(&ctx, &second.access)
        .await
        .unwrap();
    crate::tokens::verify_access_token(&ctx, &third.access)
        .await
        .unwrap();
}
