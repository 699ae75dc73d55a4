//! CreateIdentityPool, DescribeIdentityPool, ListIdentityPools, UpdateIdentityPool,
//! DeleteIdentityPool, and tags on identity pool ARNs.

use super::shapes::*;
use crate::ids;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};
use std::collections::BTreeMap;

pub fn pool_not_found(id: &str) -> ApiError {
    ApiError::resource_not_found(format!("IdentityPool '{id}' not found."))
}

/// Loads a pool's document or answers ResourceNotFoundException.
pub async fn load_identity_pool(ctx: &Ctx, id: &str) -> ApiResult<IdentityPool> {
    ctx.store
        .get_identity_pool(id)
        .await?
        .ok_or_else(|| pool_not_found(id))
}

/// `arn:aws:cognito-identity:<region>:<account>:identitypool/<id>`; the region is the pool id's.
pub fn identity_pool_arn(id: &str) -> String {
    let region = id.split(':').next().unwrap_or_default();
    format!(
        "arn:aws:cognito-identity:{region}:{}:identitypool/{id}",
        ids::ACCOUNT_ID
    )
}

/// The pool id an identity pool ARN names.
fn pool_id_of_arn(arn: &str) -> ApiResult<String> {
    let invalid = || ApiError::invalid_parameter(format!("Invalid ResourceArn: {arn}"));
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6
        || parts[0] != "arn"
        || parts[2] != "cognito-identity"
        || !parts[5].starts_with("identitypool/")
    {
        return Err(invalid());
    }
    let id = &parts[5]["identitypool/".len()..];
    if id.is_empty() {
        return Err(invalid());
    }
    Ok(id.to_string())
}

const MAX_TAGS: usize = 50;

fn check_tags(tags: &BTreeMap<String, String>) -> ApiResult<()> {
    if tags.len() > MAX_TAGS {
        return Err(ApiError::invalid_parameter(format!(
            "An identity pool can have at most {MAX_TAGS} tags."
        )));
    }
    for key in tags.keys() {
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(ApiError::invalid_parameter(
                "Tag keys starting with 'aws:' are reserved.",
            ));
        }
    }
    Ok(())
}

