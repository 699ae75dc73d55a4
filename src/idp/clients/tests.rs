//! Tests of the app-client actions: the defaults Cognito fills in, secrets, every setting
//! round-tripping, updates that replace the settings, paging, deletion and validation.

use super::*;
use crate::idp::user_pools::create_user_pool;
use crate::tokens::validity::{TokenValidity, token_validity};

use crate::testkit::ctx;

async fn pool(ctx: &Ctx) -> String {
    let out = create_user_pool(
        ctx.clone(),
        CreateUserPoolRequest {
            pool_name: "p".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    out.user_pool.unwrap().id.unwrap()
}

fn req(pool_id: &str) -> CreateUserPoolClientRequest {
    CreateUserPoolClientRequest {
        user_pool_id: pool_id.into(),
        client_name: "app".into(),
        ..Default::default()
    }
}

async fn create(ctx: &Ctx, r: CreateUserPoolClientRequest) -> ApiResult<UserPoolClientType> {
    create_user_pool_client(ctx.clone(), r)
        .await
        .map(|o| o.user_pool_client.unwrap())
}

fn kind(r: ApiResult<UserPoolClientType>) -> &'static str {
    r.unwrap_err().kind.name()
}

#[tokio::test]
async fn defaults_of_a_new_client() {
    let ctx = ctx().await;
    let pool_id = pool(&ctx).await;
    let c = create(&ctx, req(&pool_id)).await.unwrap();
    let id = c.client_id.clone().unwrap();
    assert_eq!(id.len(), 26);
    assert!(
        id.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    );
    assert_eq!(c.user_pool_id.as_deref(), Some(pool_id.as_str()));
    assert_eq!(c.client_secret, None);
    assert_eq!(c.refresh_token_validity, Some(30));
    assert_eq!(c.access_token_validity, None);
    assert_eq!(c.token_validity_units, Some(Default::default()));
    assert_eq!(c.auth_session_validity, Some(3));
    assert_eq!(c.enable_token_revocation, Some(true));
    assert_eq!(c.allowed_o_auth_flows_user_pool_client, Some(false));
    assert_eq!(c.prevent_user_existence_errors.as_deref(), Some("LEGACY"));
    assert_eq!(c.explicit_auth_flows, None);
    assert_eq!(
        explicit_auth_flows(&c),
        vec![
            "ALLOW_REFRESH_TOKEN_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_CUSTOM_AUTH"
        ]
    );
    assert_eq!(
        token_validity(&c),
        TokenValidity {
            access_secs: 3600,
            id_secs: 3600,
            refresh_secs: 30 * 86400
        }
    );
    // The wire form: no null members.
    let json = serde_json::to_value(&c).unwrap();
    assert!(json.as_object().unwrap().values().all(|v| !v.is_null()));
    assert_eq!(json["TokenValidityUnits"], serde_json::json!({}));
}

#[tokio::test]
async fn secret_clients_and_load_client() {
    let ctx = ctx().await;
    let pool_id = pool(&ctx).await;
    let c = create(
        &ctx,
        CreateUserPoolClientRequest {
            generate_secret: Some(true),
            ..req(&pool_id)
        },
    )
    .await
    .unwrap();
    let id = c.client_id.clone().unwrap();
    let secret = c.client_secret.clone().unwrap();
    assert!(secret.len() >= 50);
    let (p, loaded) = load_client(&ctx, &id).await.unwrap();
    assert_eq!(p, pool_id);
    assert_eq!(loaded.client_secret.as_deref(), Some(secret.as_str()));
    let described = describe_user_pool_client(
        ctx.clone(),
        DescribeUserPoolClientRequest {
            user_pool_id: pool_id.clone(),
            client_id: id.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(described.user_pool_client, Some(c.clone()));
    // Listed without the secret.
    let listed = list_user_pool_clients(
        ctx.clone(),
        ListUserPoolClientsRequest {
            user_pool_id: pool_id.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let json = serde_json::to_string(&listed).unwrap();
    assert!(!json.contains("ClientSecret"));
    assert!(!json.contains(&secret));

    let err = load_client(&ctx, "nosuchclient").await.unwrap_err();
    assert_eq!(err.kind.name(), "ResourceNotFoundException");
    assert_eq!(err.message, "User pool client nosuchclient does not exist.");
    // A client named under another pool does not exist there.
    let other = pool(&ctx).await;
    let err = describe_user_pool_client(
        ctx.clone(),
        DescribeUserPoolClientRequest {
            user_pool_id: other,
            client_id: id.clone(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind.name(), "ResourceNotFoundException");
    // A given secret is kept.
    let c = create(
        &ctx,
        CreateUserPoolClientRequest {
            generate_secret: Some(true),
            client_secret: Some("my-own-secret-value-which-is-long-enough".into()),
            ..req(&pool_id)
        },
    )
    .await
    .unwrap();
    assert_eq!(
        c.client_secret.as_deref(),
        Some("my-own-secret-value-which-is-long-enough")
    );
}

#[tokio::test]
async fn unknown_pool() {
    let ctx = ctx().await;
    assert_eq!(
        kind(create(&ctx, req("us-east-1_nothere00")).await),
        "ResourceNotFoundException"
    );
}

#[tokio::test]
async fn every_setting_round_trips() {
    let ctx = ctx().await;
    let pool_id = pool(&ctx).await;
    let r = CreateUserPoolClientRequest {
        generate_secret: Some(false),
        refresh_token_validity: Some(600),
        access_token_validity: Some(10),
        id_token_validity: Some(20),
        token_validity_units: Some(TokenValidityUnitsType {
            access_token: Some("minutes".into()),
            id_token: Some("minutes".into()),
            refresh_token: Some("minutes".into()),
        }),
        read_attributes: Some(vec!["email".into(), "custom:x".into()]),
        write_attributes: Some(vec!["email".into()]),
        explicit_auth_flows: Some(vec![
            "ALLOW_USER_PASSWORD_AUTH".into(),
            "ALLOW_REFRESH_TOKEN_AUTH".into(),
        ]),
        supported_identity_providers: Some(vec!["COGNITO".into()]),
        callback_ur_ls: Some(vec!["https://app.example/cb".into()]),
        logout_ur_ls: Some(vec!["https://app.example/out".into()]),
        default_redirect_uri: Some("https://app.example/cb".into()),
        allowed_o_auth_flows: Some(vec!["code".into()]),
        allowed_o_auth_scopes: Some(vec!["openid".into(), "email".into()]),
        allowed_o_auth_flows_user_pool_client: Some(true),
        analytics_configuration: Some(AnalyticsConfigurationType {
            application_id: Some("app".into()),
            ..Default::default()
        }),
        prevent_user_existence_errors: Some("ENABLED".into()),
        enable_token_revocation: Some(false),
        enable_propagate_additional_user_context_data: Some(true),
        auth_session_validity: Some(10),
        ..req(&pool_id)
    };
    // custom:x does not exist in the pool yet.
    assert_eq!(
        kind(create(&ctx, r.clone()).await),
        "InvalidParameterException"
    );
    crate::idp::custom_attributes::add_custom_attributes(
        ctx.clone(),
        AddCustomAttributesRequest {
            user_pool_id: pool_id.clone(),
            custom_attributes: vec![SchemaAttributeType {
                name: Some("x".into()),
                attribute_data_type: Some("String".into()),
                ..Default::default()
            }],
        },
    )
    .await
    .unwrap();
    let c = create(&ctx, r.clone()).await.unwrap();
    let mut expected: UserPoolClientType =
        serde_json::from_value(serde_json::to_value(&r).unwrap()).unwrap();
    expected.user_pool_id = c.user_pool_id.clone();
    expected.client_id = c.client_id.clone();
    expected.creation_date = c.creation_date;
    expected.last_modified_date = c.last_modified_date;
    assert_eq!(c, expected);
    assert_eq!(
        token_validity(&c),
        TokenValidity {
            access_secs: 600,
            id_secs: 1200,
            refresh_secs: 36000
        }
    );
}

#[tokio::test]
async fn update_replaces_settings() {
    let ctx = ctx().await;
    let pool_id = pool(&ctx).await;
    let c = create(
        &ctx,
        CreateUserPoolClientRequest {
            generate_secret: Some(true),
            access_token_validity: Some(2),
            explicit_auth_flows: Some(vec!["ALLOW_USER_PASSWORD_AUTH".into()]),
            ..req(&pool_id)
        },
    )
    .await
    .unwrap();
    let id = c.client_id.clone().unwrap();
    ctx.clock.advance(5);
    let updated = update_user_pool_client(
        ctx.clone(),
        UpdateUserPoolClientRequest {
            user_pool_id: pool_id.clone(),
            client_id: id.clone(),
            id_token_validity: Some(3),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .user_pool_client
    .unwrap();
    // Left out: back to defaults. Kept: identity, name, secret, creation date.
    assert_eq!(updated.access_token_validity, None);
    assert_eq!(updated.explicit_auth_flows, None);
    assert_eq!(updated.id_token_validity, Some(3));
    assert_eq!(updated.client_name.as_deref(), Some("app"));
    assert_eq!(updated.client_secret, c.client_secret);
    assert_eq!(updated.creation_date, c.creation_date);
    assert!(updated.last_modified_date > c.last_modified_date);
    let (_, stored) = load_client(&ctx, &id).await.unwrap();
    assert_eq!(stored, updated);

    let err = update_user_pool_client(
        ctx.clone(),
        UpdateUserPoolClientRequest {
            user_pool_id: pool_id.clone(),
            client_id: "missing".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind.name(), "ResourceNotFoundException");
}

#[tokio::test]
async fn list_paginates_and_delete_removes() {
    let ctx = ctx().await;
    let pool_id = pool(&ctx).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            create(&ctx, req(&pool_id))
                .await
                .unwrap()
                .client_id
                .unwrap(),
        );
    }
    ids.sort();
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = list_user_pool_clients(
            ctx.clone(),
            ListUserPoolClientsRequest {
                user_pool_id: pool_id.clone(),
                max_results: Some(2),
                next_token: token,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let items = page.user_pool_clients.unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.into_iter().map(|c| c.client_id.unwrap()));
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, ids);

    delete_user_pool_client(
        ctx.clone(),
        DeleteUserPoolClientRequest {
            user_pool_id: pool_id.clone(),
            client_id: ids[0].clone(),
        },
    )
    .await
    .unwrap();
    assert!(load_client(&ctx, &ids[0]).await.is_err());
    let again = delete_user_pool_client(
        ctx.clone(),
        DeleteUserPoolClientRequest {
            user_pool_id: pool_id.clone(),
            client_id: ids[0].clone(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(again.kind.name(), "ResourceNotFoundException");
}

#[tokio::test]
async fn validation_errors() {
    let ctx = ctx().await;
    let p = pool(&ctx).await;
    let cases: Vec<(CreateUserPoolClientRequest, &str)> = vec![
        (
            CreateUserPoolClientRequest {
                access_token_validity: Some(25),
                ..req(&p)
            },
            "InvalidParameterException",
        ),
        (
            CreateUserPoolClientRequest {
                access_token_validity: Some(4),
                token_validity_units: Some(TokenValidityUnitsType {
                    access_token: Some("minutes".into()),
                    ..Default::default()
                }),
                ..req(&p)
            },
            "InvalidParameterException",
        ),
        (
            CreateUserPoolClientRequest {
                refresh_token_validity: Some(3651),
                ..req(&p)
            },
            "InvalidParameterException",
        ),
        (
            CreateUserPoolClientRequest {
                refresh_token_validity: Some(59),
                token_validity_units: Some(TokenValidityUnitsType {
                    refresh_token: Some("minutes".into()),
                    ..Default::default()
                }),
                ..req(&p)
            },
            "InvalidParameterException",
        ),
        (
            CreateUserPoolClientRequest {
                explicit_auth_flows: Some(vec![
                    "USER_PASSWORD_AUTH".into(),
                    "ALLOW_USER_SRP_AUTH".into(),
                ]),
                ..req(&p)
            },
            "InvalidParameterException",
        ),
        (
            CreateUserPoolClientRequest {
                allowed_o_auth_flows: Some(vec!["code".into()]),
                allowed_o_auth_scopes: Some(vec!["openid".into()]),
                callback_ur_ls: Some(vec!["https://a.example/cb".into()]),
                ..req(&p)
            },
            "InvalidParameterException",
        ),
        (
            CreateUserPoolClientRequest {
                allowed_o_auth_flows_user_pool_client: Some(true),
                allowed_o_auth_flows: Some(vec!["code".into()]),
                allowed_o_auth_scopes: Some(vec!["openid".into()]),
                ..req(&p)
            },
            "InvalidOAuthFlowException",
        ),
        (
            CreateUserPoolClientRequest {
                allowed_o_auth_flows_user_pool_client: Some(true),
                allowed_o_auth_flows: Some(vec!["client_credentials".into()]),
                allowed_o_auth_scopes: Some(vec!["api/read".into()]),
                ..req(&p)
            },
            "InvalidOAuthFlowException",
        ),
        (
            CreateUserPoolClientRequest {
                generate_secret: Some(true),
                allowed_o_auth_flows_user_pool_client: Some(true),
                allowed_o_auth_flows: Some(vec!["client_credentials".into(), "code".into()]),
                allowed_o_auth_scopes: Some(vec!["api/read".into()]),
                callback_ur_ls: Some(vec!["https://a.example/cb".into()]),
                ..req(&p)
            },
            "InvalidOAuthFlowException",
        ),
        (
            CreateUserPoolClientRequest {
                allowed_o_auth_flows_user_pool_client: Some(true),
                allowed_o_auth_flows: Some(vec!["code".into()]),
                allowed_o_auth_scopes: Some(vec!["nonsense".into()]),
                callback_ur_ls: Some(vec!["https://a.example/cb".into()]),
                ..req(&p)
            },
            "ScopeDoesNotExistException",
        ),
        (
            CreateUserPoolClientRequest {
                callback_ur_ls: Some(vec!["https://a.example/cb".into()]),
                default_redirect_uri: Some("https://b.example/cb".into()),
                ..req(&p)
            },
            "InvalidParameterException",
        ),
        (
            CreateUserPoolClientRequest {
                read_attributes: Some(vec!["custom:nope".into()]),
                ..req(&p)
            },
            "InvalidParameterException",
        ),
    ];
    for (i, (r, expected)) in cases.into_iter().enumerate() {
        assert_eq!(kind(create(&ctx, r).await), expected, "case {i}");
    }
    // The edges of the ranges are accepted.
    for r in [
        CreateUserPoolClientRequest {
            access_token_validity: Some(24),
            id_token_validity: Some(1),
            refresh_token_validity: Some(3650),
            ..req(&p)
        },
        CreateUserPoolClientRequest {
            access_token_validity: Some(300),
            refresh_token_validity: Some(60),
            token_validity_units: Some(TokenValidityUnitsType {
                access_token: Some("seconds".into()),
                id_token: None,
                refresh_token: Some("minutes".into()),
            }),
            ..req(&p)
        },
    ] {
        create(&ctx, r).await.unwrap();
    }
}
