//! The seed file (`--seed <file>` / `COGNITO_EMU_SEED`): user pools and app clients with fixed
//! ids, created at start-up so that applications and tests can hard-code them.
//!
//! # Format
//!
//! ```json
//! {
//!   "UserPools": [
//!     {
//!       "Id": "us-east-1_Example01",
//!       "PoolName": "example",
//!       "UsernameAttributes": ["email"],
//!       "AutoVerifiedAttributes": ["email"],
//!       "Schema": [{"Name": "tenant", "AttributeDataType": "String"}],
//!       "Clients": [
//!         {
//!           "ClientId": "examplewebclient0000000000",
//!           "ClientName": "web",
//!           "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
//!         },
//!         {
//!           "ClientId": "exampleserverclient0000000",
//!           "ClientName": "server",
//!           "ClientSecret": "example_server_secret_0123456789abcdefghijklmnopq"
//!         }
//!       ],
//!       "Users": []
//!     }
//!   ]
//! }
//! ```
//!
//! - A pool entry is a CreateUserPool request (every member it accepts, same names, same
//!   validation) plus `Id` (required: `<region>_<alphanumerics>`), `Clients` and `Users`.
//! - A client entry is a CreateUserPoolClient request without `UserPoolId`, plus `ClientId`
//!   (required). `ClientSecret` fixes the secret; `GenerateSecret: true` without it makes a
//!   random one at the first start, which is then kept.
//! - Members whose names start with `_` are comments at the top level; inside entries, members
//!   the API does not know are ignored, as the API ignores them.
//! - `Users` is reserved for seeding users. This build cannot seed users yet, so a seed file
//!   whose pools list users makes start-up fail rather than silently skip them.
//!
//! # Idempotency
//!
//! Seeding runs at every start and only creates what is missing: a pool whose `Id` already
//! exists is left exactly as it is (changes made through the API since are kept, the seed's
//! settings for it are not re-applied), and so is a client whose `ClientId` already exists.
//! A client id that exists in another pool is an error. To start from the seed again, delete
//! the database (or run with `--in-memory`).

use crate::idp::clients::create_client_with_id;
use crate::idp::shapes::{CreateUserPoolClientRequest, CreateUserPoolRequest};
use crate::idp::user_pools::create_pool_with_id;
use crate::protocol::aws_json::Ctx;
use crate::protocol::model::IDP;
use crate::protocol::validate::{Invalid, validate_input};
use crate::state::AppState;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::path::Path;

/// Why a seed file could not be applied; the message names the file and the entry.
#[derive(Debug)]
pub struct SeedError(pub String);

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SeedError {}

/// One pool of the seed file, parsed.
#[derive(Debug, Clone)]
pub struct SeedPool {
    pub id: String,
    pub request: CreateUserPoolRequest,
    pub clients: Vec<SeedClient>,
    /// Raw user entries, for the users seeding to interpret.
    pub users: Vec<Value>,
}

#[derive(Debug, Clone)]
pub struct SeedClient {
    pub client_id: String,
    pub request: CreateUserPoolClientRequest,
}

/// Reads and applies the seed file at `path`.
pub async fn apply_file(state: &AppState, path: &Path) -> Result<(), SeedError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SeedError(format!("cannot read seed file {}: {e}", path.display())))?;
    let pools =
        parse(&text).map_err(|e| SeedError(format!("seed file {}: {}", path.display(), e.0)))?;
    apply(state, &pools)
        .await
        .map_err(|e| SeedError(format!("seed file {}: {}", path.display(), e.0)))
}

fn take_string(obj: &mut Map<String, Value>, key: &str, what: &str) -> Result<String, SeedError> {
    match obj.remove(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(_) => Err(SeedError(format!(
            "{what}: {key} must be a non-empty string"
        ))),
        None => Err(SeedError(format!("{what}: {key} is required"))),
    }
}

fn take_array(
    obj: &mut Map<String, Value>,
    key: &str,
    what: &str,
) -> Result<Vec<Value>, SeedError> {
    match obj.remove(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(SeedError(format!("{what}: {key} must be an array"))),
    }
}

/// Validates `value` against a CreateUserPool/CreateUserPoolClient input shape, with the
/// same messages the API gives, and deserializes it.
fn model_request<T: DeserializeOwned>(op: &str, value: Value, what: &str) -> Result<T, SeedError> {
    let shape = IDP
        .operation(op)
        .and_then(|o| o.input)
        .ok_or_else(|| SeedError(format!("{op} is not in the service model")))?;
    validate_input(&IDP, shape, &value).map_err(|e| match e {
        Invalid::Serialization(m) | Invalid::Constraints(m) => SeedError(format!("{what}: {m}")),
    })?;
    serde_json::from_value(value).map_err(|e| SeedError(format!("{what}: {e}")))
}

fn valid_pool_id(id: &str) -> bool {
    match id.split_once('_') {
        Some((region, rest)) => {
            !region.is_empty()
                && region
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !rest.is_empty()
                && rest.chars().all(|c| c.is_ascii_alphanumeric())
                && id.len() <= 55
        }
        None => false,
    }
}

fn valid_client_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '+')
}

