use super::*;
use crate::testkit::{self, kind};

fn details(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn create(
    ctx: &Ctx,
    pool_id: &str,
    name: &str,
    kind: &str,
    d: &[(&str, &str)],
) -> ApiResult<CreateIdentityProviderResponse> {
    create_identity_provider(
        ctx.clone(),
        CreateIdentityProviderRequest {
            user_pool_id: pool_id.into(),
            provider_name: name.into(),
            provider_type: kind.into(),
            provider_details: details(d),
            idp_identifiers: Some(vec![format!("{name}-id")]),
            ..Default::default()
        },
    )
    .await
}

const GOOGLE: &[(&str, &str)] = &[
    ("client_id", "gid"),
    ("client_secret", "gsecret"),
    ("authorize_scopes", "openid email"),
];

#[tokio::test]
async fn providers_are_created_completed_listed_updated_and_deleted() {
    let ctx = testkit::ctx().await;
    let pool = testkit::pool(&ctx, |_| {}).await;
    let pool_id = pool.id.unwrap();

    let google = create(&ctx, &pool_id, "Google", "Google", GOOGLE)
        .await
        .unwrap()
        .identity_provider;
    let d = google.provider_details.unwrap();
    assert_eq!(
        d["authorize_url"],
        "https://accounts.google.com/o/oauth2/v2/auth"
    );
    assert_eq!(d["oidc_issuer"], "https://accounts.google.com");
    assert_eq!(d["attributes_url_add_attributes"], "true");
    assert_eq!(google.attribute_mapping.unwrap()["username"], "sub");

    // Social providers are named after their type; names are unique per pool.
    let e = create(&ctx, &pool_id, "MyGoogle", "Google", GOOGLE).await;
    let e = e.expect_err("misnamed");
    assert_eq!(e.kind.name(), "InvalidParameterException");
    assert_eq!(e.message, "Provider MyGoogle cannot be of type Google.");
    let e = create(&ctx, &pool_id, "Google", "Google", GOOGLE)
        .await
        .expect_err("duplicate");
    assert_eq!(e.kind.name(), "DuplicateProviderException");
    assert_eq!(
        e.message,
        format!("Google already exists in user pool {pool_id}")
    );

    // Required details per type.
    let e = create(&ctx, &pool_id, "Corp", "OIDC", &[("client_id", "c")]).await;
    assert_eq!(kind(e), "InvalidParameterException");
    let oidc = [
        ("client_id", "c"),
        ("client_secret", "s"),
        ("attributes_request_method", "GET"),
        ("oidc_issuer", "http://127.0.0.1:1/issuer"),
        ("authorize_scopes", "openid"),
    ];
    create(&ctx, &pool_id, "Corp", "OIDC", &oidc).await.unwrap();
    let e = create(&ctx, &pool_id, "Saml", "SAML", &[]).await;
    assert_eq!(kind(e), "InvalidParameterException");

    let listed = list_identity_providers(
        ctx.clone(),
        ListIdentityProvidersRequest {
            user_pool_id: pool_id.clone(),
            max_results: Some(1),
            next_token: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(listed.providers.len(), 1);
    assert_eq!(listed.providers[0].provider_name.as_deref(), Some("Corp"));
    let rest = list_identity_providers(
        ctx.clone(),
        ListIdentityProvidersRequest {
            user_pool_id: pool_id.clone(),
            max_results: Some(1),
            next_token: listed.next_token,
        },
    )
    .await
    .unwrap();
    assert_eq!(rest.providers[0].provider_name.as_deref(), Some("Google"));
    assert_eq!(rest.next_token, None);

    let by_id = get_identity_provider_by_identifier(
        ctx.clone(),
        GetIdentityProviderByIdentifierRequest {
            user_pool_id: pool_id.clone(),
            idp_identifier: "Corp-id".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        by_id.identity_provider.provider_name.as_deref(),
        Some("Corp")
    );

    let updated = update_identity_provider(
        ctx.clone(),
        UpdateIdentityProviderRequest {
            user_pool_id: pool_id.clone(),
            provider_name: "Corp".into(),
            provider_details: Some(details(&[("authorize_scopes", "openid email")])),
            attribute_mapping: Some(details(&[("email", "email")])),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .identity_provider;
    let d = updated.provider_details.unwrap();
    assert_eq!(d["authorize_scopes"], "openid email");
    assert_eq!(d["client_id"], "c");
    let m = updated.attribute_mapping.unwrap();
    assert_eq!(
        (m["email"].as_str(), m["username"].as_str()),
        ("email", "sub")
    );

    // Clients may name the pool's providers only.
    let bad = crate::idp::clients::create_user_pool_client(
        ctx.clone(),
        CreateUserPoolClientRequest {
            user_pool_id: pool_id.clone(),
            client_name: "web".into(),
            supported_identity_providers: Some(vec!["COGNITO".into(), "Okta".into()]),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(kind(bad), "InvalidParameterException");
    crate::idp::clients::create_user_pool_client(
        ctx.clone(),
        CreateUserPoolClientRequest {
            user_pool_id: pool_id.clone(),
            client_name: "web".into(),
            supported_identity_providers: Some(vec!["COGNITO".into(), "Google".into()]),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    delete_identity_provider(
        ctx.clone(),
        DeleteIdentityProviderRequest {
            user_pool_id: pool_id.clone(),
            provider_name: "Corp".into(),
        },
    )
    .await
    .unwrap();
    let gone = describe_identity_provider(
        ctx.clone(),
        DescribeIdentityProviderRequest {
            user_pool_id: pool_id.clone(),
            provider_name: "Corp".into(),
        },
    )
    .await;
    assert_eq!(kind(gone), "ResourceNotFoundException");
}
