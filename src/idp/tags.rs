//! TagResource, UntagResource, ListTagsForResource. Only user pools can be tagged; their tags
//! live in the pool document's `UserPoolTags`, so DescribeUserPool shows them too.

use super::shapes::*;
use super::user_pools::{load_pool, save_pool};
use crate::protocol::ctx::Ctx;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tag_untag_list() {
        let ctx = crate::testkit::ctx().await;
        let pool = super::super::user_pools::create_user_pool(
            ctx.clone(),
            CreateUserPoolRequest {
                pool_name: "t".into(),
                user_pool_tags: Some([("a".to_string(), "1".to_string())].into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .user_pool
        .unwrap();
        let arn = pool.arn.clone().unwrap();
        let list = |arn: String| {
            list_tags_for_resource(
                ctx.clone(),
                ListTagsForResourceRequest { resource_arn: arn },
            )
        };
        assert_eq!(
            list(arn.clone()).await.unwrap().tags,
            Some([("a".to_string(), "1".to_string())].into())
        );
        tag_resource(
            ctx.clone(),
            TagResourceRequest {
                resource_arn: arn.clone(),
                tags: [
                    ("a".to_string(), "2".to_string()),
                    ("b".to_string(), "3".to_string()),
                ]
                .into(),
            },
        )
        .await
        .unwrap();
        untag_resource(
            ctx.clone(),
            UntagResourceRequest {
                resource_arn: arn.clone(),
                tag_keys: vec!["b".into(), "zzz".into()],
            },
        )
        .await
        .unwrap();
        let tags = list(arn.clone()).await.unwrap().tags.unwrap();
        assert_eq!(tags, [("a".to_string(), "2".to_string())].into());
        // DescribeUserPool shows the same tags.
        let described = super::super::user_pools::load_pool(&ctx, pool.id.as_deref().unwrap())
            .await
            .unwrap();
        assert_eq!(described.user_pool_tags, Some(tags));

        let missing = arn.replace(pool.id.as_deref().unwrap(), "us-east-1_missing00");
        assert_eq!(
            list(missing).await.unwrap_err().kind.name(),
            "ResourceNotFoundException"
        );
        assert_eq!(
            list("not-an-arn".into()).await.unwrap_err().kind.name(),
            "InvalidParameterException"
        );
        let too_many: std::collections::BTreeMap<String, String> = (0..50)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        let err = tag_resource(
            ctx.clone(),
            TagResourceRequest {
                resource_arn: arn.clone(),
                tags: too_many,
            },
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind.name(), "InvalidParameterException");
    }
}
