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
//!       "Groups": [{"GroupName": "admins", "Precedence": 1, "Description": "Administrators"}],
//!       "Users": [
//!         {
//!           "Username": "alice@example.com",
//!           "Attributes": [
//!             {"Name": "email", "Value": "alice@example.com"},
//!             {"Name": "email_verified", "Value": "true"}
//!           ],
//!           "Password": "Passw0rd!",
//!           "Groups": ["admins"]
//!         },
//!         {"Username": "bob@example.com", "TemporaryPassword": "TempPassw0rd!"}
//!       ]
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
//! - A group entry (`Groups`) is a CreateGroup request without `UserPoolId`.
//! - A user entry has `Username` (required), `Attributes` (the `UserAttributes` of
//!   AdminCreateUser: required schema attributes, custom attributes, `email_verified`, ... are
//!   checked as that action checks them), and exactly one of `Password` (a permanent password:
//!   the user is CONFIRMED, as after AdminSetUserPassword with Permanent) or
//!   `TemporaryPassword` (the user is FORCE_CHANGE_PASSWORD and must set a new password at
//!   the first sign-in, as after AdminCreateUser). Both are checked against the pool's
//!   password policy. `Groups` lists group names the user is added to; a name the pool's
//!   `Groups` does not list is created with no description, role or precedence. No message is
//!   sent (AdminCreateUser with MessageAction SUPPRESS).
//!
//! # Idempotency
//!
//! Seeding runs at every start and only creates what is missing: a pool whose `Id` already
//! exists is left exactly as it is (changes made through the API since are kept, the seed's
//! settings for it are not re-applied), and so is a client whose `ClientId` already exists,
//! a group whose name exists in its pool, and a user whose `Username` already designates a
//! user of its pool (its attributes, password, status and groups are not touched).
//! A client id that exists in another pool is an error. To start from the seed again, delete
//! the database (or run with `--in-memory`).

use crate::idp::admin_users::{admin_create_user, admin_set_user_password};
use crate::idp::clients::create_client_with_id;
use crate::idp::groups::{admin_add_user_to_group, create_group};
use crate::idp::shapes::{
    AdminAddUserToGroupRequest, AdminCreateUserRequest, AdminSetUserPasswordRequest,
    CreateGroupRequest, CreateUserPoolClientRequest, CreateUserPoolRequest,
};
use crate::idp::user_pools::{create_pool_with_id, load_pool};
use crate::idp::users::lookup::resolve_user;
use crate::protocol::ctx::Ctx;
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
    /// The pool's `Groups` and, after them, groups only users name.
    pub groups: Vec<CreateGroupRequest>,
    pub users: Vec<SeedUser>,
}

/// One user of a pool: an AdminCreateUser request (MessageAction SUPPRESS, with the temporary
/// or permanent password as TemporaryPassword), whether that password is permanent, and the
/// groups to join.
#[derive(Debug, Clone)]
pub struct SeedUser {
    pub request: AdminCreateUserRequest,
    pub permanent: bool,
    pub groups: Vec<String>,
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
        let groups = take_array(&mut obj, "Groups", &what)?;
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
        let mut seed_groups = parse_groups(&id, groups, &what)?;
        let seed_users = parse_users(&id, users, &what)?;
        for name in seed_users.iter().flat_map(|u| u.groups.iter()) {
            if !seed_groups.iter().any(|g| &g.group_name == name) {
                seed_groups.push(CreateGroupRequest {
                    group_name: name.clone(),
                    user_pool_id: id.clone(),
                    ..Default::default()
                });
            }
        }
        out.push(SeedPool {
            id,
            request,
            clients: seed_clients,
            groups: seed_groups,
            users: seed_users,
        });
    }
    Ok(out)
}

fn parse_groups(
    pool_id: &str,
    entries: Vec<Value>,
    what: &str,
) -> Result<Vec<CreateGroupRequest>, SeedError> {
    let mut out: Vec<CreateGroupRequest> = Vec::new();
    for (k, entry) in entries.into_iter().enumerate() {
        let Value::Object(mut gobj) = entry else {
            return Err(SeedError(format!("{what}: Groups[{k}] must be an object")));
        };
        gobj.insert("UserPoolId".into(), Value::String(pool_id.to_string()));
        let request: CreateGroupRequest = model_request(
            "CreateGroup",
            Value::Object(gobj),
            &format!("{what}, Groups[{k}]"),
        )?;
        if out.iter().any(|g| g.group_name == request.group_name) {
            return Err(SeedError(format!(
                "{what}, group {}: GroupName is listed twice",
                request.group_name
            )));
        }
        out.push(request);
    }
    Ok(out)
}

