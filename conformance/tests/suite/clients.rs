//! App client lifecycle through the SDK: create (with and without a secret), describe, list with
//! pagination, update, delete.

use conformance::idp::operation::describe_user_pool_client::DescribeUserPoolClientError;
use conformance::idp::types::{ExplicitAuthFlowsType, TimeUnitsType, TokenValidityUnitsType};
use conformance::{Harness, unique_name};
use std::collections::HashSet;

fn is_client_id(id: &str) -> bool {
    id.len() == 26
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

#[tokio::test]
async fn a_client_with_generate_secret_gets_an_id_and_a_secret() {
    let h = Harness::both();
    let pool_id = h.user_pool().await.id.expect("Id");
    let name = unique_name("client");
    let client = h
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name(&name)
        .generate_secret(true)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .expect("UserPoolClient");
    let client_id = client.client_id.clone().expect("ClientId");
    assert!(is_client_id(&client_id), "client id {client_id}");
    let secret = client.client_secret.clone().expect("ClientSecret");
    assert!(
        secret.len() >= 40 && secret.chars().all(|c| c.is_ascii_alphanumeric()),
        "client secret {secret}"
    );
    assert_eq!(client.user_pool_id.as_deref(), Some(pool_id.as_str()));
    assert_eq!(client.client_name.as_deref(), Some(name.as_str()));
    assert!(client.creation_date.is_some() && client.last_modified_date.is_some());

    // Describe returns the same secret and settings.
    let described = h
        .idp
        .describe_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .send()
        .await
        .expect("DescribeUserPoolClient")
        .user_pool_client
        .expect("UserPoolClient");
    assert_eq!(described.client_secret.as_deref(), Some(secret.as_str()));
    let flows: HashSet<_> = described
        .explicit_auth_flows
        .unwrap_or_default()
        .into_iter()
        .collect();
    assert_eq!(
        flows,
        HashSet::from([
            ExplicitAuthFlowsType::AllowUserSrpAuth,
            ExplicitAuthFlowsType::AllowRefreshTokenAuth
        ])
    );

    // Without GenerateSecret there is no secret.
    let public = h
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name(unique_name("public"))
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .expect("UserPoolClient");
    assert!(is_client_id(
        public.client_id.as_deref().unwrap_or_default()
    ));
    assert_eq!(public.client_secret, None);
}

#[tokio::test]
async fn clients_list_with_pagination_update_and_delete() {
    let h = Harness::both();
    let pool_id = h.user_pool().await.id.expect("Id");
    let mut ids = HashSet::new();
    for _ in 0..3 {
        let c = h
            .idp
            .create_user_pool_client()
            .user_pool_id(&pool_id)
            .client_name(unique_name("client"))
            .send()
            .await
            .expect("CreateUserPoolClient")
            .user_pool_client
            .expect("UserPoolClient");
        ids.insert(c.client_id.expect("ClientId"));
    }

    let mut listed = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = h
            .idp
            .list_user_pool_clients()
            .user_pool_id(&pool_id)
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .expect("ListUserPoolClients");
        pages += 1;
        let items = page.user_pool_clients.unwrap_or_default();
        assert!(items.len() <= 2);
        for c in items {
            assert_eq!(c.user_pool_id.as_deref(), Some(pool_id.as_str()));
            assert!(c.client_name.is_some());
            listed.push(c.client_id.expect("ClientId"));
        }
        token = page.next_token;
        if token.is_none() {
            break;
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 2, "3 clients with MaxResults=2 are two pages");
    assert_eq!(listed.len(), 3, "each client exactly once");
    assert_eq!(listed.iter().cloned().collect::<HashSet<_>>(), ids);

    // Update: what is given is stored; the name is kept when given again.
    let id = listed[0].clone();
    let updated = h
        .idp
        .update_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&id)
        .client_name("renamed")
        .refresh_token_validity(7)
        .access_token_validity(30)
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .access_token(TimeUnitsType::Minutes)
                .refresh_token(TimeUnitsType::Days)
                .build(),
        )
        .send()
        .await
        .expect("UpdateUserPoolClient")
        .user_pool_client
        .expect("UserPoolClient");
    assert_eq!(updated.client_name.as_deref(), Some("renamed"));
    let described = h
        .idp
        .describe_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&id)
        .send()
        .await
        .expect("DescribeUserPoolClient")
        .user_pool_client
        .expect("UserPoolClient");
    assert_eq!(described.client_name.as_deref(), Some("renamed"));
    assert_eq!(described.refresh_token_validity, 7);
    assert_eq!(described.access_token_validity, Some(30));
    let units = described.token_validity_units.expect("TokenValidityUnits");
    assert_eq!(units.access_token, Some(TimeUnitsType::Minutes));
    assert_eq!(units.refresh_token, Some(TimeUnitsType::Days));

    // Delete: gone for describe, and a second delete is ResourceNotFoundException.
    h.idp
        .delete_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&id)
        .send()
        .await
        .expect("DeleteUserPoolClient");
    let err = h
        .idp
        .describe_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&id)
        .send()
        .await
        .expect_err("describe a deleted client")
        .into_service_error();
    assert!(
        matches!(
            err,
            DescribeUserPoolClientError::ResourceNotFoundException(_)
        ),
        "{err:?}"
    );
    let err = h
        .idp
        .delete_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&id)
        .send()
        .await
        .expect_err("delete twice")
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
}

#[tokio::test]
async fn a_client_of_a_missing_pool_is_resource_not_found() {
    let h = Harness::both();
    let missing = format!("{}_AAAAAAAAA", h.region());
    let err = h
        .idp
        .create_user_pool_client()
        .user_pool_id(missing)
        .client_name("orphan")
        .send()
        .await
        .expect_err("no such pool")
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
}
