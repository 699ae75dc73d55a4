//! Unit tests of identities and what hangs off them (credentials, OpenID tokens, developer
//! identities), with real user pool ID tokens from `crate::tokens`.

use super::*;
use crate::identity::credentials::*;
use crate::identity::developer::*;
use crate::identity::identity_pools::*;
use crate::identity::openid;
use crate::identity::roles::*;
use crate::identity::tests::{AUTH_ROLE, UNAUTH_ROLE, ctx, err_type, map};
use crate::idp::shapes::{UserPoolClientType, UserPoolType};
use crate::protocol::ErrorKind;
use crate::protocol::ctx::Ctx;
use crate::tokens::{Grant, GroupClaim, RefreshMode, TokenSubject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde_json::Value;
use std::collections::BTreeMap;

const ADMINS_ROLE: &str = "arn:aws:iam::000000000000:role/admins";
const READERS_ROLE: &str = "arn:aws:iam::000000000000:role/readers";
const ENG_ROLE: &str = "arn:aws:iam::000000000000:role/eng";

/// A user pool with one client, stored directly.
async fn user_pool(ctx: &Ctx) -> (String, UserPoolClientType) {
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
    let client_id = crate::ids::client_id();
    let client = UserPoolClientType {
        user_pool_id: Some(pool_id.clone()),
        client_id: Some(client_id.clone()),
        client_name: Some("c".into()),
        ..Default::default()
    };
    ctx.store
        .insert_client(&pool_id, &client_id, "c", 0.0, &client)
        .await
        .unwrap();
    (pool_id, client)
}

fn subject(sub: &str, groups: &[(&str, &str, i32)]) -> TokenSubject {
    TokenSubject {
        username: format!("user-{sub}"),
        sub: sub.into(),
        attributes: vec![
            ("sub".into(), sub.into()),
            ("email".into(), format!("{sub}@example.com")),
            ("custom:dept".into(), "eng".into()),
        ],
        groups: groups
            .iter()
            .map(|(name, role, precedence)| GroupClaim {
                name: name.to_string(),
                role_arn: Some(role.to_string()),
                precedence: Some(*precedence),
            })
            .collect(),
    }
}

/// `(id token, access token)` for `subject` signed in through `client`.
async fn sign_in(
    ctx: &Ctx,
    pool_id: &str,
    client: &UserPoolClientType,
    subject: &TokenSubject,
) -> (String, String) {
    let r = crate::tokens::issue(
        ctx,
        pool_id,
        client,
        subject,
        &Grant::api(),
        RefreshMode::NewSignIn,
    )
    .await
    .unwrap();
    (r.id_token.unwrap(), r.access_token.unwrap())
}

fn provider(pool_id: &str) -> String {
    format!("cognito-idp.us-east-1.amazonaws.com/{pool_id}")
}

/// An identity pool federating `pool_id` through `client_id`, with both roles set.
async fn identity_pool(ctx: &Ctx, pool_id: &str, client_id: &str, allow_unauth: bool) -> String {
    let pool = create_identity_pool(
        ctx.clone(),
        CreateIdentityPoolInput {
            identity_pool_name: "ip".into(),
            allow_unauthenticated_identities: allow_unauth,
            developer_provider_name: Some("login.example".into()),
            cognito_identity_providers: Some(vec![CognitoIdentityProvider {
                provider_name: Some(provider(pool_id)),
                client_id: Some(client_id.into()),
                server_side_token_check: None,
            }]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    set_roles(ctx, &pool.identity_pool_id, None).await;
    pool.identity_pool_id
}

async fn set_roles(ctx: &Ctx, id: &str, mappings: Option<BTreeMap<String, RoleMapping>>) {
    set_identity_pool_roles(
        ctx.clone(),
        SetIdentityPoolRolesInput {
            identity_pool_id: id.into(),
            roles: map(&[
                ("authenticated", AUTH_ROLE),
                ("unauthenticated", UNAUTH_ROLE),
            ]),
            role_mappings: mappings,
        },
    )
    .await
    .unwrap();
}

fn logins(pool_id: &str, token: &str) -> Option<BTreeMap<String, String>> {
    Some(BTreeMap::from([(provider(pool_id), token.to_string())]))
}

async fn get_id_with(
    ctx: &Ctx,
    ip: &str,
    l: Option<BTreeMap<String, String>>,
) -> Result<String, crate::protocol::ApiError> {
    get_id(
        ctx.clone(),
        GetIdInput {
            identity_pool_id: ip.into(),
            logins: l,
            account_id: None,
        },
    )
    .await
    .map(|r| r.identity_id.unwrap())
}

async fn credentials_with(
    ctx: &Ctx,
    identity_id: &str,
    l: Option<BTreeMap<String, String>>,
    custom: Option<&str>,
) -> Result<Credentials, crate::protocol::ApiError> {
    get_credentials_for_identity(
        ctx.clone(),
        GetCredentialsForIdentityInput {
            identity_id: identity_id.into(),
            logins: l,
            custom_role_arn: custom.map(str::to_string),
        },
    )
    .await
    .map(|r| {
        assert_eq!(r.identity_id.as_deref(), Some(identity_id));
        r.credentials.unwrap()
    })
}

async fn last_role(ctx: &Ctx, identity_id: &str) -> String {
    ctx.store.issued_credentials(identity_id).await.unwrap()[0]
        .role_arn
        .clone()
}

fn payload(token: &str) -> Value {
    let p = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&B64URL.decode(p).unwrap()).unwrap()
}

#[tokio::test]
async fn j6_same_user_same_identity_and_credentials() {
    let ctx = ctx().await;
    let (pool_id, client) = user_pool(&ctx).await;
    let client_id = client.client_id.clone().unwrap();
    let ip = identity_pool(&ctx, &pool_id, &client_id, false).await;
    let alice = subject("11111111-1111-4111-8111-111111111111", &[]);
    let (id_token, _) = sign_in(&ctx, &pool_id, &client, &alice).await;

    let identity = get_id_with(&ctx, &ip, logins(&pool_id, &id_token))
        .await
        .unwrap();
    let (region, uuid) = identity.split_once(':').unwrap();
    assert_eq!(region, "us-east-1");
    assert_eq!(uuid.len(), 36);
    // Same user, new sign-in: same identity.
    let (id_token2, _) = sign_in(&ctx, &pool_id, &client, &alice).await;
    assert_eq!(
        get_id_with(&ctx, &ip, logins(&pool_id, &id_token2))
            .await
            .unwrap(),
        identity
    );
    // Another user: another identity.
    let bob = subject("22222222-2222-4222-8222-222222222222", &[]);
    let (bob_token, _) = sign_in(&ctx, &pool_id, &client, &bob).await;
    assert_ne!(
        get_id_with(&ctx, &ip, logins(&pool_id, &bob_token))
            .await
            .unwrap(),
        identity
    );

    let creds = credentials_with(&ctx, &identity, logins(&pool_id, &id_token), None)
        .await
        .unwrap();
    let key = creds.access_key_id.unwrap();
    assert!(key.starts_with("ASIA") && key.len() == 20);
    assert_eq!(creds.secret_key.unwrap().len(), 40);
    assert!(creds.session_token.unwrap().len() > 100);
    let exp = creds.expiration.unwrap();
    assert_eq!(exp, (ctx.clock.now_secs() + 3600) as f64);
    let issued = ctx.store.issued_credentials(&identity).await.unwrap();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].access_key_id, key);
    assert_eq!(issued[0].role_arn, AUTH_ROLE);
    assert_eq!(issued[0].identity_pool_id, ip);

    // An authenticated identity without its logins.
    let r = credentials_with(&ctx, &identity, None, None).await;
    let e = r.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAuthorizedException);
    assert!(e.message.starts_with("Logins don't match"), "{}", e.message);
    // Someone else's login for this identity.
    let r = credentials_with(&ctx, &identity, logins(&pool_id, &bob_token), None).await;
    assert_eq!(err_type(r), "NotAuthorizedException");
    let r = credentials_with(
        &ctx,
        "us-east-1:00000000-0000-0000-0000-000000000000",
        None,
        None,
    )
    .await;
    assert_eq!(err_type(r), "ResourceNotFoundException");

    let described = describe_identity(
        ctx.clone(),
        DescribeIdentityInput {
            identity_id: identity.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(described.logins, Some(vec![provider(&pool_id)]));
    assert!(described.creation_date.is_some());
}

#[tokio::test]
async fn forged_expired_and_misdirected_tokens_are_refused() {
    let ctx = ctx().await;
    let (pool_id, client) = user_pool(&ctx).await;
    let client_id = client.client_id.clone().unwrap();
    let ip = identity_pool(&ctx, &pool_id, &client_id, false).await;
    let alice = subject("11111111-1111-4111-8111-111111111111", &[]);
    let (id_token, access_token) = sign_in(&ctx, &pool_id, &client, &alice).await;

    let refused = |r: Result<String, crate::protocol::ApiError>| {
        let e = r.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotAuthorizedException, "{}", e.message);
        e.message
    };
    // Forged: payload changed (another sub), signature kept.
    let parts: Vec<&str> = id_token.split('.').collect();
    let mut claims = payload(&id_token);
    claims["sub"] = Value::from("99999999-9999-4999-8999-999999999999");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        B64URL.encode(serde_json::to_vec(&claims).unwrap()),
        parts[2]
    );
    let m = refused(get_id_with(&ctx, &ip, logins(&pool_id, &forged)).await);
    assert_eq!(m, "Invalid login token. Couldn't verify signed token.");
    let m = refused(get_id_with(&ctx, &ip, logins(&pool_id, "not-a-jwt")).await);
    assert!(m.starts_with("Invalid login token."), "{m}");
    // An access token instead of the ID token.
    let m = refused(get_id_with(&ctx, &ip, logins(&pool_id, &access_token)).await);
    assert_eq!(m, "Invalid login token. Missing a required claim: aud");
    // A token of another user pool under this provider's name.
    let (other_pool, other_client) = user_pool(&ctx).await;
    let (other_token, _) = sign_in(&ctx, &other_pool, &other_client, &alice).await;
    let m = refused(get_id_with(&ctx, &ip, logins(&pool_id, &other_token)).await);
    assert_eq!(m, "Invalid login token. Issuer doesn't match providerName");
    // A provider the identity pool does not have.
    let m = refused(get_id_with(&ctx, &ip, logins(&other_pool, &other_token)).await);
    assert_eq!(
        m,
        "Token is not from a supported provider of this identity pool."
    );
    // A client the identity pool does not configure.
    let second = UserPoolClientType {
        client_id: Some(crate::ids::client_id()),
        ..client.clone()
    };
    ctx.store
        .insert_client(
            &pool_id,
            second.client_id.as_deref().unwrap(),
            "c2",
            0.0,
            &second,
        )
        .await
        .unwrap();
    let (wrong_aud, _) = sign_in(&ctx, &pool_id, &second, &alice).await;
    let m = refused(get_id_with(&ctx, &ip, logins(&pool_id, &wrong_aud)).await);
    assert_eq!(
        m,
        "Token is not from a supported provider of this identity pool."
    );
    // Unauthenticated access is off for this pool.
    let m = refused(get_id_with(&ctx, &ip, None).await);
    assert_eq!(
        m,
        "Unauthenticated access is not supported for this identity pool."
    );
    // Expired, by the emulator's clock.
    let identity = get_id_with(&ctx, &ip, logins(&pool_id, &id_token))
        .await
        .unwrap();
    ctx.clock.advance(3601);
    let m = refused(get_id_with(&ctx, &ip, logins(&pool_id, &id_token)).await);
    assert!(m.starts_with("Invalid login token. Token expired: "), "{m}");
    let r = credentials_with(&ctx, &identity, logins(&pool_id, &id_token), None).await;
    assert_eq!(err_type(r), "NotAuthorizedException");
    let r = get_id_with(&ctx, "us-east-1:00000000-0000-0000-0000-000000000000", None).await;
    assert_eq!(err_type(r), "ResourceNotFoundException");
}

