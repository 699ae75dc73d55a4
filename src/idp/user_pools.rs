//! CreateUserPool, DescribeUserPool, ListUserPools, UpdateUserPool, DeleteUserPool.

use super::shapes::*;
use crate::ids;
use crate::protocol::aws_json::Ctx;
use crate::protocol::{ApiError, ApiResult};

fn pool_not_found(id: &str) -> ApiError {
    ApiError::resource_not_found(format!("User pool {id} does not exist."))
}

/// Loads a pool's document or answers ResourceNotFoundException.
pub async fn load_pool(ctx: &Ctx, id: &str) -> ApiResult<UserPoolType> {
    ctx.store
        .get_pool(id)
        .await?
        .ok_or_else(|| pool_not_found(id))
}

pub async fn create_user_pool(
    ctx: Ctx,
    input: CreateUserPoolRequest,
) -> ApiResult<CreateUserPoolResponse> {
    let now = ctx.clock.now_epoch();
    let id = ids::user_pool_id(&ctx.region);
    let pool = UserPoolType {
        id: Some(id.clone()),
        name: Some(input.pool_name.clone()),
        arn: Some(format!(
            "arn:aws:cognito-idp:{}:{}:userpool/{id}",
            ctx.region,
            ids::ACCOUNT_ID
        )),
        creation_date: Some(now),
        last_modified_date: Some(now),
        policies: input.policies,
        lambda_config: Some(input.lambda_config.unwrap_or_default()),
        auto_verified_attributes: input.auto_verified_attributes,
        alias_attributes: input.alias_attributes,
        username_attributes: input.username_attributes,
        mfa_configuration: Some(input.mfa_configuration.unwrap_or_else(|| "OFF".into())),
        user_pool_tags: input.user_pool_tags,
        estimated_number_of_users: Some(0),
        ..Default::default()
    };
    ctx.store
        .insert_pool(&id, &input.pool_name, now, &pool)
        .await?;
    Ok(CreateUserPoolResponse {
        user_pool: Some(pool),
    })
}

pub async fn describe_user_pool(
    ctx: Ctx,
    input: DescribeUserPoolRequest,
) -> ApiResult<DescribeUserPoolResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    Ok(DescribeUserPoolResponse {
        user_pool: Some(pool),
    })
}

pub async fn list_user_pools(
    ctx: Ctx,
    input: ListUserPoolsRequest,
) -> ApiResult<ListUserPoolsResponse> {
    let limit = input.max_results.clamp(1, 60) as u32;
    let mut pools: Vec<UserPoolType> = ctx
        .store
        .list_pools(input.next_token.as_deref(), limit + 1)
        .await?;
    let next_token = if pools.len() > limit as usize {
        pools.truncate(limit as usize);
        pools.last().and_then(|p| p.id.clone())
    } else {
        None
    };
    Ok(ListUserPoolsResponse {
        user_pools: Some(
            pools
                .into_iter()
                .map(|p| UserPoolDescriptionType {
                    id: p.id,
                    name: p.name,
                    lambda_config: p.lambda_config,
                    status: p.status,
                    last_modified_date: p.last_modified_date,
                    creation_date: p.creation_date,
                    ..Default::default()
                })
                .collect(),
        ),
        next_token,
    })
}

pub async fn delete_user_pool(
    ctx: Ctx,
    input: DeleteUserPoolRequest,
) -> ApiResult<serde_json::Value> {
    if !ctx.store.delete_pool(&input.user_pool_id).await? {
        return Err(pool_not_found(&input.user_pool_id));
    }
    Ok(serde_json::json!({}))
}
