//! App clients: CreateUserPoolClient, DescribeUserPoolClient, ListUserPoolClients,
//! UpdateUserPoolClient, DeleteUserPoolClient, and `load_client` for every action that names a
//! ClientId.
//!
//! A client is stored as its `UserPoolClientType` document, exactly as DescribeUserPoolClient
//! returns it (secret included). Like Cognito, UpdateUserPoolClient replaces the settings: a
//! field the request leaves out goes back to its default, it is not kept.

use super::resource_servers::check_client_scopes;
use super::shapes::*;
use super::user_pools::load_pool;
use crate::ids;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind, page_token};
use crate::tokens::validity::unit_secs;
use serde::Serialize;

/// What Cognito fills in for a client when the request leaves it out. AccessTokenValidity and
/// IdTokenValidity are not returned when unset (tokens then last one hour); RefreshTokenValidity
/// comes back as 30 (days) and TokenValidityUnits as an empty object.
const DEFAULT_REFRESH_TOKEN_VALIDITY: i32 = 30;
const DEFAULT_AUTH_SESSION_VALIDITY: i32 = 3;

/// The auth flows a client allows when it was created without ExplicitAuthFlows (Cognito's
/// documented default; the stored document then has no ExplicitAuthFlows, as on AWS).
pub const DEFAULT_EXPLICIT_AUTH_FLOWS: &[&str] = &[
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_CUSTOM_AUTH",
];

const LEGACY_AUTH_FLOWS: &[&str] = &[
    "ADMIN_NO_SRP_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY",
    "USER_PASSWORD_AUTH",
];

/// OAuth scopes every pool knows without a resource server.
const STANDARD_SCOPES: &[&str] = &[
    "phone",
    "email",
    "openid",
    "profile",
    "aws.cognito.signin.user.admin",
];

fn client_not_found(client_id: &str) -> ApiError {
    ApiError::resource_not_found(format!("User pool client {client_id} does not exist."))
}

/// Finds a client by id alone: `(pool id, client document)`, or ResourceNotFoundException
/// "User pool client <id> does not exist.". The document includes `ClientSecret` when the
/// client has one.
pub async fn load_client(ctx: &Ctx, client_id: &str) -> ApiResult<(String, UserPoolClientType)> {
    ctx.store
        .get_client(client_id)
        .await?
        .ok_or_else(|| client_not_found(client_id))
}

/// A client that must belong to `pool_id` (admin actions name both).
pub async fn load_pool_client(
    ctx: &Ctx,
    pool_id: &str,
    client_id: &str,
) -> ApiResult<UserPoolClientType> {
    match ctx
        .store
        .get_client::<UserPoolClientType>(client_id)
        .await?
    {
        Some((pool, client)) if pool == pool_id => Ok(client),
        _ => Err(client_not_found(client_id)),
    }
}

/// The auth flows a client allows, with the documented default when it names none.
pub fn explicit_auth_flows(client: &UserPoolClientType) -> Vec<String> {
    match &client.explicit_auth_flows {
        Some(flows) => flows.clone(),
        None => DEFAULT_EXPLICIT_AUTH_FLOWS
            .iter()
            .map(|s| s.to_string())
            .collect(),
    }
}

/// Copies the settings members of a Create/Update request into a client document: the member
/// names are the same, so everything the API accepts is kept as given.
fn settings_from<T: Serialize>(input: &T) -> ApiResult<UserPoolClientType> {
    let mut value = serde_json::to_value(input).map_err(ApiError::internal)?;
    if let Some(obj) = value.as_object_mut() {
        // Not settings: the secret is handled apart and never taken from an update.
        obj.remove("ClientSecret");
        obj.remove("GenerateSecret");
        obj.remove("ClientId");
    }
    serde_json::from_value(value).map_err(ApiError::internal)
}

fn apply_defaults(c: &mut UserPoolClientType) {
    c.refresh_token_validity
        .get_or_insert(DEFAULT_REFRESH_TOKEN_VALIDITY);
    c.token_validity_units.get_or_insert_with(Default::default);
    c.allowed_o_auth_flows_user_pool_client.get_or_insert(false);
    c.enable_token_revocation.get_or_insert(true);
    c.enable_propagate_additional_user_context_data
        .get_or_insert(false);
    c.auth_session_validity
        .get_or_insert(DEFAULT_AUTH_SESSION_VALIDITY);
    c.prevent_user_existence_errors
        .get_or_insert_with(|| "LEGACY".into());
}

fn client_scopes(c: &UserPoolClientType) -> &[String] {
    c.allowed_o_auth_scopes.as_deref().unwrap_or_default()
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid_parameter(message)
}

fn oauth_invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorKind::InvalidOAuthFlowException, message)
}

