//! Identity pools through the SDK (`aws-sdk-cognitoidentity`): pool lifecycle, tags, roles
//! and role mappings, principal-tag maps, unauthenticated identities and their credentials,
//! developer identities, and refused login tokens.

use conformance::identity::types::{
    AmbiguousRoleResolutionType, CognitoIdentityProvider, MappingRule, MappingRuleMatchType,
    RoleMapping, RoleMappingType, RulesConfigurationType,
};
use conformance::{Harness, unique_name};

fn is_regional_uuid(id: &str, region: &str) -> bool {
    id.strip_prefix(&format!("{region}:"))
        .is_some_and(|u| u.len() == 36 && u.chars().all(|c| c.is_ascii_hexdigit() || c == '-'))
}

/// A user pool with a client, and an identity pool federating it. Returns
/// `(identity pool id, provider name, client id)`.
async fn federated_pool(h: &Harness, allow_unauth: bool) -> (String, String, String) {
    let pool = h.user_pool().await;
    let pool_id = pool.id.expect("pool id");
    let client_id = h
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("client id");
    let provider = format!("cognito-idp.{}.amazonaws.com/{pool_id}", h.region());
    let created = h
        .identity
        .create_identity_pool()
        .identity_pool_name(unique_name("ip").replace('-', "_"))
        .allow_unauthenticated_identities(allow_unauth)
        .developer_provider_name("login.conformance")
        .cognito_identity_providers(
            CognitoIdentityProvider::builder()
                .provider_name(&provider)
                .client_id(&client_id)
                .build(),
        )
        .identity_pool_tags("team", "conformance")
        .send()
        .await
        .expect("CreateIdentityPool");
    h.track_identity_pool(&created.identity_pool_id);
    (created.identity_pool_id, provider, client_id)
}

#[tokio::test]
async fn identity_pool_lifecycle_and_tags() {
    let h = Harness::both();
    let (id, provider, client_id) = federated_pool(&h, false).await;
    assert!(is_regional_uuid(&id, h.region()), "{id}");

    let described = h
        .identity
        .describe_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await
        .expect("DescribeIdentityPool");
    assert!(!described.allow_unauthenticated_identities);
    let p = &described
        .cognito_identity_providers
        .clone()
        .expect("providers")[0];
    assert_eq!(p.provider_name.as_deref(), Some(provider.as_str()));
    assert_eq!(p.client_id.as_deref(), Some(client_id.as_str()));
    assert_eq!(p.server_side_token_check, Some(false));
    assert_eq!(
        described.developer_provider_name.as_deref(),
        Some("login.conformance")
    );

    let updated = h
        .identity
        .update_identity_pool()
        .identity_pool_id(&id)
        .identity_pool_name(&described.identity_pool_name)
        .allow_unauthenticated_identities(true)
        .developer_provider_name("login.conformance")
        .send()
        .await
        .expect("UpdateIdentityPool");
    assert!(updated.allow_unauthenticated_identities);
    assert!(
        updated
            .cognito_identity_providers
            .as_ref()
            .is_none_or(|v| v.is_empty())
    );

    // The listing pages through NextToken and contains the pool.
    let mut found = false;
    let mut token: Option<String> = None;
    for _ in 0..100 {
        let page = h
            .identity
            .list_identity_pools()
            .max_results(2)
            .set_next_token(token.clone())
            .send()
            .await
            .expect("ListIdentityPools");
        found |= page
            .identity_pools()
            .iter()
            .any(|p| p.identity_pool_id.as_deref() == Some(id.as_str()));
        token = page.next_token;
        if token.is_none() || found {
            break;
        }
    }
    assert!(found);

    let arn = format!(
        "arn:aws:cognito-identity:{}:{}:identitypool/{id}",
        h.region(),
        if h.is_aws() {
            std::env::var("AWS_ACCOUNT_ID").unwrap_or_default()
        } else {
            "000000000000".into()
        }
    );
    if !h.is_aws() {
        h.identity
            .tag_resource()
            .resource_arn(&arn)
            .tags("env", "dev")
            .send()
            .await
            .expect("TagResource");
        h.identity
            .untag_resource()
            .resource_arn(&arn)
            .tag_keys("team")
            .send()
            .await
            .expect("UntagResource");
        let tags = h
            .identity
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .expect("ListTagsForResource")
            .tags
            .unwrap_or_default();
        assert_eq!(tags.get("env").map(String::as_str), Some("dev"));
        assert!(!tags.contains_key("team"));
    }

    h.identity
        .delete_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await
        .expect("DeleteIdentityPool");
    let e = h
        .identity
        .describe_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await
        .expect_err("deleted")
        .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");
}