/// The semantic checks Cognito makes on a pool's settings beyond the model's constraints.
fn check_settings(pool: &IdentityPool, previous: Option<&IdentityPool>) -> ApiResult<()> {
    if let Some(providers) = &pool.cognito_identity_providers {
        for p in providers {
            let name = p.provider_name.as_deref().unwrap_or_default();
            if !is_user_pool_provider_name(name) {
                // AWS's whole message (issue 16: no extra text).
                return Err(ApiError::invalid_parameter(
                    "Invalid Cognito Identity Provider",
                ));
            }
            if p.client_id.as_deref().unwrap_or_default().is_empty() {
                return Err(ApiError::invalid_parameter(format!(
                    "ClientId is required for Cognito Identity Provider {name}."
                )));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for p in providers {
            if !seen.insert((p.provider_name.clone(), p.client_id.clone())) {
                return Err(ApiError::invalid_parameter(
                    "Duplicate provider names and client ids in CognitoIdentityProviders.",
                ));
            }
        }
    }
    if let Some(prev) = previous
        && let Some(old) = prev.developer_provider_name.as_deref()
        && pool.developer_provider_name.as_deref() != Some(old)
    {
        // Cognito documents that a developer provider name cannot change once set.
        return Err(ApiError::invalid_parameter(
            "DeveloperProviderName cannot be changed once it has been set.",
        ));
    }
    Ok(())
}

/// `cognito-idp.<region>.amazonaws.com/<region>_<id>`.
pub fn is_user_pool_provider_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("cognito-idp.") else {
        return false;
    };
    let Some((host_region, pool_id)) = rest.split_once(".amazonaws.com/") else {
        return false;
    };
    let Some((pool_region, suffix)) = pool_id.split_once('_') else {
        return false;
    };
    !host_region.is_empty()
        && host_region == pool_region
        && !suffix.is_empty()
        && suffix.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A pool document as Cognito answers it: providers carry `ServerSideTokenCheck`.
fn normalized(mut pool: IdentityPool) -> IdentityPool {
    if let Some(providers) = pool.cognito_identity_providers.as_mut() {
        for p in providers {
            p.server_side_token_check.get_or_insert(false);
        }
    }
    pool.allow_classic_flow.get_or_insert(false);
    pool
}

pub async fn create_identity_pool(
    ctx: Ctx,
    input: CreateIdentityPoolInput,
) -> ApiResult<IdentityPool> {
    let id = ids::regional_uuid(&ctx.region);
    let pool = normalized(IdentityPool {
        identity_pool_id: id.clone(),
        identity_pool_name: input.identity_pool_name,
        allow_unauthenticated_identities: input.allow_unauthenticated_identities,
        allow_classic_flow: input.allow_classic_flow,
        supported_login_providers: input.supported_login_providers,
        developer_provider_name: input.developer_provider_name,
        open_id_connect_provider_ar_ns: input.open_id_connect_provider_ar_ns,
        cognito_identity_providers: input.cognito_identity_providers,
        saml_provider_ar_ns: input.saml_provider_ar_ns,
        identity_pool_tags: input.identity_pool_tags,
    });
    check_settings(&pool, None)?;
    if let Some(tags) = &pool.identity_pool_tags {
        check_tags(tags)?;
    }
    let now = ctx.clock.now_epoch();
    ctx.store
        .insert_identity_pool(&id, &pool.identity_pool_name, now, &pool)
        .await?;
    Ok(pool)
}

pub async fn describe_identity_pool(
    ctx: Ctx,
    input: DescribeIdentityPoolInput,
) -> ApiResult<IdentityPool> {
    load_identity_pool(&ctx, &input.identity_pool_id).await
}

pub async fn list_identity_pools(
    ctx: Ctx,
    input: ListIdentityPoolsInput,
) -> ApiResult<ListIdentityPoolsResponse> {
    let limit = input.max_results.clamp(1, 60) as u32;
    let scope = "ListIdentityPools";
    let after = crate::protocol::page_token::open_opt(scope, input.next_token.as_deref())?;
    let mut pools: Vec<IdentityPool> = ctx
        .store
        .list_identity_pools(
            ctx.signed.then_some(ctx.region.as_str()),
            after.as_deref(),
            limit + 1,
        )
        .await?;
    let next_token = if pools.len() > limit as usize {
        pools.truncate(limit as usize);
        pools.last().map(|p| p.identity_pool_id.clone())
    } else {
        None
    };
    Ok(ListIdentityPoolsResponse {
        identity_pools: Some(
            pools
                .into_iter()
                .map(|p| IdentityPoolShortDescription {
                    identity_pool_id: Some(p.identity_pool_id),
                    identity_pool_name: Some(p.identity_pool_name),
                })
                .collect(),
        ),
        next_token: crate::protocol::page_token::seal_next(scope, next_token),
    })
}

/// Replaces the pool's settings with the request's, as Cognito does: members left out are
/// cleared. Tags are kept unless the request gives them (they are managed by TagResource).
pub async fn update_identity_pool(ctx: Ctx, input: IdentityPool) -> ApiResult<IdentityPool> {
    let previous = load_identity_pool(&ctx, &input.identity_pool_id).await?;
    let mut pool = normalized(input);
    check_settings(&pool, Some(&previous))?;
    match &pool.identity_pool_tags {
        Some(tags) => check_tags(tags)?,
        None => pool.identity_pool_tags = previous.identity_pool_tags.clone(),
    }
    if !ctx
        .store
        .update_identity_pool(&pool.identity_pool_id, &pool.identity_pool_name, &pool)
        .await?
    {
        return Err(pool_not_found(&pool.identity_pool_id));
    }
    Ok(pool)
}

pub async fn delete_identity_pool(
    ctx: Ctx,
    input: DeleteIdentityPoolInput,
) -> ApiResult<serde_json::Value> {
    if !ctx
        .store
        .delete_identity_pool(&input.identity_pool_id)
        .await?
    {
        return Err(pool_not_found(&input.identity_pool_id));
    }
    Ok(serde_json::json!({}))
}

async fn pool_for_arn(ctx: &Ctx, arn: &str) -> ApiResult<IdentityPool> {
    let id = pool_id_of_arn(arn)?;
    ctx.store
        .get_identity_pool(&id)
        .await?
        .ok_or_else(|| ApiError::resource_not_found(format!("Resource {arn} not found.")))
}

pub async fn tag_resource(ctx: Ctx, input: TagResourceInput) -> ApiResult<TagResourceResponse> {
    let mut pool = pool_for_arn(&ctx, &input.resource_arn).await?;
    let mut tags = pool.identity_pool_tags.take().unwrap_or_default();
    tags.extend(input.tags);
    check_tags(&tags)?;
    pool.identity_pool_tags = Some(tags);
    ctx.store
        .update_identity_pool(&pool.identity_pool_id, &pool.identity_pool_name, &pool)
        .await?;
    Ok(TagResourceResponse {})
}

pub async fn untag_resource(
    ctx: Ctx,
    input: UntagResourceInput,
) -> ApiResult<UntagResourceResponse> {
    let mut pool = pool_for_arn(&ctx, &input.resource_arn).await?;
    let mut tags = pool.identity_pool_tags.take().unwrap_or_default();
    for key in &input.tag_keys {
        tags.remove(key);
    }
    pool.identity_pool_tags = Some(tags);
    ctx.store
        .update_identity_pool(&pool.identity_pool_id, &pool.identity_pool_name, &pool)
        .await?;
    Ok(UntagResourceResponse {})
}

pub async fn list_tags_for_resource(
    ctx: Ctx,
    input: ListTagsForResourceInput,
) -> ApiResult<ListTagsForResourceResponse> {
    let pool = pool_for_arn(&ctx, &input.resource_arn).await?;
    Ok(ListTagsForResourceResponse {
        tags: Some(pool.identity_pool_tags.unwrap_or_default()),
    })
}