/// The checks Cognito makes on a client's settings beyond the model's constraints.
fn validate_settings(
    pool: &UserPoolType,
    c: &UserPoolClientType,
    has_secret: bool,
    verb: &str,
) -> ApiResult<()> {
    // Token validity, in the units given (defaults: hours for access/ID, days for refresh).
    let units = c.token_validity_units.clone().unwrap_or_default();
    let in_range = |value: Option<i32>, unit: Option<&str>, default_unit, min, max| match value {
        None => true,
        Some(v) => {
            let secs = v as i64 * unit_secs(unit, default_unit);
            (min..=max).contains(&secs)
        }
    };
    let access_ok = in_range(
        c.access_token_validity,
        units.access_token.as_deref(),
        3600,
        300,
        86400,
    );
    let id_ok = in_range(
        c.id_token_validity,
        units.id_token.as_deref(),
        3600,
        300,
        86400,
    );
    let refresh_ok = in_range(
        c.refresh_token_validity,
        units.refresh_token.as_deref(),
        86400,
        3600,
        3650 * 86400,
    );
    if !(access_ok && id_ok && refresh_ok) {
        return Err(invalid("Invalid range for token validity."));
    }

    if let Some(flows) = &c.explicit_auth_flows {
        let legacy = flows
            .iter()
            .any(|f| LEGACY_AUTH_FLOWS.contains(&f.as_str()));
        let modern = flows.iter().any(|f| f.starts_with("ALLOW_"));
        if legacy && modern {
            return Err(invalid(
                "ExplicitAuthFlows can not have both legacy and new values (prefixed with ALLOW_).",
            ));
        }
    }

    // Read and write attributes must name attributes of the pool's schema.
    let known = |name: &str| {
        pool.schema_attributes
            .iter()
            .flatten()
            .any(|a| a.name.as_deref() == Some(name))
    };
    if let Some(attrs) = &c.read_attributes
        && attrs.iter().any(|a| !known(a))
    {
        return Err(invalid(format!(
            "Invalid read attributes specified while {verb} a client"
        )));
    }
    if let Some(attrs) = &c.write_attributes
        && attrs.iter().any(|a| !known(a) || a == "sub")
    {
        return Err(invalid(format!(
            "Invalid write attributes specified while {verb} a client"
        )));
    }

    // OAuth.
    let flows = c.allowed_o_auth_flows.clone().unwrap_or_default();
    let scopes = c.allowed_o_auth_scopes.clone().unwrap_or_default();
    let callbacks = c.callback_ur_ls.clone().unwrap_or_default();
    let oauth_client = c.allowed_o_auth_flows_user_pool_client == Some(true);
    if !oauth_client && (!flows.is_empty() || !scopes.is_empty()) {
        return Err(invalid(
            "AllowedOAuthFlowsUserPoolClient must be true when AllowedOAuthFlows or AllowedOAuthScopes are set.",
        ));
    }
    if oauth_client {
        if flows.is_empty() || scopes.is_empty() {
            return Err(oauth_invalid(
                "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.",
            ));
        }
        let has = |f: &str| flows.iter().any(|x| x == f);
        let browser_flow = has("code") || has("implicit");
        if has("client_credentials") {
            if browser_flow {
                return Err(oauth_invalid(
                    "client_credentials flow can not be selected along with code flow or implicit flow.",
                ));
            }
            if !has_secret {
                return Err(oauth_invalid(
                    "client_credentials flow can not be selected if client does not have a client secret.",
                ));
            }
            if scopes.iter().any(|s| s == "openid") {
                return Err(oauth_invalid(
                    "openid is not supported with client_credentials flow",
                ));
            }
        }
        if browser_flow && callbacks.is_empty() {
            return Err(oauth_invalid(
                "CallbackUrls can not be empty when code flow or implicit flow is selected",
            ));
        }
        for s in &scopes {
            if !s.contains('/') && !STANDARD_SCOPES.contains(&s.as_str()) {
                return Err(ApiError::new(
                    ErrorKind::ScopeDoesNotExistException,
                    format!("Invalid scope requested: {s}"),
                ));
            }
        }
    }
    if let Some(uri) = &c.default_redirect_uri
        && !callbacks.iter().any(|u| u == uri)
    {
        return Err(invalid(
            "DefaultRedirectURI must be one of the CallbackURLs.",
        ));
    }
    Ok(())
}

pub async fn create_user_pool_client(
    ctx: Ctx,
    input: CreateUserPoolClientRequest,
) -> ApiResult<CreateUserPoolClientResponse> {
    let client = create_client_with_id(&ctx, input, &ids::client_id()).await?;
    Ok(CreateUserPoolClientResponse {
        user_pool_client: Some(client),
    })
}

