//! Rotation: two secrets at most, both accepted by SECRET_HASH, listing without values,
//! deletion (never of the last one) that stops a secret working.

use super::*;
use crate::crypto::secret_hash::secret_hash;
use crate::testkit::{client, ctx, kind, pool};

fn ids(ctx_pool: &str, client_id: &str) -> (String, String) {
    (ctx_pool.to_string(), client_id.to_string())
}

async fn sign_up_with(ctx: &Ctx, client_id: &str, secret: &str, name: &str) -> ApiResult<()> {
    super::super::sign_up::sign_up(
        ctx.clone(),
        SignUpRequest {
            client_id: client_id.into(),
            username: name.into(),
            password: Some("Passw0rd!Passw0rd".into()),
            secret_hash: Some(secret_hash(secret, name, client_id)),
            ..Default::default()
        },
    )
    .await
    .map(|_| ())
}

#[tokio::test]
async fn rotate_accept_both_then_delete_the_old_one() {
    let ctx = ctx().await;
    let p = pool(&ctx, |_| {}).await;
    let c = client(&ctx, &p, true).await;
    let (pool_id, client_id) = ids(p.id.as_deref().unwrap(), c.client_id.as_deref().unwrap());
    let old = c.client_secret.clone().unwrap();

    let listed = |ctx: Ctx| {
        let (pool_id, client_id) = (pool_id.clone(), client_id.clone());
        async move {
            list_user_pool_client_secrets(
                ctx,
                ListUserPoolClientSecretsRequest {
                    user_pool_id: pool_id,
                    client_id,
                    next_token: None,
                },
            )
            .await
            .unwrap()
            .client_secrets
            .unwrap()
        }
    };
    let before = listed(ctx.clone()).await;
    assert_eq!(before.len(), 1);
    let old_id = before[0].client_secret_id.clone().unwrap();
    assert!(old_id.starts_with(&format!("{client_id}--")));
    assert_eq!(before[0].client_secret_value, None);

    let add = |value: Option<String>| AddUserPoolClientSecretRequest {
        user_pool_id: pool_id.clone(),
        client_id: client_id.clone(),
        client_secret: value,
    };
    let added = add_user_pool_client_secret(ctx.clone(), add(None))
        .await
        .unwrap()
        .client_secret_descriptor
        .unwrap();
    let new = added.client_secret_value.clone().unwrap();
    assert_ne!(added.client_secret_id.as_deref(), Some(old_id.as_str()));
    // A third one is over the limit of two.
    let third = add_user_pool_client_secret(ctx.clone(), add(Some("x".repeat(30)))).await;
    assert_eq!(kind(third), "LimitExceededException");
    let after = listed(ctx.clone()).await;
    assert_eq!(after.len(), 2);
    assert!(after.iter().all(|s| s.client_secret_value.is_none()));

    sign_up_with(&ctx, &client_id, &old, "alice").await.unwrap();
    sign_up_with(&ctx, &client_id, &new, "bob").await.unwrap();

    let delete = |id: &str| DeleteUserPoolClientSecretRequest {
        user_pool_id: pool_id.clone(),
        client_id: client_id.clone(),
        client_secret_id: id.to_string(),
    };
    let missing = delete_user_pool_client_secret(ctx.clone(), delete("nope--1")).await;
    assert_eq!(kind(missing), "ResourceNotFoundException");
    delete_user_pool_client_secret(ctx.clone(), delete(&old_id))
        .await
        .unwrap();
    let r = sign_up_with(&ctx, &client_id, &old, "carol").await;
    assert_eq!(kind(r), "NotAuthorizedException");
    sign_up_with(&ctx, &client_id, &new, "dave").await.unwrap();
    // The document now carries the remaining secret.
    let (_, doc) = super::super::clients::load_client(&ctx, &client_id)
        .await
        .unwrap();
    assert_eq!(doc.client_secret.as_deref(), Some(new.as_str()));
    let last = added.client_secret_id.unwrap();
    let r = delete_user_pool_client_secret(ctx.clone(), delete(&last)).await;
    assert_eq!(kind(r), "InvalidParameterException");

    // A custom value is not echoed back.
    let custom = add_user_pool_client_secret(ctx.clone(), add(Some("c".repeat(40))))
        .await
        .unwrap()
        .client_secret_descriptor
        .unwrap();
    assert_eq!(custom.client_secret_value, None);
    sign_up_with(&ctx, &client_id, &"c".repeat(40), "erin")
        .await
        .unwrap();
}

#[tokio::test]
async fn public_clients_and_unknown_clients() {
    let ctx = ctx().await;
    let p = pool(&ctx, |_| {}).await;
    let c = client(&ctx, &p, false).await;
    let pool_id = p.id.clone().unwrap();
    let r = add_user_pool_client_secret(
        ctx.clone(),
        AddUserPoolClientSecretRequest {
            user_pool_id: pool_id.clone(),
            client_id: c.client_id.clone().unwrap(),
            client_secret: None,
        },
    )
    .await;
    assert_eq!(kind(r), "InvalidParameterException");
    let r = list_user_pool_client_secrets(
        ctx.clone(),
        ListUserPoolClientSecretsRequest {
            user_pool_id: pool_id,
            client_id: "nosuchclient".into(),
            next_token: None,
        },
    )
    .await;
    assert_eq!(kind(r), "ResourceNotFoundException");
}