fn parse_users(pool_id: &str, entries: Vec<Value>, what: &str) -> Result<Vec<SeedUser>, SeedError> {
    let mut out: Vec<SeedUser> = Vec::new();
    for (k, entry) in entries.into_iter().enumerate() {
        let Value::Object(mut uobj) = entry else {
            return Err(SeedError(format!("{what}: Users[{k}] must be an object")));
        };
        let username = take_string(&mut uobj, "Username", &format!("{what}, Users[{k}]"))?;
        let uwhat = format!("{what}, user {username}");
        if out.iter().any(|u| u.request.username == username) {
            return Err(SeedError(format!("{uwhat}: Username is listed twice")));
        }
        let (password, permanent) = match (
            uobj.remove("Password"),
            uobj.remove("TemporaryPassword"),
        ) {
            (Some(p), None) => (p, true),
            (None, Some(p)) => (p, false),
            _ => {
                return Err(SeedError(format!(
                    "{uwhat}: give exactly one of Password (permanent, CONFIRMED) or TemporaryPassword (FORCE_CHANGE_PASSWORD)"
                )));
            }
        };
        let groups = take_array(&mut uobj, "Groups", &uwhat)?
            .into_iter()
            .map(|g| match g {
                Value::String(name) => Ok(name),
                _ => Err(SeedError(format!("{uwhat}: Groups must list group names"))),
            })
            .collect::<Result<Vec<String>, SeedError>>()?;
        let mut request = Map::new();
        request.insert("UserPoolId".into(), Value::String(pool_id.to_string()));
        request.insert("Username".into(), Value::String(username.clone()));
        request.insert("TemporaryPassword".into(), password.clone());
        request.insert("MessageAction".into(), Value::String("SUPPRESS".into()));
        if let Some(attrs) = uobj.remove("Attributes") {
            request.insert("UserAttributes".into(), attrs);
        }
        if let Some(key) = uobj.keys().next() {
            return Err(SeedError(format!(
                "{uwhat}: unknown member {key} (expected Username, Attributes, Password or TemporaryPassword, Groups)"
            )));
        }
        if permanent {
            // The permanent password is validated as AdminSetUserPassword's Password.
            let mut set = Map::new();
            set.insert("UserPoolId".into(), Value::String(pool_id.to_string()));
            set.insert("Username".into(), Value::String(username.clone()));
            set.insert("Password".into(), password);
            model_request::<AdminSetUserPasswordRequest>(
                "AdminSetUserPassword",
                Value::Object(set),
                &uwhat,
            )?;
        }
        for name in &groups {
            model_request::<CreateGroupRequest>(
                "CreateGroup",
                serde_json::json!({"UserPoolId": pool_id, "GroupName": name}),
                &uwhat,
            )?;
        }
        let request: AdminCreateUserRequest =
            model_request("AdminCreateUser", Value::Object(request), &uwhat)?;
        out.push(SeedUser {
            request,
            permanent,
            groups,
        });
    }
    Ok(out)
}

/// Creates the groups and users of `pool` that are missing, through the API's handlers so
/// that every rule (schema, password policy, aliases) is the API's.
async fn apply_groups_and_users(ctx: &Ctx, pool: &SeedPool, what: &str) -> Result<(), SeedError> {
    for group in &pool.groups {
        let gwhat = format!("{what}, group {}", group.group_name);
        let exists = ctx
            .store
            .get_group::<Value>(&pool.id, &group.group_name)
            .await
            .map_err(|e| SeedError(format!("{gwhat}: storage: {e}")))?
            .is_some();
        if !exists {
            create_group(ctx.clone(), group.clone())
                .await
                .map_err(|e| SeedError(format!("{gwhat}: {e}")))?;
        }
    }
    if pool.users.is_empty() {
        return Ok(());
    }
    let stored_pool = load_pool(ctx, &pool.id)
        .await
        .map_err(|e| SeedError(format!("{what}: {e}")))?;
    for user in &pool.users {
        let username = &user.request.username;
        let uwhat = format!("{what}, user {username}");
        let existing = resolve_user(ctx, &stored_pool, username)
            .await
            .map_err(|e| SeedError(format!("{uwhat}: {e}")))?;
        if existing.is_some() {
            continue;
        }
        let created = admin_create_user(ctx.clone(), user.request.clone())
            .await
            .map_err(|e| SeedError(format!("{uwhat}: {e}")))?;
        // The stored name (a generated UUID when the pool signs in by email or phone).
        let stored_name = created
            .user
            .and_then(|u| u.username)
            .unwrap_or_else(|| username.clone());
        if user.permanent {
            admin_set_user_password(
                ctx.clone(),
                AdminSetUserPasswordRequest {
                    user_pool_id: pool.id.clone(),
                    username: stored_name.clone(),
                    password: user.request.temporary_password.clone().unwrap_or_default(),
                    permanent: Some(true),
                },
            )
            .await
            .map_err(|e| SeedError(format!("{uwhat}: {e}")))?;
        }
        for group in &user.groups {
            admin_add_user_to_group(
                ctx.clone(),
                AdminAddUserToGroupRequest {
                    user_pool_id: pool.id.clone(),
                    username: stored_name.clone(),
                    group_name: group.clone(),
                },
            )
            .await
            .map_err(|e| SeedError(format!("{uwhat}, group {group}: {e}")))?;
        }
    }
    Ok(())
}

/// Creates what is missing of `pools` (see the module documentation).
pub async fn apply(state: &AppState, pools: &[SeedPool]) -> Result<(), SeedError> {
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
        apply_groups_and_users(&ctx, pool, &what).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