#[tokio::test]
async fn unauthenticated_identities_get_the_unauthenticated_role() {
    let ctx = ctx().await;
    let (pool_id, client) = user_pool(&ctx).await;
    let ip = identity_pool(&ctx, &pool_id, client.client_id.as_deref().unwrap(), true).await;
    let a = get_id_with(&ctx, &ip, None).await.unwrap();
    let b = get_id_with(&ctx, &ip, None).await.unwrap();
    assert_ne!(a, b);
    credentials_with(&ctx, &a, None, None).await.unwrap();
    assert_eq!(last_role(&ctx, &a).await, UNAUTH_ROLE);
    let token = get_open_id_token(
        ctx.clone(),
        GetOpenIdTokenInput {
            identity_id: a.clone(),
            logins: None,
        },
    )
    .await
    .unwrap()
    .token
    .unwrap();
    let claims = openid::verify(&ctx, &token).await.unwrap().unwrap();
    assert_eq!(claims["amr"], serde_json::json!(["unauthenticated"]));
    assert_eq!(claims["sub"], Value::from(a.clone()));

    // Signing in later makes the identity authenticated (its login is linked).
    let alice = subject("11111111-1111-4111-8111-111111111111", &[]);
    let (id_token, _) = sign_in(&ctx, &pool_id, &client, &alice).await;
    credentials_with(&ctx, &a, logins(&pool_id, &id_token), None)
        .await
        .unwrap();
    assert_eq!(last_role(&ctx, &a).await, AUTH_ROLE);
    assert_eq!(
        get_id_with(&ctx, &ip, logins(&pool_id, &id_token))
            .await
            .unwrap(),
        a
    );

    // Without roles the pool is misconfigured.
    set_identity_pool_roles(
        ctx.clone(),
        SetIdentityPoolRolesInput {
            identity_pool_id: ip.clone(),
            roles: BTreeMap::new(),
            role_mappings: None,
        },
    )
    .await
    .unwrap();
    let r = credentials_with(&ctx, &b, None, None).await;
    assert_eq!(err_type(r), "InvalidIdentityPoolConfigurationException");
}

