//! Unit tests of the identity-pool actions, called directly through `Ctx::internal`.

use super::identity_pools::*;
use super::roles::*;
use super::shapes::*;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ErrorKind};
use std::collections::BTreeMap;

pub(super) use crate::testkit::ctx;

pub(super) const USER_POOL: &str = "us-east-1_AbCdEf123";
pub(super) const CLIENT: &str = "abcdefghijklmnopqrstuvwxyz";

pub(super) fn provider_name() -> String {
    format!("cognito-idp.us-east-1.amazonaws.com/{USER_POOL}")
}

pub(super) fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub(super) fn err_type<T: std::fmt::Debug>(r: Result<T, ApiError>) -> &'static str {
    r.unwrap_err().kind.name()
}

pub(super) async fn create_pool(ctx: &Ctx, allow_unauth: bool) -> IdentityPool {
    create_identity_pool(
        ctx.clone(),
        CreateIdentityPoolInput {
            identity_pool_name: "my pool".into(),
            allow_unauthenticated_identities: allow_unauth,
            developer_provider_name: Some("login.example".into()),
            cognito_identity_providers: Some(vec![CognitoIdentityProvider {
                provider_name: Some(provider_name()),
                client_id: Some(CLIENT.into()),
                server_side_token_check: None,
            }]),
            identity_pool_tags: Some(map(&[("team", "a")])),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn create_describe_update_delete() {
    let ctx = ctx().await;
    let pool = create_pool(&ctx, false).await;
    let (region, uuid) = pool.identity_pool_id.split_once(':').unwrap();
    assert_eq!(region, "us-east-1");
    assert_eq!(uuid.len(), 36);
    let providers = pool.cognito_identity_providers.clone().unwrap();
    assert_eq!(providers[0].server_side_token_check, Some(false));
    assert_eq!(pool.allow_classic_flow, Some(false));

    let described = describe_identity_pool(
        ctx.clone(),
        DescribeIdentityPoolInput {
            identity_pool_id: pool.identity_pool_id.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(described, pool);

    // Update replaces: providers left out are gone; tags are kept.
    let updated = update_identity_pool(
        ctx.clone(),
        IdentityPool {
            identity_pool_id: pool.identity_pool_id.clone(),
            identity_pool_name: "renamed".into(),
            allow_unauthenticated_identities: true,
            developer_provider_name: Some("login.example".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(updated.identity_pool_name, "renamed");
    assert!(updated.cognito_identity_providers.is_none());
    assert_eq!(updated.identity_pool_tags, Some(map(&[("team", "a")])));

    // The developer provider name cannot change once set.
    let r = update_identity_pool(
        ctx.clone(),
        IdentityPool {
            identity_pool_id: pool.identity_pool_id.clone(),
            identity_pool_name: "renamed".into(),
            developer_provider_name: Some("other".into()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(err_type(r), "InvalidParameterException");

    delete_identity_pool(
        ctx.clone(),
        DeleteIdentityPoolInput {
            identity_pool_id: pool.identity_pool_id.clone(),
        },
    )
    .await
    .unwrap();
    let r = describe_identity_pool(
        ctx.clone(),
        DescribeIdentityPoolInput {
            identity_pool_id: pool.identity_pool_id.clone(),
        },
    )
    .await;
    assert_eq!(err_type(r), "ResourceNotFoundException");
    let r = delete_identity_pool(
        ctx.clone(),
        DeleteIdentityPoolInput {
            identity_pool_id: pool.identity_pool_id.clone(),
        },
    )
    .await;
    assert_eq!(err_type(r), "ResourceNotFoundException");
    let r = update_identity_pool(
        ctx.clone(),
        IdentityPool {
            identity_pool_id: pool.identity_pool_id,
            identity_pool_name: "x".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(err_type(r), "ResourceNotFoundException");
}

#[tokio::test]
async fn create_rejects_bad_providers() {
    let ctx = ctx().await;
    let r = create_identity_pool(
        ctx.clone(),
        CreateIdentityPoolInput {
            identity_pool_name: "p".into(),
            cognito_identity_providers: Some(vec![CognitoIdentityProvider {
                provider_name: Some("cognito-idp.us-east-1.amazonaws.com/nope".into()),
                client_id: Some(CLIENT.into()),
                server_side_token_check: None,
            }]),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(err_type(r), "InvalidParameterException");
    assert!(is_user_pool_provider_name(&provider_name()));
    assert!(!is_user_pool_provider_name(
        "cognito-idp.eu-west-1.amazonaws.com/us-east-1_AbC"
    ));
}

#[tokio::test]
async fn list_pages_with_next_token() {
    let ctx = ctx().await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(create_pool(&ctx, false).await.identity_pool_id);
    }
    ids.sort();
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = list_identity_pools(
            ctx.clone(),
            ListIdentityPoolsInput {
                max_results: 2,
                next_token: token.clone(),
            },
        )
        .await
        .unwrap();
        let pools = page.identity_pools.unwrap();
        assert!(pools.len() <= 2);
        seen.extend(pools.into_iter().map(|p| {
            assert_eq!(p.identity_pool_name.as_deref(), Some("my pool"));
            p.identity_pool_id.unwrap()
        }));
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn tags_on_identity_pool_arns() {
    let ctx = ctx().await;
    let pool = create_pool(&ctx, false).await;
    let arn = identity_pool_arn(&pool.identity_pool_id);
    assert_eq!(
        arn,
        format!(
            "arn:aws:cognito-identity:us-east-1:000000000000:identitypool/{}",
            pool.identity_pool_id
        )
    );
    tag_resource(
        ctx.clone(),
        TagResourceInput {
            resource_arn: arn.clone(),
            tags: map(&[("env", "dev")]),
        },
    )
    .await
    .unwrap();
    untag_resource(
        ctx.clone(),
        UntagResourceInput {
            resource_arn: arn.clone(),
            tag_keys: vec!["team".into()],
        },
    )
    .await
    .unwrap();
    let tags = list_tags_for_resource(
        ctx.clone(),
        ListTagsForResourceInput {
            resource_arn: arn.clone(),
        },
    )
    .await
    .unwrap()
    .tags;
    assert_eq!(tags, Some(map(&[("env", "dev")])));

    let missing = arn.replace(
        &pool.identity_pool_id[10..],
        "00000000-0000-0000-0000-000000000000",
    );
    let r = list_tags_for_resource(
        ctx.clone(),
        ListTagsForResourceInput {
            resource_arn: missing,
        },
    )
    .await;
    assert_eq!(err_type(r), "ResourceNotFoundException");
    let r = tag_resource(
        ctx.clone(),
        TagResourceInput {
            resource_arn: "arn:aws:s3:::bucket".into(),
            tags: map(&[("a", "b")]),
        },
    )
    .await;
    assert_eq!(err_type(r), "InvalidParameterException");
}

fn rules_mapping(rules: Vec<MappingRule>, ambiguous: Option<&str>) -> RoleMapping {
    RoleMapping {
        r#type: "Rules".into(),
        ambiguous_role_resolution: ambiguous.map(str::to_string),
        rules_configuration: Some(RulesConfigurationType { rules }),
    }
}

pub(super) const AUTH_ROLE: &str = "arn:aws:iam::000000000000:role/authenticated";
pub(super) const UNAUTH_ROLE: &str = "arn:aws:iam::000000000000:role/unauthenticated";

#[tokio::test]
async fn roles_and_role_mappings() {
    let ctx = ctx().await;
    let pool = create_pool(&ctx, false).await;
    let id = pool.identity_pool_id.clone();
    let key = format!("{}:{CLIENT}", provider_name());
    let rule = MappingRule {
        claim: "custom:dept".into(),
        match_type: "Equals".into(),
        value: "eng".into(),
        role_arn: "arn:aws:iam::000000000000:role/eng".into(),
    };
    let mappings = BTreeMap::from([(
        key.clone(),
        rules_mapping(vec![rule.clone()], Some("AuthenticatedRole")),
    )]);
    set_identity_pool_roles(
        ctx.clone(),
        SetIdentityPoolRolesInput {
            identity_pool_id: id.clone(),
            roles: map(&[
                ("authenticated", AUTH_ROLE),
                ("unauthenticated", UNAUTH_ROLE),
            ]),
            role_mappings: Some(mappings.clone()),
        },
    )
    .await
    .unwrap();
    let got = get_identity_pool_roles(
        ctx.clone(),
        GetIdentityPoolRolesInput {
            identity_pool_id: id.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(got.identity_pool_id.as_deref(), Some(id.as_str()));
    assert_eq!(
        got.roles,
        Some(map(&[
            ("authenticated", AUTH_ROLE),
            ("unauthenticated", UNAUTH_ROLE)
        ]))
    );
    assert_eq!(got.role_mappings, Some(mappings));

    let set = |roles: BTreeMap<String, String>, m: Option<BTreeMap<String, RoleMapping>>| {
        set_identity_pool_roles(
            ctx.clone(),
            SetIdentityPoolRolesInput {
                identity_pool_id: id.clone(),
                roles,
                role_mappings: m,
            },
        )
    };
    // A mapping for a provider the pool does not have.
    let r = set(
        map(&[]),
        Some(BTreeMap::from([(
            "graph.facebook.com".to_string(),
            rules_mapping(vec![rule.clone()], Some("Deny")),
        )])),
    )
    .await;
    let e = r.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidParameterException);
    assert!(
        e.message
            .contains("is not a valid RoleMapping ProviderName")
    );
    // Missing AmbiguousRoleResolution, missing RulesConfiguration, bad role key.
    let r = set(
        map(&[]),
        Some(BTreeMap::from([(
            key.clone(),
            rules_mapping(vec![rule.clone()], None),
        )])),
    )
    .await;
    assert_eq!(err_type(r), "InvalidParameterException");
    let r = set(
        map(&[]),
        Some(BTreeMap::from([(
            key.clone(),
            RoleMapping {
                r#type: "Rules".into(),
                ambiguous_role_resolution: Some("Deny".into()),
                rules_configuration: None,
            },
        )])),
    )
    .await;
    assert_eq!(err_type(r), "InvalidParameterException");
    let r = set(map(&[("admin", AUTH_ROLE)]), None).await;
    assert_eq!(err_type(r), "InvalidParameterException");
    let r = set(map(&[("authenticated", "not-an-arn-at-all-here")]), None).await;
    assert_eq!(err_type(r), "InvalidParameterException");
    // Setting again replaces the mappings.
    set(map(&[("authenticated", AUTH_ROLE)]), None)
        .await
        .unwrap();
    let got = get_identity_pool_roles(
        ctx.clone(),
        GetIdentityPoolRolesInput {
            identity_pool_id: id.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(got.role_mappings, None);

    let r = get_identity_pool_roles(
        ctx.clone(),
        GetIdentityPoolRolesInput {
            identity_pool_id: "us-east-1:00000000-0000-0000-0000-000000000000".into(),
        },
    )
    .await;
    assert_eq!(err_type(r), "ResourceNotFoundException");
}

#[tokio::test]
async fn principal_tag_attribute_maps() {
    let ctx = ctx().await;
    let pool = create_pool(&ctx, false).await;
    let id = pool.identity_pool_id.clone();
    let got = get_principal_tag_attribute_map(
        ctx.clone(),
        GetPrincipalTagAttributeMapInput {
            identity_pool_id: id.clone(),
            identity_provider_name: provider_name(),
        },
    )
    .await
    .unwrap();
    assert_eq!(got.use_defaults, Some(false));
    let set = set_principal_tag_attribute_map(
        ctx.clone(),
        SetPrincipalTagAttributeMapInput {
            identity_pool_id: id.clone(),
            identity_provider_name: provider_name(),
            use_defaults: Some(false),
            principal_tags: Some(map(&[("dept", "custom:dept")])),
        },
    )
    .await
    .unwrap();
    assert_eq!(set.principal_tags, Some(map(&[("dept", "custom:dept")])));
    let got = get_principal_tag_attribute_map(
        ctx.clone(),
        GetPrincipalTagAttributeMapInput {
            identity_pool_id: id.clone(),
            identity_provider_name: provider_name(),
        },
    )
    .await
    .unwrap();
    assert_eq!(got.principal_tags, Some(map(&[("dept", "custom:dept")])));
    let r = get_principal_tag_attribute_map(
        ctx.clone(),
        GetPrincipalTagAttributeMapInput {
            identity_pool_id: id,
            identity_provider_name: "accounts.google.com".into(),
        },
    )
    .await;
    assert_eq!(err_type(r), "InvalidParameterException");
}