/// Parses a seed document without touching the store.
pub fn parse(text: &str) -> Result<Vec<SeedPool>, SeedError> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| SeedError(format!("not valid JSON: {e}")))?;
    let Value::Object(mut root) = doc else {
        return Err(SeedError("the top level must be an object".into()));
    };
    let pools = take_array(&mut root, "UserPools", "seed")?;
    if let Some(key) = root.keys().find(|k| !k.starts_with('_')) {
        return Err(SeedError(format!(
            "unknown top-level member {key} (expected UserPools)"
        )));
    }
    let mut out: Vec<SeedPool> = Vec::new();
    for (i, entry) in pools.into_iter().enumerate() {
        let Value::Object(mut obj) = entry else {
            return Err(SeedError(format!("UserPools[{i}] must be an object")));
        };
        let what = format!("UserPools[{i}]");
        let id = take_string(&mut obj, "Id", &what)?;
        let what = format!("pool {id}");
        if !valid_pool_id(&id) {
            return Err(SeedError(format!(
                "{what}: Id must look like <region>_<alphanumerics>, e.g. us-east-1_Example01"
            )));
        }
        if out.iter().any(|p| p.id == id) {
            return Err(SeedError(format!("{what}: Id is listed twice")));
        }
        let clients = take_array(&mut obj, "Clients", &what)?;
        let users = take_array(&mut obj, "Users", &what)?;
        let request: CreateUserPoolRequest =
            model_request("CreateUserPool", Value::Object(obj), &what)?;
        let mut seed_clients: Vec<SeedClient> = Vec::new();
        for (j, entry) in clients.into_iter().enumerate() {
            let Value::Object(mut cobj) = entry else {
                return Err(SeedError(format!("{what}: Clients[{j}] must be an object")));
            };
            let cwhat = format!("{what}, Clients[{j}]");
            let client_id = take_string(&mut cobj, "ClientId", &cwhat)?;
            let cwhat = format!("{what}, client {client_id}");
            if !valid_client_id(&client_id) {
                return Err(SeedError(format!(
                    "{cwhat}: ClientId may hold only letters, digits, '_' and '+'"
                )));
            }
            if out
                .iter()
                .flat_map(|p| p.clients.iter())
                .chain(seed_clients.iter())
                .any(|c| c.client_id == client_id)
            {
                return Err(SeedError(format!("{cwhat}: ClientId is listed twice")));
            }
            cobj.insert("UserPoolId".into(), Value::String(id.clone()));
            let request: CreateUserPoolClientRequest =
                model_request("CreateUserPoolClient", Value::Object(cobj), &cwhat)?;
            seed_clients.push(SeedClient { client_id, request });
        }
        out.push(SeedPool {
            id,
            request,
            clients: seed_clients,
            users,
        });
    }
    Ok(out)
}

/// Creates what is missing of `pools` (see the module documentation).
pub async fn apply(state: &AppState, pools: &[SeedPool]) -> Result<(), SeedError> {
    // Refuse users before writing anything, so a failed start leaves no half-seeded pool.
    if let Some(p) = pools.iter().find(|p| !p.users.is_empty()) {
        return Err(SeedError(format!(
            "pool {}: Users cannot be seeded by this build of cognito-emu yet; remove the Users entries (or create the users with the API after start-up)",
            p.id
        )));
    }
    let ctx = Ctx::internal(state.clone());
    for pool in pools {
        let what = format!("pool {}", pool.id);
        let existing: Option<Value> = ctx
            .store
            .get_pool(&pool.id)
            .await
            .map_err(|e| SeedError(format!("{what}: storage: {e}")))?;
        if existing.is_none() {
            create_pool_with_id(&ctx, pool.request.clone(), &pool.id)
                .await
                .map_err(|e| SeedError(format!("{what}: {e}")))?;
        }
        for client in &pool.clients {
            let cwhat = format!("{what}, client {}", client.client_id);
            let found: Option<(String, Value)> = ctx
                .store
                .get_client(&client.client_id)
                .await
                .map_err(|e| SeedError(format!("{cwhat}: storage: {e}")))?;
            match found {
                Some((owner, _)) if owner == pool.id => {}
                Some((owner, _)) => {
                    return Err(SeedError(format!(
                        "{cwhat}: this ClientId already belongs to pool {owner}"
                    )));
                }
                None => {
                    create_client_with_id(&ctx, client.request.clone(), &client.client_id)
                        .await
                        .map_err(|e| SeedError(format!("{cwhat}: {e}")))?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::idp::clients::load_client;
    use crate::idp::user_pools::load_pool;

    const EXAMPLE: &str = include_str!("../examples/seed.json");

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
    async fn users_are_refused_until_supported() {
        let state = state().await;
        let pools = parse(
            r#"{"UserPools": [{"Id": "us-east-1_Users0001", "PoolName": "u",
                "Users": [{"Username": "alice"}]}]}"#,
        )
        .unwrap();
        let err = apply(&state, &pools).await.unwrap_err();
        assert!(err.0.contains("Users cannot be seeded"), "{err}");
        // Nothing was written.
        let ctx = Ctx::internal(state);
        assert!(load_pool(&ctx, "us-east-1_Users0001").await.is_err());
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
}