#[tokio::test]
async fn role_mappings_choose_the_role() {
    let ctx = ctx().await;
    let (pool_id, client) = user_pool(&ctx).await;
    let client_id = client.client_id.clone().unwrap();
    let ip = identity_pool(&ctx, &pool_id, &client_id, false).await;
    let key = format!("{}:{client_id}", provider(&pool_id));
    let admin = subject(
        "11111111-1111-4111-8111-111111111111",
        &[("admins", ADMINS_ROLE, 1), ("readers", READERS_ROLE, 5)],
    );
    let plain = subject("22222222-2222-4222-8222-222222222222", &[]);
    let (admin_token, _) = sign_in(&ctx, &pool_id, &client, &admin).await;
    let (plain_token, _) = sign_in(&ctx, &pool_id, &client, &plain).await;
    let admin_id = get_id_with(&ctx, &ip, logins(&pool_id, &admin_token))
        .await
        .unwrap();
    let plain_id = get_id_with(&ctx, &ip, logins(&pool_id, &plain_token))
        .await
        .unwrap();

    let token_mapping = |ambiguous: &str| {
        Some(BTreeMap::from([(
            key.clone(),
            RoleMapping {
                r#type: "Token".into(),
                ambiguous_role_resolution: Some(ambiguous.into()),
                rules_configuration: None,
            },
        )]))
    };
    // Token: cognito:preferred_role (the lowest-precedence group's role).
    set_roles(&ctx, &ip, token_mapping("Deny")).await;
    credentials_with(&ctx, &admin_id, logins(&pool_id, &admin_token), None)
        .await
        .unwrap();
    assert_eq!(last_role(&ctx, &admin_id).await, ADMINS_ROLE);
    // CustomRoleArn: one of cognito:roles is honoured, another role is refused.
    credentials_with(
        &ctx,
        &admin_id,
        logins(&pool_id, &admin_token),
        Some(READERS_ROLE),
    )
    .await
    .unwrap();
    assert_eq!(last_role(&ctx, &admin_id).await, READERS_ROLE);
    let r = credentials_with(
        &ctx,
        &admin_id,
        logins(&pool_id, &admin_token),
        Some(ENG_ROLE),
    )
    .await;
    assert_eq!(err_type(r), "NotAuthorizedException");
    // No role in the token: Deny, or the authenticated role.
    let r = credentials_with(&ctx, &plain_id, logins(&pool_id, &plain_token), None).await;
    let e = r.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAuthorizedException);
    assert_eq!(
        e.message,
        format!("The ambiguous role mapping rules for: {key} denied this request.")
    );
    set_roles(&ctx, &ip, token_mapping("AuthenticatedRole")).await;
    credentials_with(&ctx, &plain_id, logins(&pool_id, &plain_token), None)
        .await
        .unwrap();
    assert_eq!(last_role(&ctx, &plain_id).await, AUTH_ROLE);

    // Rules: the first matching rule.
    let rule = |claim: &str, match_type: &str, value: &str, role: &str| MappingRule {
        claim: claim.into(),
        match_type: match_type.into(),
        value: value.into(),
        role_arn: role.into(),
    };
    let rules = |ambiguous: &str, rules: Vec<MappingRule>| {
        Some(BTreeMap::from([(
            key.clone(),
            RoleMapping {
                r#type: "Rules".into(),
                ambiguous_role_resolution: Some(ambiguous.into()),
                rules_configuration: Some(RulesConfigurationType { rules }),
            },
        )]))
    };
    set_roles(
        &ctx,
        &ip,
        rules(
            "Deny",
            vec![
                rule("cognito:groups", "Contains", "admin", ADMINS_ROLE),
                rule("custom:dept", "Equals", "eng", ENG_ROLE),
            ],
        ),
    )
    .await;
    credentials_with(&ctx, &admin_id, logins(&pool_id, &admin_token), None)
        .await
        .unwrap();
    assert_eq!(last_role(&ctx, &admin_id).await, ADMINS_ROLE);
    credentials_with(&ctx, &plain_id, logins(&pool_id, &plain_token), None)
        .await
        .unwrap();
    assert_eq!(last_role(&ctx, &plain_id).await, ENG_ROLE);
    set_roles(
        &ctx,
        &ip,
        rules(
            "Deny",
            vec![
                rule("email", "StartsWith", "nobody", ADMINS_ROLE),
                rule("custom:dept", "NotEqual", "eng", ENG_ROLE),
            ],
        ),
    )
    .await;
    let r = credentials_with(&ctx, &plain_id, logins(&pool_id, &plain_token), None).await;
    assert_eq!(err_type(r), "NotAuthorizedException");
    set_roles(
        &ctx,
        &ip,
        rules(
            "AuthenticatedRole",
            vec![rule("email", "StartsWith", "nobody", ADMINS_ROLE)],
        ),
    )
    .await;
    // Later than the first issue (equal times would order by the random key id).
    ctx.clock.advance(1);
    credentials_with(&ctx, &plain_id, logins(&pool_id, &plain_token), None)
        .await
        .unwrap();
    assert_eq!(last_role(&ctx, &plain_id).await, AUTH_ROLE);
}

