//! SetIdentityPoolRoles / GetIdentityPoolRoles (roles and role mappings) and
//! SetPrincipalTagAttributeMap / GetPrincipalTagAttributeMap.

use super::identity_pools::{load_identity_pool, pool_not_found};
use super::shapes::*;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What SetIdentityPoolRoles stored for a pool.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PoolRoles {
    #[serde(rename = "Roles", default)]
    pub roles: BTreeMap<String, String>,
    #[serde(
        rename = "RoleMappings",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub role_mappings: Option<BTreeMap<String, RoleMapping>>,
}

/// One provider's principal-tag map as SetPrincipalTagAttributeMap stored it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TagMap {
    #[serde(rename = "UseDefaults", default)]
    pub use_defaults: bool,
    #[serde(rename = "PrincipalTags", default)]
    pub principal_tags: BTreeMap<String, String>,
}

pub type TagMaps = BTreeMap<String, TagMap>;

pub const MAX_RULES: usize = 25;

/// The keys a role mapping may use for this pool: `<ProviderName>:<ClientId>` for user pool
/// providers, the supported login providers' domains, OIDC providers' hosts and SAML ARNs.
pub fn role_mapping_keys(pool: &IdentityPool) -> Vec<String> {
    let mut keys = Vec::new();
    for p in pool.cognito_identity_providers.iter().flatten() {
        if let (Some(name), Some(client)) = (&p.provider_name, &p.client_id) {
            keys.push(format!("{name}:{client}"));
        }
    }
    keys.extend(
        pool.supported_login_providers
            .iter()
            .flatten()
            .map(|(k, _)| k.clone()),
    );
    for arn in pool.open_id_connect_provider_ar_ns.iter().flatten() {
        if let Some((_, host)) = arn.split_once(":oidc-provider/") {
            keys.push(host.to_string());
        }
    }
    keys.extend(pool.saml_provider_ar_ns.iter().flatten().cloned());
    keys
}

/// The provider names principal-tag maps may be set for.
fn tag_map_providers(pool: &IdentityPool) -> Vec<String> {
    let mut names = role_mapping_keys(pool);
    for p in pool.cognito_identity_providers.iter().flatten() {
        if let Some(name) = &p.provider_name {
            names.push(name.clone());
        }
    }
    names
}

fn check_role_mapping(key: &str, m: &RoleMapping) -> ApiResult<()> {
    let invalid = |msg: String| Err(ApiError::invalid_parameter(msg));
    match m.r#type.as_str() {
        "Token" | "Rules" => {}
        other => return invalid(format!("Invalid RoleMapping Type {other} for {key}.")),
    }
    if m.ambiguous_role_resolution.is_none() {
        return invalid(format!(
            "AmbiguousRoleResolution must be specified for RoleMapping {key} of type {}.",
            m.r#type
        ));
    }
    if m.r#type == "Rules" {
        let Some(rules) = &m.rules_configuration else {
            return invalid(format!(
                "RulesConfiguration must be specified for RoleMapping {key} of type Rules."
            ));
        };
        if rules.rules.is_empty() || rules.rules.len() > MAX_RULES {
            return invalid(format!(
                "RoleMapping {key} must have between 1 and {MAX_RULES} rules."
            ));
        }
        for rule in &rules.rules {
            if !rule.role_arn.starts_with("arn:") || !rule.role_arn.contains(":role/") {
                return invalid(format!(
                    "Invalid RoleARN {} in RoleMapping {key}.",
                    rule.role_arn
                ));
            }
        }
    }
    Ok(())
}

fn check_role_arn(kind: &str, arn: &str) -> ApiResult<()> {
    if arn.starts_with("arn:") && arn.contains(":role/") {
        Ok(())
    } else {
        Err(ApiError::invalid_parameter(format!(
            "Invalid {kind} role ARN: {arn}"
        )))
    }
}

