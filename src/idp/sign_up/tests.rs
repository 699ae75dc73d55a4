use super::*;
use crate::testkit::*;

fn req(
    client: &UserPoolClientType,
    username: &str,
    password: &str,
    attrs: Vec<AttributeType>,
) -> SignUpRequest {
    SignUpRequest {
        client_id: client.client_id.clone().unwrap(),
        secret_hash: hash(client, username),
        username: username.into(),
        password: Some(password.into()),
        user_attributes: Some(attrs),
        ..Default::default()
    }
}

fn confirm(client: &UserPoolClientType, username: &str, code: &str) -> ConfirmSignUpRequest {
    ConfirmSignUpRequest {
        client_id: client.client_id.clone().unwrap(),
        secret_hash: hash(client, username),
        username: username.into(),
        confirmation_code: code.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn sign_up_checks_the_secret_hash() {
    let ctx = ctx().await;
    let pool = pool(&ctx, |_| {}).await;
    let client = client(&ctx, &pool, true).await;
    let id = client.client_id.clone().unwrap();
    let mut r = req(
        &client,
        "alice",
        "Passw0rd!",
        vec![attr("email", "alice@example.com")],
    );
    r.secret_hash = None;
    let e = sign_up(ctx.clone(), r.clone()).await.unwrap_err();
    assert_eq!(e.kind.name(), "NotAuthorizedException");
    assert_eq!(
        e.message,
        format!("Client {id} is configured with secret but SECRET_HASH was not received")
    );
    r.secret_hash = hash(&client, "bob");
    let e = sign_up(ctx.clone(), r.clone()).await.unwrap_err();
    assert_eq!(
        e.message,
        format!("Unable to verify secret hash for client {id}")
    );
    r.secret_hash = hash(&client, "alice");
    let out = sign_up(ctx.clone(), r).await.unwrap();
    assert!(!out.user_confirmed);
    let d = out.code_delivery_details.unwrap();
    assert_eq!(d.destination.as_deref(), Some("a***@e***"));
    assert_eq!(d.delivery_medium.as_deref(), Some("EMAIL"));
    assert_eq!(d.attribute_name.as_deref(), Some("email"));
    let m = latest(&ctx, "alice@example.com").await;
    assert_eq!(m.kind, "sign_up");
    assert_eq!(m.subject.as_deref(), Some("Your verification code"));
    let code = m.code.clone().unwrap();
    assert_eq!(code.len(), 6);
    assert_eq!(m.body, format!("Your verification code is {code}. "));
    let user = ctx
        .store
        .get_user(pool.id.as_deref().unwrap(), "alice")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.sub, out.user_sub);
    assert_eq!(user.status, UserStatus::Unconfirmed);
}

#[tokio::test]
async fn sign_up_errors() {
    let ctx = ctx().await;
    let pool = pool(&ctx, |p| {
        p.schema_attributes = Some(vec![SchemaAttributeType {
            name: Some("given_name".into()),
            required: Some(true),
            ..Default::default()
        }]);
    })
    .await;
    let client = client(&ctx, &pool, false).await;
    let base = vec![attr("email", "a@example.com"), attr("given_name", "A")];
    let e = sign_up(ctx.clone(), req(&client, "a", "short", base.clone()))
        .await
        .unwrap_err();
    assert_eq!(e.kind.name(), "InvalidPasswordException");
    assert_eq!(
        e.message,
        "Password did not conform with policy: Password not long enough"
    );
    let e = sign_up(
        ctx.clone(),
        req(
            &client,
            "a",
            "Passw0rd!",
            vec![attr("email", "a@example.com")],
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind.name(), "InvalidParameterException");
    assert!(e.message.contains("given_name"), "{}", e.message);
    let e = sign_up(
        ctx.clone(),
        req(
            &client,
            "a",
            "Passw0rd!",
            vec![attr("custom:x", "1"), attr("given_name", "A")],
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind.name(), "InvalidParameterException");
    sign_up(ctx.clone(), req(&client, "a", "Passw0rd!", base.clone()))
        .await
        .unwrap();
    let e = sign_up(ctx.clone(), req(&client, "a", "Passw0rd!", base.clone()))
        .await
        .unwrap_err();
    assert_eq!(e.kind.name(), "UsernameExistsException");
    assert_eq!(e.message, "User already exists");
    // Case-sensitive by default: "A" is another user.
    sign_up(ctx.clone(), req(&client, "A", "Passw0rd!", base))
        .await
        .unwrap();
    let mut r = req(&client, "b", "Passw0rd!", vec![]);
    r.client_id = "nosuchclient".into();
    assert_eq!(
        kind(sign_up(ctx.clone(), r).await),
        "ResourceNotFoundException"
    );
}

#[tokio::test]
async fn email_as_username_and_case_insensitive() {
    let ctx = ctx().await;
    let pool = pool(&ctx, |p| {
        p.username_attributes = Some(vec!["email".into()]);
        p.username_configuration = Some(UsernameConfigurationType {
            case_sensitive: false,
        });
    })
    .await;
    let client = client(&ctx, &pool, true).await;
    let e = sign_up(ctx.clone(), req(&client, "alice", "Passw0rd!", vec![]))
        .await
        .unwrap_err();
    assert_eq!(e.kind.name(), "InvalidParameterException");
    assert_eq!(e.message, "Username should be an email.");
    let out = sign_up(
        ctx.clone(),
        req(&client, "Alice@Example.com", "Passw0rd!", vec![]),
    )
    .await
    .unwrap();
    let e = sign_up(
        ctx.clone(),
        req(&client, "alice@example.com", "Passw0rd!", vec![]),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind.name(), "UsernameExistsException");
    assert_eq!(e.message, "An account with the given email already exists.");
    let user = resolve_user(&ctx, &pool, "ALICE@example.COM")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.username, out.user_sub);
    assert_eq!(user.attr("email"), Some("Alice@Example.com"));
    let code = latest_code(&ctx, "Alice@Example.com").await;
    confirm_sign_up(ctx.clone(), confirm(&client, "alice@example.com", &code))
        .await
        .unwrap();
    let user = resolve_user(&ctx, &pool, &out.user_sub)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.status, UserStatus::Confirmed);
    assert!(user.attr_is_true("email_verified"));
}

#[tokio::test]
async fn confirm_sign_up_codes() {
    let ctx = ctx().await;
    let pool = pool(&ctx, |_| {}).await;
    let client = client(&ctx, &pool, false).await;
    sign_up(
        ctx.clone(),
        req(
            &client,
            "carol",
            "Passw0rd!",
            vec![attr("email", "carol@example.com")],
        ),
    )
    .await
    .unwrap();
    let first = latest_code(&ctx, "carol@example.com").await;
    let wrong = if first == "000000" {
        "111111"
    } else {
        "000000"
    };
    let e = confirm_sign_up(ctx.clone(), confirm(&client, "carol", wrong))
        .await
        .unwrap_err();
    assert_eq!(e.kind.name(), "CodeMismatchException");
    assert_eq!(
        e.message,
        "Invalid verification code provided, please try again."
    );
    // Resend replaces the code.
    let out = resend_confirmation_code(
        ctx.clone(),
        ResendConfirmationCodeRequest {
            client_id: client.client_id.clone().unwrap(),
            username: "carol".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        out.code_delivery_details.unwrap().destination.as_deref(),
        Some("c***@e***")
    );
    let m = latest(&ctx, "carol@example.com").await;
    assert_eq!(m.kind, "resend_code");
    let code = m.code.unwrap();
    ctx.clock.advance(24 * 3600 + 1);
    assert_eq!(
        kind(confirm_sign_up(ctx.clone(), confirm(&client, "carol", &code)).await),
        "ExpiredCodeException"
    );
    ctx.clock.advance(-(24 * 3600 + 1));
    confirm_sign_up(ctx.clone(), confirm(&client, "carol", &code))
        .await
        .unwrap();
    let e = confirm_sign_up(ctx.clone(), confirm(&client, "carol", &code))
        .await
        .unwrap_err();
    assert_eq!(e.kind.name(), "NotAuthorizedException");
    assert_eq!(
        e.message,
        "User cannot be confirmed. Current status is CONFIRMED"
    );
    let e = resend_confirmation_code(
        ctx.clone(),
        ResendConfirmationCodeRequest {
            client_id: client.client_id.clone().unwrap(),
            username: "carol".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind.name(), "InvalidParameterException");
    let e = confirm_sign_up(ctx.clone(), confirm(&client, "nobody", "123456"))
        .await
        .unwrap_err();
    assert_eq!(e.kind.name(), "UserNotFoundException");
    let hiding = client_with(&ctx, &pool, |c| {
        c.prevent_user_existence_errors = Some("ENABLED".into())
    })
    .await;
    assert_eq!(
        kind(confirm_sign_up(ctx.clone(), confirm(&hiding, "nobody", "123456")).await),
        "CodeMismatchException"
    );
}

#[tokio::test]
async fn alias_conflicts_and_force_alias_creation() {
    let ctx = ctx().await;
    let pool = pool(&ctx, |p| p.alias_attributes = Some(vec!["email".into()])).await;
    let client = client(&ctx, &pool, false).await;
    let e = sign_up(
        ctx.clone(),
        req(&client, "x@example.com", "Passw0rd!", vec![]),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind.name(), "InvalidParameterException");
    for name in ["dave", "dave2"] {
        sign_up(
            ctx.clone(),
            req(
                &client,
                name,
                "Passw0rd!",
                vec![attr("email", "dave@example.com")],
            ),
        )
        .await
        .unwrap();
    }
    let msgs = ctx
        .store
        .list_messages(&Default::default(), false, 10)
        .await
        .unwrap();
    let code1 = msgs[0].code.clone().unwrap();
    let code2 = msgs[1].code.clone().unwrap();
    confirm_sign_up(ctx.clone(), confirm(&client, "dave", &code1))
        .await
        .unwrap();
    // The verified alias now finds dave.
    assert_eq!(
        resolve_user(&ctx, &pool, "DAVE@example.com")
            .await
            .unwrap()
            .unwrap()
            .username,
        "dave"
    );
    let e = confirm_sign_up(ctx.clone(), confirm(&client, "dave2", &code2))
        .await
        .unwrap_err();
    assert_eq!(e.kind.name(), "AliasExistsException");
    assert_eq!(e.message, "An account with the given email already exists.");
    let mut r = confirm(&client, "dave2", &code2);
    r.force_alias_creation = Some(true);
    confirm_sign_up(ctx.clone(), r).await.unwrap();
    assert_eq!(
        resolve_user(&ctx, &pool, "dave@example.com")
            .await
            .unwrap()
            .unwrap()
            .username,
        "dave2"
    );
    let pool_id = pool.id.clone().unwrap();
    let dave = ctx.store.get_user(&pool_id, "dave").await.unwrap().unwrap();
    assert_eq!(dave.attr("email_verified"), Some("false"));
}

#[tokio::test]
async fn admin_confirm_sign_up_confirms() {
    let ctx = ctx().await;
    let pool = pool(&ctx, |p| p.auto_verified_attributes = None).await;
    let client = client(&ctx, &pool, false).await;
    let out = sign_up(
        ctx.clone(),
        req(
            &client,
            "erin",
            "Passw0rd!",
            vec![attr("email", "erin@example.com")],
        ),
    )
    .await
    .unwrap();
    assert!(out.code_delivery_details.is_none());
    let pool_id = pool.id.clone().unwrap();
    let r = AdminConfirmSignUpRequest {
        user_pool_id: pool_id.clone(),
        username: "erin".into(),
        ..Default::default()
    };
    admin_confirm_sign_up(ctx.clone(), r.clone()).await.unwrap();
    assert_eq!(
        kind(admin_confirm_sign_up(ctx.clone(), r).await),
        "NotAuthorizedException"
    );
    let r = AdminConfirmSignUpRequest {
        user_pool_id: pool_id,
        username: "nobody".into(),
        ..Default::default()
    };
    assert_eq!(
        kind(admin_confirm_sign_up(ctx.clone(), r).await),
        "UserNotFoundException"
    );
}