#[tokio::test]
async fn roles_mappings_and_principal_tags() {
    let h = Harness::both();
    let (id, provider, client_id) = federated_pool(&h, false).await;
    let key = format!("{provider}:{client_id}");
    let account = if h.is_aws() {
        std::env::var("AWS_ACCOUNT_ID").unwrap_or_default()
    } else {
        "000000000000".into()
    };
    let role = |name: &str| format!("arn:aws:iam::{account}:role/{name}");
    let rule = MappingRule::builder()
        .claim("custom:dept")
        .match_type(MappingRuleMatchType::Equals)
        .value("eng")
        .role_arn(role("eng"))
        .build()
        .expect("rule");
    h.identity
        .set_identity_pool_roles()
        .identity_pool_id(&id)
        .roles("authenticated", role("auth"))
        .roles("unauthenticated", role("unauth"))
        .role_mappings(
            &key,
            RoleMapping::builder()
                .r#type(RoleMappingType::Rules)
                .ambiguous_role_resolution(AmbiguousRoleResolutionType::AuthenticatedRole)
                .rules_configuration(
                    RulesConfigurationType::builder()
                        .rules(rule)
                        .build()
                        .expect("rules"),
                )
                .build()
                .expect("mapping"),
        )
        .send()
        .await
        .expect("SetIdentityPoolRoles");
    let got = h
        .identity
        .get_identity_pool_roles()
        .identity_pool_id(&id)
        .send()
        .await
        .expect("GetIdentityPoolRoles");
    let roles = got.roles.expect("roles");
    assert_eq!(roles.get("authenticated"), Some(&role("auth")));
    let mapping = &got.role_mappings.expect("mappings")[&key];
    assert_eq!(mapping.r#type, RoleMappingType::Rules);
    assert_eq!(
        mapping.ambiguous_role_resolution,
        Some(AmbiguousRoleResolutionType::AuthenticatedRole)
    );

    let e = h
        .identity
        .set_identity_pool_roles()
        .identity_pool_id(&id)
        .roles("authenticated", role("auth"))
        .role_mappings(
            "graph.facebook.com",
            RoleMapping::builder()
                .r#type(RoleMappingType::Token)
                .ambiguous_role_resolution(AmbiguousRoleResolutionType::Deny)
                .build()
                .expect("mapping"),
        )
        .send()
        .await
        .expect_err("not a configured provider")
        .into_service_error();
    assert!(e.is_invalid_parameter_exception(), "{e:?}");

    let set = h
        .identity
        .set_principal_tag_attribute_map()
        .identity_pool_id(&id)
        .identity_provider_name(&provider)
        .use_defaults(false)
        .principal_tags("dept", "custom:dept")
        .send()
        .await
        .expect("SetPrincipalTagAttributeMap");
    assert_eq!(set.use_defaults, Some(false));
    let got = h
        .identity
        .get_principal_tag_attribute_map()
        .identity_pool_id(&id)
        .identity_provider_name(&provider)
        .send()
        .await
        .expect("GetPrincipalTagAttributeMap");
    assert_eq!(
        got.principal_tags
            .unwrap_or_default()
            .get("dept")
            .map(String::as_str),
        Some("custom:dept")
    );
}

#[tokio::test]
async fn forged_login_tokens_are_refused() {
    let h = Harness::both();
    let (id, provider, _) = federated_pool(&h, false).await;
    // A well-formed JWT nobody signed.
    let forged = "eyJraWQiOiJ4IiwiYWxnIjoiUlMyNTYifQ.eyJzdWIiOiJ4IiwiYXVkIjoieCIsInRva2VuX3VzZSI6ImlkIn0.c2ln";
    let e = h
        .identity
        .get_id()
        .identity_pool_id(&id)
        .logins(&provider, forged)
        .send()
        .await
        .expect_err("forged token")
        .into_service_error();
    assert!(e.is_not_authorized_exception(), "{e:?}");
    let e = h
        .identity
        .get_id()
        .identity_pool_id(&id)
        .send()
        .await
        .expect_err("unauthenticated identities are off")
        .into_service_error();
    assert!(e.is_not_authorized_exception(), "{e:?}");
    let e = h
        .identity
        .get_id()
        .identity_pool_id(format!(
            "{}:00000000-0000-0000-0000-000000000000",
            h.region()
        ))
        .send()
        .await
        .expect_err("no such pool")
        .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");
}

#[tokio::test]
async fn unauthenticated_identities_credentials_and_open_id_tokens() {
    let Some(h) = Harness::emulator_only("made-up role ARNs cannot be assumed on AWS") else {
        return;
    };
    let (id, _, _) = federated_pool(&h, true).await;
    let unauth_role = "arn:aws:iam::000000000000:role/unauth";
    h.identity
        .set_identity_pool_roles()
        .identity_pool_id(&id)
        .roles("unauthenticated", unauth_role)
        .send()
        .await
        .expect("SetIdentityPoolRoles");
    let identity_id = h
        .identity
        .get_id()
        .identity_pool_id(&id)
        .send()
        .await
        .expect("GetId")
        .identity_id
        .expect("IdentityId");
    assert!(is_regional_uuid(&identity_id, h.region()), "{identity_id}");

    let out = h
        .identity
        .get_credentials_for_identity()
        .identity_id(&identity_id)
        .send()
        .await
        .expect("GetCredentialsForIdentity");
    assert_eq!(out.identity_id.as_deref(), Some(identity_id.as_str()));
    let c = out.credentials.expect("Credentials");
    let key = c.access_key_id.expect("AccessKeyId");
    assert!(key.starts_with("ASIA") && key.len() == 20, "{key}");
    assert_eq!(c.secret_key.expect("SecretKey").len(), 40);
    assert!(c.session_token.expect("SessionToken").len() > 100);
    let expires = c.expiration.expect("Expiration").secs();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64;
    assert!((expires - now - 3600).abs() < 60, "{expires} vs {now}");

    // The emulator records which role the credentials were for.
    let raw = h.raw();
    let dev = raw
        .get(&format!(
            "/_dev/identity/credentials?identity_id={identity_id}"
        ))
        .await
        .json();
    assert_eq!(dev["Credentials"][0]["RoleArn"], unauth_role);
    assert_eq!(dev["Credentials"][0]["AccessKeyId"], key.as_str());

    let token = h
        .identity
        .get_open_id_token()
        .identity_id(&identity_id)
        .send()
        .await
        .expect("GetOpenIdToken")
        .token
        .expect("Token");
    assert_eq!(token.split('.').count(), 3);
    let jwks = raw.get("/_identity/.well-known/jwks.json").await.json();
    assert_eq!(jwks["keys"][0]["alg"], "RS256");

    let described = h
        .identity
        .describe_identity()
        .identity_id(&identity_id)
        .send()
        .await
        .expect("DescribeIdentity");
    assert_eq!(described.identity_id.as_deref(), Some(identity_id.as_str()));
    let listed = h
        .identity
        .list_identities()
        .identity_pool_id(&id)
        .max_results(10)
        .send()
        .await
        .expect("ListIdentities");
    assert!(
        listed
            .identities()
            .iter()
            .any(|i| i.identity_id.as_deref() == Some(identity_id.as_str()))
    );
    h.identity
        .delete_identities()
        .identity_ids_to_delete(&identity_id)
        .send()
        .await
        .expect("DeleteIdentities");
    let e = h
        .identity
        .describe_identity()
        .identity_id(&identity_id)
        .send()
        .await
        .expect_err("deleted")
        .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");
}

#[tokio::test]
async fn developer_identities() {
    let h = Harness::both();
    let (id, _, _) = federated_pool(&h, false).await;
    let token_for = |user: &'static str| {
        h.identity
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&id)
            .logins("login.conformance", user)
            .token_duration(300)
            .send()
    };
    let first = token_for("user-a")
        .await
        .expect("GetOpenIdTokenForDeveloperIdentity");
    let a = first.identity_id.expect("IdentityId");
    assert!(first.token.is_some());
    let again = token_for("user-a").await.expect("again");
    assert_eq!(again.identity_id.as_deref(), Some(a.as_str()));
    let b = token_for("user-b")
        .await
        .expect("user-b")
        .identity_id
        .expect("id");
    assert_ne!(a, b);

    let looked = h
        .identity
        .lookup_developer_identity()
        .identity_pool_id(&id)
        .developer_user_identifier("user-b")
        .send()
        .await
        .expect("LookupDeveloperIdentity");
    assert_eq!(looked.identity_id.as_deref(), Some(b.as_str()));

    let merged = h
        .identity
        .merge_developer_identities()
        .identity_pool_id(&id)
        .developer_provider_name("login.conformance")
        .source_user_identifier("user-b")
        .destination_user_identifier("user-a")
        .send()
        .await
        .expect("MergeDeveloperIdentities");
    assert_eq!(merged.identity_id.as_deref(), Some(a.as_str()));

    h.identity
        .unlink_developer_identity()
        .identity_pool_id(&id)
        .identity_id(&a)
        .developer_provider_name("login.conformance")
        .developer_user_identifier("user-b")
        .send()
        .await
        .expect("UnlinkDeveloperIdentity");
    let e = h
        .identity
        .lookup_developer_identity()
        .identity_pool_id(&id)
        .developer_user_identifier("user-b")
        .send()
        .await
        .expect_err("unlinked")
        .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");
}

