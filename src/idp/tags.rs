//! TagResource, UntagResource, ListTagsForResource. Only user pools can be tagged; their tags
//! live in the pool document's `UserPoolTags`, so DescribeUserPool shows them too.

use super::shapes::*;
use super::user_pools::{load_pool, save_pool};
use crate::protocol::aws_json::Ctx;
use crate::protocol::{ApiError, ApiResult};

/// Most tags a pool may carry (AWS's limit for tagged resources).
const MAX_TAGS: usize = 50;

/// The pool id an ARN `arn:aws:cognito-idp:<region>:<account>:userpool/<id>` names.
fn pool_id_of(arn: &str) -> ApiResult<&str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "cognito-idp", _, _, resource] => match resource.split_once('/') {
            Some(("userpool", id)) if !id.is_empty() => Ok(id),
            _ => Err(ApiError::invalid_parameter(format!(
                "Invalid resource ARN: {arn}"
            ))),
        },
        _ => Err(ApiError::invalid_parameter(format!(
            "Invalid resource ARN: {arn}"
        ))),
    }
}

async fn load_tagged(ctx: &Ctx, arn: &str) -> ApiResult<UserPoolType> {
    let id = pool_id_of(arn)?;
    let pool = load_pool(ctx, id).await?;
    if pool.arn.as_deref() != Some(arn) {
        return Err(ApiError::resource_not_found(format!(
            "User pool {id} does not exist."
        )));
    }
    Ok(pool)
}

pub async fn tag_resource(ctx: Ctx, input: TagResourceRequest) -> ApiResult<TagResourceResponse> {
    let mut pool = load_tagged(&ctx, &input.resource_arn).await?;
    let tags = pool.user_pool_tags.get_or_insert_with(Default::default);
    tags.extend(input.tags);
    if tags.len() > MAX_TAGS {
        return Err(ApiError::invalid_parameter(format!(
            "A user pool can have at most {MAX_TAGS} tags."
        )));
    }
    save_pool(&ctx, &pool).await?;
    Ok(TagResourceResponse {})
}

pub async fn untag_resource(
    ctx: Ctx,
    input: UntagResourceRequest,
) -> ApiResult<UntagResourceResponse> {
    let mut pool = load_tagged(&ctx, &input.resource_arn).await?;
    let tags = pool.user_pool_tags.get_or_insert_with(Default::default);
    for key in &input.tag_keys {
        tags.remove(key);
    }
    save_pool(&ctx, &pool).await?;
    Ok(UntagResourceResponse {})
}

pub async fn list_tags_for_resource(
    ctx: Ctx,
    input: ListTagsForResourceRequest,
) -> ApiResult<ListTagsForResourceResponse> {
    let pool = load_tagged(&ctx, &input.resource_arn).await?;
    Ok(ListTagsForResourceResponse {
        tags: Some(pool.user_pool_tags.unwrap_or_default()),
    })
}