#[tokio::test]
async fn open_id_tokens_are_signed_and_published() {
    let ctx = ctx().await;
    let (pool_id, client) = user_pool(&ctx).await;
    let ip = identity_pool(&ctx, &pool_id, client.client_id.as_deref().unwrap(), false).await;
    let alice = subject("11111111-1111-4111-8111-111111111111", &[]);
    let (id_token, _) = sign_in(&ctx, &pool_id, &client, &alice).await;
    let identity = get_id_with(&ctx, &ip, logins(&pool_id, &id_token))
        .await
        .unwrap();
    set_principal_tag_attribute_map(
        ctx.clone(),
        SetPrincipalTagAttributeMapInput {
            identity_pool_id: ip.clone(),
            identity_provider_name: provider(&pool_id),
            use_defaults: Some(true),
            principal_tags: Some(map(&[("dept", "custom:dept")])),
        },
    )
    .await
    .unwrap();
    let r = get_open_id_token(
        ctx.clone(),
        GetOpenIdTokenInput {
            identity_id: identity.clone(),
            logins: logins(&pool_id, &id_token),
        },
    )
    .await
    .unwrap();
    let token = r.token.unwrap();
    let claims = openid::verify(&ctx, &token).await.unwrap().unwrap();
    assert_eq!(claims["aud"], Value::from(ip.clone()));
    assert_eq!(claims["sub"], Value::from(identity.clone()));
    assert_eq!(
        claims["iss"],
        Value::from(format!("{}/_identity", ctx.base_url))
    );
    assert_eq!(
        claims["amr"],
        serde_json::json!([
            "authenticated",
            provider(&pool_id),
            format!("{}:CognitoSignIn:{}", provider(&pool_id), alice.sub)
        ])
    );
    let exp = claims["exp"].as_i64().unwrap();
    assert_eq!(exp - claims["iat"].as_i64().unwrap(), 600);
    assert_eq!(
        claims["https://aws.amazon.com/tags"]["principal_tags"],
        serde_json::json!({"client": [client.client_id.unwrap()], "dept": ["eng"], "username": [alice.sub]})
    );
    // The key is stable and the same one signs every token.
    let k1 = openid::signing_key(&ctx).await.unwrap();
    let k2 = openid::signing_key(&ctx).await.unwrap();
    assert_eq!(k1.kid, k2.kid);
    let header: Value =
        serde_json::from_slice(&B64URL.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(header["kid"], Value::from(k1.kid));
    assert_eq!(header["alg"], "RS256");
    // Tampered tokens do not verify.
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    assert!(openid::verify(&ctx, &tampered).await.unwrap().is_none());
}

#[tokio::test]
async fn developer_identities() {
    let ctx = ctx().await;
    let (pool_id, client) = user_pool(&ctx).await;
    let ip = identity_pool(&ctx, &pool_id, client.client_id.as_deref().unwrap(), false).await;
    let dev = |user: &str, identity: Option<&str>| {
        get_open_id_token_for_developer_identity(
            ctx.clone(),
            GetOpenIdTokenForDeveloperIdentityInput {
                identity_pool_id: ip.clone(),
                identity_id: identity.map(str::to_string),
                logins: map(&[("login.example", user)]),
                principal_tags: Some(map(&[("team", "blue")])),
                token_duration: Some(120),
            },
        )
    };
    let first = dev("u-1", None).await.unwrap();
    let id1 = first.identity_id.unwrap();
    assert_eq!(dev("u-1", None).await.unwrap().identity_id.unwrap(), id1);
    let token = first.token.unwrap();
    let claims = openid::verify(&ctx, &token).await.unwrap().unwrap();
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        120
    );
    assert_eq!(
        claims["https://aws.amazon.com/tags"]["principal_tags"]["team"],
        serde_json::json!(["blue"])
    );
    // Link a second developer user to the same identity.
    dev("u-1b", Some(&id1)).await.unwrap();
    let id2 = dev("u-2", None).await.unwrap().identity_id.unwrap();
    assert_ne!(id1, id2);
    let r = dev("u-2", Some(&id1)).await;
    assert_eq!(err_type(r), "DeveloperUserAlreadyRegisteredException");

    // The developer token is a login for the identity.
    let l = Some(BTreeMap::from([(
        "cognito-identity.amazonaws.com".to_string(),
        token.clone(),
    )]));
    credentials_with(&ctx, &id1, l.clone(), None).await.unwrap();
    assert_eq!(last_role(&ctx, &id1).await, AUTH_ROLE);
    assert_eq!(get_id_with(&ctx, &ip, l.clone()).await.unwrap(), id1);
    let r = credentials_with(&ctx, &id2, l, None).await;
    assert_eq!(err_type(r), "NotAuthorizedException");

    let lookup = |identity: Option<&str>, user: Option<&str>| {
        lookup_developer_identity(
            ctx.clone(),
            LookupDeveloperIdentityInput {
                identity_pool_id: ip.clone(),
                identity_id: identity.map(str::to_string),
                developer_user_identifier: user.map(str::to_string),
                max_results: Some(1),
                next_token: None,
            },
        )
    };
    let found = lookup(None, Some("u-1b")).await.unwrap();
    assert_eq!(found.identity_id.as_deref(), Some(id1.as_str()));
    let page = lookup(Some(&id1), None).await.unwrap();
    assert_eq!(
        page.developer_user_identifier_list,
        Some(vec!["u-1".to_string()])
    );
    assert!(page.next_token.is_some(), "an opaque token");
    assert_eq!(
        err_type(lookup(None, Some("nobody")).await),
        "ResourceNotFoundException"
    );
    assert_eq!(
        err_type(lookup(None, None).await),
        "InvalidParameterException"
    );

    // Merge u-2's identity into u-1's.
    let merged = merge_developer_identities(
        ctx.clone(),
        MergeDeveloperIdentitiesInput {
            source_user_identifier: "u-2".into(),
            destination_user_identifier: "u-1".into(),
            developer_provider_name: "login.example".into(),
            identity_pool_id: ip.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(merged.identity_id.as_deref(), Some(id1.as_str()));
    assert_eq!(
        lookup(None, Some("u-2"))
            .await
            .unwrap()
            .identity_id
            .as_deref(),
        Some(id1.as_str())
    );
    let r = describe_identity(ctx.clone(), DescribeIdentityInput { identity_id: id2 }).await;
    assert_eq!(err_type(r), "ResourceNotFoundException");

    unlink_developer_identity(
        ctx.clone(),
        UnlinkDeveloperIdentityInput {
            identity_id: id1.clone(),
            identity_pool_id: ip.clone(),
            developer_provider_name: "login.example".into(),
            developer_user_identifier: "u-2".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        err_type(lookup(None, Some("u-2")).await),
        "ResourceNotFoundException"
    );
    let r = unlink_developer_identity(
        ctx.clone(),
        UnlinkDeveloperIdentityInput {
            identity_id: id1.clone(),
            identity_pool_id: ip.clone(),
            developer_provider_name: "login.example".into(),
            developer_user_identifier: "u-2".into(),
        },
    )
    .await;
    assert_eq!(err_type(r), "ResourceNotFoundException");
    let r = merge_developer_identities(
        ctx.clone(),
        MergeDeveloperIdentitiesInput {
            source_user_identifier: "u-1".into(),
            destination_user_identifier: "u-1b".into(),
            developer_provider_name: "other.example".into(),
            identity_pool_id: ip.clone(),
        },
    )
    .await;
    assert_eq!(err_type(r), "InvalidParameterException");
    let r = get_open_id_token_for_developer_identity(
        ctx.clone(),
        GetOpenIdTokenForDeveloperIdentityInput {
            identity_pool_id: ip.clone(),
            identity_id: None,
            logins: map(&[("login.example", "u-9")]),
            principal_tags: None,
            token_duration: Some(86_401),
        },
    )
    .await;
    assert_eq!(err_type(r), "InvalidParameterException");
}

#[tokio::test]
async fn list_unlink_and_delete_identities() {
    let ctx = ctx().await;
    let (pool_id, client) = user_pool(&ctx).await;
    let ip = identity_pool(&ctx, &pool_id, client.client_id.as_deref().unwrap(), true).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(get_id_with(&ctx, &ip, None).await.unwrap());
    }
    let alice = subject("11111111-1111-4111-8111-111111111111", &[]);
    let (id_token, _) = sign_in(&ctx, &pool_id, &client, &alice).await;
    let authed = get_id_with(&ctx, &ip, logins(&pool_id, &id_token))
        .await
        .unwrap();
    ids.push(authed.clone());
    ids.sort();
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = list_identities(
            ctx.clone(),
            ListIdentitiesInput {
                identity_pool_id: ip.clone(),
                max_results: 3,
                next_token: token,
                hide_disabled: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(page.identity_pool_id.as_deref(), Some(ip.as_str()));
        seen.extend(
            page.identities
                .unwrap()
                .into_iter()
                .map(|i| i.identity_id.unwrap()),
        );
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, ids);

    // UnlinkIdentity needs the identity's own login and removes the provider.
    let r = unlink_identity(
        ctx.clone(),
        UnlinkIdentityInput {
            identity_id: authed.clone(),
            logins: BTreeMap::new(),
            logins_to_remove: vec![provider(&pool_id)],
        },
    )
    .await;
    assert_eq!(err_type(r), "NotAuthorizedException");
    unlink_identity(
        ctx.clone(),
        UnlinkIdentityInput {
            identity_id: authed.clone(),
            logins: logins(&pool_id, &id_token).unwrap(),
            logins_to_remove: vec![provider(&pool_id)],
        },
    )
    .await
    .unwrap();
    let d = describe_identity(
        ctx.clone(),
        DescribeIdentityInput {
            identity_id: authed.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(d.logins, Some(vec![]));
    // Signing in again now gives a new identity.
    assert_ne!(
        get_id_with(&ctx, &ip, logins(&pool_id, &id_token))
            .await
            .unwrap(),
        authed
    );

    let r = delete_identities(
        ctx.clone(),
        DeleteIdentitiesInput {
            identity_ids_to_delete: ids.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(r.unprocessed_identity_ids, Some(vec![]));
    for id in &ids {
        let r = describe_identity(
            ctx.clone(),
            DescribeIdentityInput {
                identity_id: id.clone(),
            },
        )
        .await;
        assert_eq!(err_type(r), "ResourceNotFoundException");
    }
    // Deleting the pool removes its identities.
    delete_identity_pool(
        ctx.clone(),
        DeleteIdentityPoolInput {
            identity_pool_id: ip.clone(),
        },
    )
    .await
    .unwrap();
    let r = list_identities(
        ctx.clone(),
        ListIdentitiesInput {
            identity_pool_id: ip,
            max_results: 3,
            next_token: None,
            hide_disabled: None,
        },
    )
    .await;
    assert_eq!(err_type(r), "ResourceNotFoundException");
}

#[tokio::test]
async fn jwks_discovery_and_dev_credentials_over_http() {
    let running = crate::start(crate::config::Config::for_tests())
        .await
        .unwrap();
    let ctx = Ctx::internal(running.state.clone());
    let (pool_id, client) = user_pool(&ctx).await;
    let ip = identity_pool(&ctx, &pool_id, client.client_id.as_deref().unwrap(), true).await;
    let identity = get_id_with(&ctx, &ip, None).await.unwrap();
    credentials_with(&ctx, &identity, None, None).await.unwrap();

    let get = |path: String| {
        let addr = running.addr;
        async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
            s.write_all(req.as_bytes()).await.unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).await.unwrap();
            let status: u16 = out[9..12].parse().unwrap();
            let body = out.split("\r\n\r\n").nth(1).unwrap_or_default().to_string();
            (status, body)
        }
    };
    let (status, body) = get("/_identity/.well-known/jwks.json".into()).await;
    assert_eq!(status, 200);
    let jwks: Value = serde_json::from_str(&body).unwrap();
    let kid = openid::signing_key(&ctx).await.unwrap().kid;
    assert_eq!(jwks["keys"][0]["kid"], Value::from(kid));
    assert_eq!(jwks["keys"][0]["alg"], "RS256");
    let (status, body) = get("/_identity/.well-known/openid-configuration".into()).await;
    assert_eq!(status, 200);
    let disco: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        disco["issuer"],
        Value::from(format!("{}/_identity", running.url))
    );
    assert_eq!(
        disco["jwks_uri"],
        Value::from(format!("{}/_identity/.well-known/jwks.json", running.url))
    );

    let (status, body) = get(format!("/_dev/identity/credentials?identity_id={identity}")).await;
    assert_eq!(status, 200, "{body}");
    let dev: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(dev["IdentityId"], Value::from(identity.clone()));
    assert_eq!(dev["Credentials"][0]["RoleArn"], UNAUTH_ROLE);
    assert!(
        dev["Credentials"][0]["AccessKeyId"]
            .as_str()
            .unwrap()
            .starts_with("ASIA")
    );
    assert!(dev["Credentials"][0].get("SecretKey").is_none());
    let (status, _) = get(
        "/_dev/identity/credentials?identity_id=us-east-1:00000000-0000-0000-0000-000000000000"
            .into(),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = get("/_dev/identity/credentials".into()).await;
    assert_eq!(status, 400);
    running.stop().await;
}

/// Amplify v6 names the login after the ID token's `iss` without its scheme; with the
/// emulator's local issuer that is `<host:port>/<poolId>` — the same provider, the same
/// identity, the same credentials.
#[tokio::test]
async fn amplify_issuer_named_logins_are_the_same_provider() {
    let ctx = ctx().await;
    let (pool_id, client) = user_pool(&ctx).await;
    let client_id = client.client_id.clone().unwrap();
    let ip = identity_pool(&ctx, &pool_id, &client_id, false).await;
    let alice = subject("33333333-3333-4333-8333-333333333333", &[]);
    let (id_token, _) = sign_in(&ctx, &pool_id, &client, &alice).await;
    let iss = payload(&id_token)["iss"].as_str().unwrap().to_string();
    let amplify_name = iss.split_once("://").unwrap().1.to_string();
    assert!(amplify_name.ends_with(&pool_id), "{amplify_name}");
    let amplify_logins = Some(BTreeMap::from([(amplify_name.clone(), id_token.clone())]));
    let by_amplify = get_id_with(&ctx, &ip, amplify_logins.clone())
        .await
        .unwrap();
    let by_aws_name = get_id_with(&ctx, &ip, logins(&pool_id, &id_token))
        .await
        .unwrap();
    assert_eq!(by_amplify, by_aws_name);
    credentials_with(&ctx, &by_amplify, amplify_logins, None)
        .await
        .unwrap();
    // A host-shaped name for a pool the identity pool does not federate is still refused.
    let other = Some(BTreeMap::from([(
        "127.0.0.1:9229/us-east-1_Nope12345".to_string(),
        id_token,
    )]));
    assert_eq!(
        get_id_with(&ctx, &ip, other).await.unwrap_err().message,
        "Token is not from a supported provider of this identity pool."
    );
}