pub async fn set_identity_pool_roles(
    ctx: Ctx,
    input: SetIdentityPoolRolesInput,
) -> ApiResult<serde_json::Value> {
    let pool = load_identity_pool(&ctx, &input.identity_pool_id).await?;
    for (kind, arn) in &input.roles {
        if kind != "authenticated" && kind != "unauthenticated" {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid role type {kind}: expected authenticated or unauthenticated."
            )));
        }
        check_role_arn(kind, arn)?;
    }
    if let Some(mappings) = &input.role_mappings {
        let allowed = role_mapping_keys(&pool);
        for (key, m) in mappings {
            if !allowed.contains(key) {
                return Err(ApiError::invalid_parameter(format!(
                    "{key} is not a valid RoleMapping ProviderName or is not a configured provider."
                )));
            }
            check_role_mapping(key, m)?;
        }
    }
    let roles = PoolRoles {
        roles: input.roles,
        role_mappings: input.role_mappings.filter(|m| !m.is_empty()),
    };
    if !ctx
        .store
        .set_identity_pool_roles(&input.identity_pool_id, &roles)
        .await?
    {
        return Err(pool_not_found(&input.identity_pool_id));
    }
    Ok(serde_json::json!({}))
}

/// The pool's roles document (empty when never set).
pub async fn load_roles(ctx: &Ctx, pool_id: &str) -> ApiResult<PoolRoles> {
    ctx.store
        .get_identity_pool_roles(pool_id)
        .await?
        .ok_or_else(|| pool_not_found(pool_id))
}

pub async fn get_identity_pool_roles(
    ctx: Ctx,
    input: GetIdentityPoolRolesInput,
) -> ApiResult<GetIdentityPoolRolesResponse> {
    let roles = load_roles(&ctx, &input.identity_pool_id).await?;
    Ok(GetIdentityPoolRolesResponse {
        identity_pool_id: Some(input.identity_pool_id),
        roles: Some(roles.roles),
        role_mappings: roles.role_mappings,
    })
}

fn unknown_provider(name: &str) -> ApiError {
    ApiError::invalid_parameter(format!(
        "{name} is not a configured provider of this identity pool."
    ))
}

pub async fn set_principal_tag_attribute_map(
    ctx: Ctx,
    input: SetPrincipalTagAttributeMapInput,
) -> ApiResult<SetPrincipalTagAttributeMapResponse> {
    let pool = load_identity_pool(&ctx, &input.identity_pool_id).await?;
    if !tag_map_providers(&pool).contains(&input.identity_provider_name) {
        return Err(unknown_provider(&input.identity_provider_name));
    }
    let mut maps: TagMaps = ctx
        .store
        .get_principal_tag_maps(&input.identity_pool_id)
        .await?
        .ok_or_else(|| pool_not_found(&input.identity_pool_id))?;
    let map = TagMap {
        use_defaults: input.use_defaults.unwrap_or(false),
        principal_tags: input.principal_tags.unwrap_or_default(),
    };
    maps.insert(input.identity_provider_name.clone(), map.clone());
    ctx.store
        .set_principal_tag_maps(&input.identity_pool_id, &maps)
        .await?;
    Ok(SetPrincipalTagAttributeMapResponse {
        identity_pool_id: Some(input.identity_pool_id),
        identity_provider_name: Some(input.identity_provider_name),
        use_defaults: Some(map.use_defaults),
        principal_tags: Some(map.principal_tags),
    })
}

pub async fn get_principal_tag_attribute_map(
    ctx: Ctx,
    input: GetPrincipalTagAttributeMapInput,
) -> ApiResult<GetPrincipalTagAttributeMapResponse> {
    let pool = load_identity_pool(&ctx, &input.identity_pool_id).await?;
    if !tag_map_providers(&pool).contains(&input.identity_provider_name) {
        return Err(unknown_provider(&input.identity_provider_name));
    }
    let maps: TagMaps = ctx
        .store
        .get_principal_tag_maps(&input.identity_pool_id)
        .await?
        .unwrap_or_default();
    let map = maps
        .get(&input.identity_provider_name)
        .cloned()
        .unwrap_or_default();
    Ok(GetPrincipalTagAttributeMapResponse {
        identity_pool_id: Some(input.identity_pool_id),
        identity_provider_name: Some(input.identity_provider_name),
        use_defaults: Some(map.use_defaults),
        principal_tags: Some(map.principal_tags),
    })
}