/// CreateUserPoolClient with the client id chosen by the caller (the seed file fixes ids).
pub async fn create_client_with_id(
    ctx: &Ctx,
    input: CreateUserPoolClientRequest,
    client_id: &str,
) -> ApiResult<UserPoolClientType> {
    let pool = load_pool(ctx, &input.user_pool_id).await?;
    let secret = match (input.generate_secret, &input.client_secret) {
        (Some(false), Some(_)) => {
            return Err(invalid(
                "ClientSecret can only be given when GenerateSecret is true.",
            ));
        }
        (_, Some(given)) => Some(given.clone()),
        (Some(true), None) => Some(ids::client_secret()),
        _ => None,
    };
    let mut client = settings_from(&input)?;
    apply_defaults(&mut client);
    validate_settings(&pool, &client, secret.is_some(), "creating")?;
    check_client_scopes(ctx, &input.user_pool_id, client_scopes(&client)).await?;
    let providers = client
        .supported_identity_providers
        .as_deref()
        .unwrap_or_default();
    super::identity_providers::check_supported(ctx, &input.user_pool_id, providers).await?;
    let now = ctx.clock.now_epoch();
    client.user_pool_id = Some(input.user_pool_id.clone());
    client.client_id = Some(client_id.to_string());
    client.client_secret = secret;
    client.creation_date = Some(now);
    client.last_modified_date = Some(now);
    ctx.store
        .insert_client(
            &input.user_pool_id,
            client_id,
            &input.client_name,
            now,
            &client,
        )
        .await?;
    Ok(client)
}

pub async fn describe_user_pool_client(
    ctx: Ctx,
    input: DescribeUserPoolClientRequest,
) -> ApiResult<DescribeUserPoolClientResponse> {
    let client = load_pool_client(&ctx, &input.user_pool_id, &input.client_id).await?;
    Ok(DescribeUserPoolClientResponse {
        user_pool_client: Some(client),
    })
}

pub async fn list_user_pool_clients(
    ctx: Ctx,
    input: ListUserPoolClientsRequest,
) -> ApiResult<ListUserPoolClientsResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let limit = input.max_results.unwrap_or(60).clamp(1, 60) as u32;
    let scope = format!("ListUserPoolClients\0{}", input.user_pool_id);
    let after = page_token::open_opt(&scope, input.next_token.as_deref())?;
    let mut clients: Vec<UserPoolClientType> = ctx
        .store
        .list_clients(&input.user_pool_id, after.as_deref(), limit + 1)
        .await?;
    let next_token = if clients.len() > limit as usize {
        clients.truncate(limit as usize);
        clients.last().and_then(|c| c.client_id.clone())
    } else {
        None
    };
    Ok(ListUserPoolClientsResponse {
        user_pool_clients: Some(
            clients
                .into_iter()
                .map(|c| UserPoolClientDescription {
                    client_id: c.client_id,
                    user_pool_id: c.user_pool_id,
                    client_name: c.client_name,
                })
                .collect(),
        ),
        next_token: page_token::seal_next(&scope, next_token),
    })
}

pub async fn update_user_pool_client(
    ctx: Ctx,
    input: UpdateUserPoolClientRequest,
) -> ApiResult<UpdateUserPoolClientResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let old = load_pool_client(&ctx, &input.user_pool_id, &input.client_id).await?;
    let mut client = settings_from(&input)?;
    apply_defaults(&mut client);
    validate_settings(&pool, &client, old.client_secret.is_some(), "updating")?;
    check_client_scopes(&ctx, &input.user_pool_id, client_scopes(&client)).await?;
    let providers = client
        .supported_identity_providers
        .as_deref()
        .unwrap_or_default();
    super::identity_providers::check_supported(&ctx, &input.user_pool_id, providers).await?;
    // Identity, secret and creation time are not settings; a name left out is kept.
    client.user_pool_id = old.user_pool_id;
    client.client_id = old.client_id;
    client.client_secret = old.client_secret;
    client.creation_date = old.creation_date;
    client.client_type = old.client_type;
    if client.client_name.is_none() {
        client.client_name = old.client_name;
    }
    client.last_modified_date = Some(ctx.clock.now_epoch());
    let name = client.client_name.clone().unwrap_or_default();
    if !ctx
        .store
        .update_client(&input.client_id, &name, &client)
        .await?
    {
        return Err(client_not_found(&input.client_id));
    }
    Ok(UpdateUserPoolClientResponse {
        user_pool_client: Some(client),
    })
}

pub async fn delete_user_pool_client(
    ctx: Ctx,
    input: DeleteUserPoolClientRequest,
) -> ApiResult<serde_json::Value> {
    load_pool(&ctx, &input.user_pool_id).await?;
    if !ctx
        .store
        .delete_client(&input.user_pool_id, &input.client_id)
        .await?
    {
        return Err(client_not_found(&input.client_id));
    }
    Ok(serde_json::json!({}))
}

#[cfg(test)]
mod tests;