/// J6's GetId: a user pool ID token as the login gives one identity, the same on every call.
#[tokio::test]
async fn get_id_with_a_user_pool_id_token_is_stable() {
    let h = Harness::both();
    let (pool_id, client_id) = super::auth::pool_client_user(&h).await;
    let provider = format!("cognito-idp.{}.amazonaws.com/{pool_id}", h.region());
    let created = h
        .identity
        .create_identity_pool()
        .identity_pool_name(unique_name("ip").replace('-', "_"))
        .allow_unauthenticated_identities(false)
        .cognito_identity_providers(
            CognitoIdentityProvider::builder()
                .provider_name(&provider)
                .client_id(&client_id)
                .build(),
        )
        .send()
        .await
        .expect("CreateIdentityPool");
    h.track_identity_pool(&created.identity_pool_id);
    let id_token = super::auth::password_tokens(&h, &client_id)
        .await
        .id_token
        .expect("IdToken");
    let mut ids = Vec::new();
    for _ in 0..2 {
        let identity_id = h
            .identity
            .get_id()
            .identity_pool_id(&created.identity_pool_id)
            .logins(&provider, &id_token)
            .send()
            .await
            .expect("GetId")
            .identity_id
            .expect("IdentityId");
        assert!(is_regional_uuid(&identity_id, h.region()), "{identity_id}");
        ids.push(identity_id);
    }
    assert_eq!(ids[0], ids[1], "the same user gets the same identity");
}
