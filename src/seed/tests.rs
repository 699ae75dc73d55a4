//! Tests of the --seed file: pools, clients, users and groups with fixed ids, seeding twice,
//! the errors a bad file gets, and build_state applying it.

use super::*;
use crate::config::Config;
use crate::idp::clients::load_client;
use crate::idp::user_pools::load_pool;

const EXAMPLE: &str = include_str!("../../examples/seed.json");

async fn state() -> AppState {
    crate::build_state(Config::for_tests()).await.unwrap()
}

#[tokio::test]
async fn the_example_seeds_fixed_ids() {
    let state = state().await;
    let pools = parse(EXAMPLE).unwrap();
    apply(&state, &pools).await.unwrap();
    let ctx = Ctx::internal(state.clone());
    let pool = load_pool(&ctx, "us-east-1_Example01").await.unwrap();
    assert_eq!(pool.name.as_deref(), Some("example"));
    assert_eq!(pool.username_attributes, Some(vec!["email".to_string()]));
    assert!(
        pool.schema_attributes
            .iter()
            .flatten()
            .any(|a| a.name.as_deref() == Some("custom:tenant"))
    );
    let (owner, web) = load_client(&ctx, "examplewebclient0000000000")
        .await
        .unwrap();
    assert_eq!(owner, "us-east-1_Example01");
    assert_eq!(web.client_secret, None);
    let (_, server) = load_client(&ctx, "exampleserverclient0000000")
        .await
        .unwrap();
    assert_eq!(
        server.client_secret.as_deref(),
        Some("example_server_secret_0123456789abcdefghijklmnopq")
    );
}

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    let state = state().await;
    let pools = parse(EXAMPLE).unwrap();
    apply(&state, &pools).await.unwrap();
    let ctx = Ctx::internal(state.clone());
    let before = load_pool(&ctx, "us-east-1_Example01").await.unwrap();
    // A change made through the API survives the next start's seeding.
    let client = load_client(&ctx, "examplewebclient0000000000")
        .await
        .unwrap()
        .1;
    crate::idp::clients::update_user_pool_client(
        ctx.clone(),
        crate::idp::shapes::UpdateUserPoolClientRequest {
            user_pool_id: "us-east-1_Example01".into(),
            client_id: "examplewebclient0000000000".into(),
            client_name: Some("renamed".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    ctx.clock.advance(10);
    apply(&state, &pools).await.unwrap();
    assert_eq!(
        load_pool(&ctx, "us-east-1_Example01").await.unwrap(),
        before
    );
    let after = load_client(&ctx, "examplewebclient0000000000")
        .await
        .unwrap()
        .1;
    assert_eq!(after.client_name.as_deref(), Some("renamed"));
    assert_eq!(after.creation_date, client.creation_date);
    // A client deleted since is created again.
    crate::idp::clients::delete_user_pool_client(
        ctx.clone(),
        crate::idp::shapes::DeleteUserPoolClientRequest {
            user_pool_id: "us-east-1_Example01".into(),
            client_id: "exampleserverclient0000000".into(),
        },
    )
    .await
    .unwrap();
    apply(&state, &pools).await.unwrap();
    assert!(
        load_client(&ctx, "exampleserverclient0000000")
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn the_example_seeds_users_and_groups() {
    use crate::idp::shapes::{AdminGetUserRequest, AdminListGroupsForUserRequest};
    let state = state().await;
    apply(&state, &parse(EXAMPLE).unwrap()).await.unwrap();
    let ctx = Ctx::internal(state.clone());
    let get = |name: &str| {
        crate::idp::admin_users::admin_get_user(
            ctx.clone(),
            AdminGetUserRequest {
                user_pool_id: "us-east-1_Example01".into(),
                username: name.into(),
            },
        )
    };
    let alice = get("alice@example.com").await.unwrap();
    assert_eq!(alice.user_status.as_deref(), Some("CONFIRMED"));
    let attrs = alice.user_attributes.unwrap();
    let attr = |n: &str| {
        attrs
            .iter()
            .find(|a| a.name == n)
            .and_then(|a| a.value.clone())
    };
    assert_eq!(attr("email_verified").as_deref(), Some("true"));
    assert_eq!(attr("custom:tenant").as_deref(), Some("acme"));
    let bob = get("bob@example.com").await.unwrap();
    assert_eq!(bob.user_status.as_deref(), Some("FORCE_CHANGE_PASSWORD"));
    let groups = crate::idp::groups::admin_list_groups_for_user(
        ctx.clone(),
        AdminListGroupsForUserRequest {
            user_pool_id: "us-east-1_Example01".into(),
            username: "alice@example.com".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .groups
    .unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].group_name.as_deref(), Some("admins"));
    assert_eq!(groups[0].precedence, Some(1));
    // No message was sent.
    assert!(
        ctx.store
            .list_messages(&Default::default(), false, 100)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn seeded_users_can_sign_in_with_their_password() {
    use crate::idp::shapes::AdminInitiateAuthRequest;
    let state = state().await;
    apply(&state, &parse(EXAMPLE).unwrap()).await.unwrap();
    let ctx = Ctx::internal(state);
    let server = load_client(&ctx, "exampleserverclient0000000")
        .await
        .unwrap()
        .1;
    let hash = crate::crypto::secret_hash::secret_hash(
        server.client_secret.as_deref().unwrap(),
        "alice@example.com",
        "exampleserverclient0000000",
    );
    let out = crate::idp::auth::admin_initiate_auth(
        ctx.clone(),
        AdminInitiateAuthRequest {
            user_pool_id: "us-east-1_Example01".into(),
            client_id: "exampleserverclient0000000".into(),
            auth_flow: "ADMIN_USER_PASSWORD_AUTH".into(),
            auth_parameters: Some(
                [
                    ("USERNAME".to_string(), "alice@example.com".to_string()),
                    ("PASSWORD".to_string(), "Passw0rd!".to_string()),
                    ("SECRET_HASH".to_string(), hash),
                ]
                .into(),
            ),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(out.authentication_result.unwrap().id_token.is_some());
}

#[tokio::test]
async fn seeding_users_twice_leaves_existing_users_alone() {
    use crate::idp::shapes::{AdminGetUserRequest, AdminUpdateUserAttributesRequest};
    let state = state().await;
    let pools = parse(EXAMPLE).unwrap();
    apply(&state, &pools).await.unwrap();
    let ctx = Ctx::internal(state.clone());
    crate::idp::admin_users::admin_update_user_attributes(
        ctx.clone(),
        AdminUpdateUserAttributesRequest {
            user_pool_id: "us-east-1_Example01".into(),
            username: "alice@example.com".into(),
            user_attributes: vec![crate::idp::shapes::AttributeType {
                name: "custom:tenant".into(),
                value: Some("globex".into()),
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    apply(&state, &pools).await.unwrap();
    let alice = crate::idp::admin_users::admin_get_user(
        ctx.clone(),
        AdminGetUserRequest {
            user_pool_id: "us-east-1_Example01".into(),
            username: "alice@example.com".into(),
        },
    )
    .await
    .unwrap();
    assert!(
        alice
            .user_attributes
            .unwrap()
            .iter()
            .any(|a| a.name == "custom:tenant" && a.value.as_deref() == Some("globex"))
    );
}

#[tokio::test]
async fn a_user_breaking_the_pool_rules_stops_seeding() {
    let state = state().await;
    let weak = parse(
        r#"{"UserPools": [{"Id": "us-east-1_Users0001", "PoolName": "u",
            "Users": [{"Username": "alice", "Password": "short"}]}]}"#,
    )
    .unwrap();
    let err = apply(&state, &weak).await.unwrap_err();
    assert!(
        err.0.contains("user alice") && err.0.contains("Password"),
        "{err}"
    );
    let unknown_attribute = parse(
        r#"{"UserPools": [{"Id": "us-east-1_Users0002", "PoolName": "u",
            "Users": [{"Username": "alice", "Password": "Passw0rd!",
                       "Attributes": [{"Name": "custom:nope", "Value": "x"}]}]}]}"#,
    )
    .unwrap();
    let err = apply(&state, &unknown_attribute).await.unwrap_err();
    assert!(
        err.0.contains("user alice") && err.0.contains("custom:nope"),
        "{err}"
    );
}

#[tokio::test]
async fn groups_only_users_name_are_created() {
    let state = state().await;
    let pools = parse(
        r#"{"UserPools": [{"Id": "us-east-1_Users0003", "PoolName": "u",
            "Users": [{"Username": "alice", "TemporaryPassword": "Passw0rd!", "Groups": ["staff"]}]}]}"#,
    )
    .unwrap();
    apply(&state, &pools).await.unwrap();
    let ctx = Ctx::internal(state);
    let group: Option<Value> = ctx
        .store
        .get_group("us-east-1_Users0003", "staff")
        .await
        .unwrap();
    assert!(group.is_some());
}

#[test]
fn malformed_seeds_are_explained() {
    let cases = [
        ("[]", "top level"),
        (r#"{"Pools": []}"#, "unknown top-level member Pools"),
        (r#"{"UserPools": [{"PoolName": "x"}]}"#, "Id is required"),
        (
            r#"{"UserPools": [{"Id": "nounderscore", "PoolName": "x"}]}"#,
            "Id must look like",
        ),
        (
            r#"{"UserPools": [{"Id": "us-east-1_A1", "PoolName": ""}]}"#,
            "validation error",
        ),
        (
            r#"{"UserPools": [{"Id": "us-east-1_A1", "PoolName": "x", "MfaConfiguration": "MAYBE"}]}"#,
            "enum value set",
        ),
        (
            r#"{"UserPools": [{"Id": "us-east-1_A1", "PoolName": "x", "Clients": [{"ClientName": "c"}]}]}"#,
            "ClientId is required",
        ),
        (
            r#"{"UserPools": [{"Id": "us-east-1_A1", "PoolName": "x", "Clients": [
                {"ClientId": "a", "ClientName": "c"}, {"ClientId": "a", "ClientName": "d"}]}]}"#,
            "listed twice",
        ),
        (
            r#"{"UserPools": [{"Id": "us-east-1_A1", "PoolName": "x"}, {"Id": "us-east-1_A1", "PoolName": "y"}]}"#,
            "listed twice",
        ),
        (
            r#"{"UserPools": [{"Id": "us-east-1_A1", "PoolName": "x", "Users": [{"Username": "a"}]}]}"#,
            "exactly one of Password",
        ),
        (
            r#"{"UserPools": [{"Id": "us-east-1_A1", "PoolName": "x", "Users": [
                {"Username": "a", "Password": "Passw0rd!", "TemporaryPassword": "Passw0rd!"}]}]}"#,
            "exactly one of Password",
        ),
        (
            r#"{"UserPools": [{"Id": "us-east-1_A1", "PoolName": "x", "Users": [
                {"Username": "a", "Password": "Passw0rd!", "Email": "a@b.c"}]}]}"#,
            "unknown member Email",
        ),
        (
            r#"{"UserPools": [{"Id": "us-east-1_A1", "PoolName": "x", "Users": [
                {"Username": "a", "Password": "Passw0rd!"}, {"Username": "a", "Password": "Passw0rd!"}]}]}"#,
            "listed twice",
        ),
        (
            r#"{"UserPools": [{"Id": "us-east-1_A1", "PoolName": "x", "Groups": [{"Description": "d"}]}]}"#,
            "groupName",
        ),
    ];
    for (text, expected) in cases {
        let err = parse(text).unwrap_err();
        assert!(err.0.contains(expected), "{text}: {err}");
    }
}

