//! Regions are separate services (issue #16 item 4). On AWS each region has its own endpoint,
//! and a pool created in one is "does not exist" in every other; the emulator serves all
//! regions on one port and scopes signed calls by their SigV4 region instead.

use conformance::idp::types::{AuthFlowType, ExplicitAuthFlowsType};
use conformance::{Harness, identity_client_in, idp_client_in, unique_name};

/// A region other than the case's own.
fn other_region(home: &str) -> &'static str {
    if home == "ap-south-1" {
        "eu-north-1"
    } else {
        "ap-south-1"
    }
}

async fn all_pool_ids(client: &conformance::idp::Client) -> Vec<String> {
    let mut ids = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_user_pools()
            .max_results(60)
            .set_next_token(token)
            .send()
            .await
            .expect("ListUserPools");
        ids.extend(page.user_pools().iter().filter_map(|p| p.id.clone()));
        token = page.next_token;
        if token.is_none() {
            return ids;
        }
    }
}

async fn all_identity_pool_ids(client: &conformance::identity::Client) -> Vec<String> {
    let mut ids = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_identity_pools()
            .max_results(60)
            .set_next_token(token)
            .send()
            .await
            .expect("ListIdentityPools");
        ids.extend(
            page.identity_pools()
                .iter()
                .filter_map(|p| p.identity_pool_id.clone()),
        );
        token = page.next_token;
        if token.is_none() {
            return ids;
        }
    }
}

#[tokio::test]
async fn a_user_pool_exists_only_in_its_region() {
    let h = Harness::both();
    let pool = h.user_pool().await;
    let id = pool.id.clone().expect("Id");
    let away = idp_client_in(Some(other_region(h.region())));

    let err = away
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect_err("DescribeUserPool from another region");
    let err = err.into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    assert_eq!(
        err.meta().message(),
        Some(format!("User pool {id} does not exist.").as_str())
    );
    let err = away
        .admin_get_user()
        .user_pool_id(&id)
        .username("nobody")
        .send()
        .await
        .expect_err("AdminGetUser from another region")
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");

    assert!(!all_pool_ids(&away).await.contains(&id));
    assert!(all_pool_ids(&h.idp).await.contains(&id));
}

#[tokio::test]
async fn an_identity_pool_exists_only_in_its_region() {
    let h = Harness::both();
    let created = h
        .identity
        .create_identity_pool()
        .identity_pool_name(unique_name("ip").replace('-', "_"))
        .allow_unauthenticated_identities(true)
        .send()
        .await
        .expect("CreateIdentityPool");
    let id = created.identity_pool_id;
    h.track_identity_pool(&id);
    let away = identity_client_in(Some(other_region(h.region())));

    let err = away
        .describe_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await
        .expect_err("DescribeIdentityPool from another region")
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");

    assert!(!all_identity_pool_ids(&away).await.contains(&id));
    assert!(all_identity_pool_ids(&h.identity).await.contains(&id));
}

#[tokio::test]
async fn unsigned_calls_find_the_pool_by_its_client_whatever_the_region() {
    let Some(h) = Harness::emulator_only(
        "one endpoint serves every region; on AWS the client's region picks the endpoint",
    ) else {
        return;
    };
    let pool = h.user_pool().await;
    let id = pool.id.clone().expect("Id");
    let client_id = h
        .app_client(&id, &[ExplicitAuthFlowsType::AllowUserPasswordAuth])
        .await;
    h.confirmed_user(&id, "roamer", "Passw0rd!x").await;

    // A browser SDK configured for another region sends InitiateAuth without a signature.
    let away = idp_client_in(Some(other_region(h.region())));
    let out = away
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "roamer")
        .auth_parameters("PASSWORD", "Passw0rd!x")
        .send()
        .await
        .expect("unsigned InitiateAuth from another region");
    assert!(out.authentication_result.is_some());
}

#[tokio::test]
async fn a_scope_that_names_no_region_is_refused() {
    let Some(h) = Harness::emulator_only("sends a hand-made Authorization header") else {
        return;
    };
    for region in ["..\\x\"<", &"a".repeat(300), "local"] {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/{region}/cognito-idp/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=00"
        );
        let resp = h
            .raw()
            .request(
                "POST",
                "/",
                &[
                    ("content-type", "application/x-amz-json-1.1"),
                    (
                        "x-amz-target",
                        "AWSCognitoIdentityProviderService.CreateUserPool",
                    ),
                    ("authorization", &auth),
                ],
                r#"{"PoolName":"scoped"}"#,
            )
            .await;
        let message = resp.assert_aws_error(403, "InvalidSignatureException");
        assert_eq!(
            message,
            format!("Credential should be scoped to a valid region, not '{region}'. ")
        );
    }
}
