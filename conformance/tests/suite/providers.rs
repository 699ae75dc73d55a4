//! A user pool's identity providers through the SDK: create (with the ProviderDetails and
//! AttributeMapping Cognito fills in for a social provider), describe, list, look up by
//! identifier, update, delete, and app clients' SupportedIdentityProviders checked against
//! them. Sign-in through the providers is covered by the emulator's own tests and the
//! headless-browser stage (the providers cannot be reached from CI).

use conformance::idp::error::ProvideErrorMetadata;
use conformance::idp::types::IdentityProviderTypeType;
use conformance::{Harness, unique_name};
use std::collections::HashMap;

fn google_details() -> HashMap<String, String> {
    HashMap::from([
        (
            "client_id".to_string(),
            "example.apps.googleusercontent.com".to_string(),
        ),
        ("client_secret".to_string(), "not-a-real-secret".to_string()),
        (
            "authorize_scopes".to_string(),
            "openid email profile".to_string(),
        ),
    ])
}

#[tokio::test]
async fn identity_providers_are_configured_looked_up_and_checked_by_clients() {
    let h = Harness::both();
    let pool_id = h.user_pool().await.id.expect("Id");

    let created = h
        .idp
        .create_identity_provider()
        .user_pool_id(&pool_id)
        .provider_name("Google")
        .provider_type(IdentityProviderTypeType::Google)
        .set_provider_details(Some(google_details()))
        .attribute_mapping("email", "email")
        .idp_identifiers("example.com")
        .send()
        .await
        .expect("CreateIdentityProvider")
        .identity_provider
        .expect("IdentityProvider");
    assert_eq!(created.provider_name.as_deref(), Some("Google"));
    assert_eq!(
        created.provider_type,
        Some(IdentityProviderTypeType::Google)
    );
    let details = created.provider_details.clone().expect("ProviderDetails");
    // Cognito fills in Google's endpoints and maps username to the subject.
    assert_eq!(
        details.get("authorize_url").map(String::as_str),
        Some("https://accounts.google.com/o/oauth2/v2/auth")
    );
    assert!(details.contains_key("token_url"), "{details:?}");
    let mapping = created.attribute_mapping.clone().expect("AttributeMapping");
    assert_eq!(mapping.get("username").map(String::as_str), Some("sub"));
    assert_eq!(mapping.get("email").map(String::as_str), Some("email"));
    assert!(created.creation_date.is_some() && created.last_modified_date.is_some());

    // A second provider of that name, and a social provider not named as its type.
    for (name, code) in [
        ("Google", "DuplicateProviderException"),
        ("MyGoogle", "InvalidParameterException"),
    ] {
        let err = h
            .idp
            .create_identity_provider()
            .user_pool_id(&pool_id)
            .provider_name(name)
            .provider_type(IdentityProviderTypeType::Google)
            .set_provider_details(Some(google_details()))
            .send()
            .await
            .expect_err(name)
            .into_service_error();
        assert_eq!(err.code(), Some(code), "{name}");
    }

    let described = h
        .idp
        .describe_identity_provider()
        .user_pool_id(&pool_id)
        .provider_name("Google")
        .send()
        .await
        .expect("DescribeIdentityProvider")
        .identity_provider
        .expect("IdentityProvider");
    assert_eq!(described.provider_details, created.provider_details);
    assert_eq!(described.attribute_mapping, created.attribute_mapping);

    let listed = h
        .idp
        .list_identity_providers()
        .user_pool_id(&pool_id)
        .send()
        .await
        .expect("ListIdentityProviders")
        .providers;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].provider_name.as_deref(), Some("Google"));
    assert_eq!(
        listed[0].provider_type,
        Some(IdentityProviderTypeType::Google)
    );

    let by_identifier = h
        .idp
        .get_identity_provider_by_identifier()
        .user_pool_id(&pool_id)
        .idp_identifier("example.com")
        .send()
        .await
        .expect("GetIdentityProviderByIdentifier")
        .identity_provider
        .expect("IdentityProvider");
    assert_eq!(by_identifier.provider_name.as_deref(), Some("Google"));

    let updated = h
        .idp
        .update_identity_provider()
        .user_pool_id(&pool_id)
        .provider_name("Google")
        .attribute_mapping("name", "name")
        .send()
        .await
        .expect("UpdateIdentityProvider")
        .identity_provider
        .expect("IdentityProvider");
    let mapping = updated.attribute_mapping.expect("AttributeMapping");
    assert_eq!(mapping.get("name").map(String::as_str), Some("name"));

    // Clients may name the pool's providers, not others.
    let web = h
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name(unique_name("web"))
        .supported_identity_providers("COGNITO")
        .supported_identity_providers("Google")
        .send()
        .await
        .expect("a client with the pool's provider")
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("ClientId");
    let unknown = h
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name(unique_name("web"))
        .supported_identity_providers("Okta")
        .send()
        .await
        .expect_err("a client naming no provider of the pool")
        .into_service_error();
    assert_eq!(unknown.code(), Some("InvalidParameterException"));

    h.idp
        .delete_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&web)
        .send()
        .await
        .expect("DeleteUserPoolClient");
    h.idp
        .delete_identity_provider()
        .user_pool_id(&pool_id)
        .provider_name("Google")
        .send()
        .await
        .expect("DeleteIdentityProvider");
    let gone = h
        .idp
        .describe_identity_provider()
        .user_pool_id(&pool_id)
        .provider_name("Google")
        .send()
        .await
        .expect_err("a deleted provider")
        .into_service_error();
    assert_eq!(gone.code(), Some("ResourceNotFoundException"));
}