#[tokio::test]
async fn a_client_id_of_another_pool_is_an_error() {
    let state = state().await;
    apply(&state, &parse(EXAMPLE).unwrap()).await.unwrap();
    let other = parse(
        r#"{"UserPools": [{"Id": "us-east-1_Other0001", "PoolName": "o",
            "Clients": [{"ClientId": "examplewebclient0000000000", "ClientName": "c"}]}]}"#,
    )
    .unwrap();
    let err = apply(&state, &other).await.unwrap_err();
    assert!(
        err.0
            .contains("already belongs to pool us-east-1_Example01"),
        "{err}"
    );
}

#[tokio::test]
async fn build_state_applies_the_seed_file() {
    let dir = std::env::temp_dir().join(format!("cognito-emu-seed-{}", crate::ids::uuid()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = dir.join("seed.json");
    std::fs::write(&seed, EXAMPLE).unwrap();
    let config = Config {
        seed: Some(seed.clone()),
        ..Config::for_tests()
    };
    let state = crate::build_state(config).await.unwrap();
    let ctx = Ctx::internal(state);
    assert!(load_pool(&ctx, "us-east-1_Example01").await.is_ok());
    // A broken seed stops start-up with a message naming the file.
    std::fs::write(&seed, "{not json").unwrap();
    let config = Config {
        seed: Some(seed.clone()),
        ..Config::for_tests()
    };
    let err = crate::build_state(config).await.err().unwrap();
    assert!(err.to_string().contains("seed.json"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
