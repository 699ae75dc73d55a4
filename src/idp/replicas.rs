//! Multi-Region replicas: CreateUserPoolReplica, ListUserPoolReplicas, UpdateUserPoolReplica,
//! DeleteUserPoolReplica. There is one Region offline, so a replica is a stored record
//! answered as AWS describes it: created (`CREATING` in the create answer, `ACTIVE` after),
//! activated or deactivated, deleted (`DELETING` in the delete answer). Nothing is copied
//! and no endpoint serves the replica's Region.

use super::shapes::*;
use super::user_pools::{load_pool, pool_arn, region_of};
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::store::pool_settings::POOL_WIDE;
use serde::{Deserialize, Serialize};

const KIND: &str = "replicas";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Replica {
    region: String,
    status: String,
    tags: std::collections::BTreeMap<String, String>,
}

fn describe(pool_id: &str, r: &Replica, status: &str) -> UserPoolReplicaType {
    UserPoolReplicaType {
        region_name: Some(r.region.clone()),
        status: Some(status.into()),
        role: Some("SECONDARY".into()),
        user_pool_arn: Some(pool_arn(&r.region, pool_id)),
    }
}

fn not_found(pool_id: &str, region: &str) -> ApiError {
    ApiError::resource_not_found(format!(
        "User pool {pool_id} has no replica in region {region}."
    ))
}

async fn replicas(ctx: &Ctx, pool_id: &str) -> ApiResult<Vec<Replica>> {
    Ok(ctx
        .store
        .get_setting(pool_id, KIND, POOL_WIDE)
        .await?
        .unwrap_or_default())
}

async fn save(ctx: &Ctx, pool_id: &str, list: &[Replica]) -> ApiResult<()> {
    ctx.store
        .put_setting(pool_id, KIND, POOL_WIDE, ctx.clock.now_epoch(), &list)
        .await?;
    Ok(())
}

pub async fn create_user_pool_replica(
    ctx: Ctx,
    input: CreateUserPoolReplicaRequest,
) -> ApiResult<CreateUserPoolReplicaResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    if pool.user_pool_tier.as_deref() == Some("LITE") {
        return Err(ApiError::new(
            ErrorKind::FeatureUnavailableInTierException,
            "User pool replicas are not available in the Lite feature plan.",
        ));
    }
    if region_of(&input.user_pool_id, &ctx.region) == input.region_name {
        return Err(ApiError::invalid_parameter(
            "A replica cannot be created in the user pool's own region.",
        ));
    }
    let mut list = replicas(&ctx, &input.user_pool_id).await?;
    if list.iter().any(|r| r.region == input.region_name) {
        return Err(ApiError::invalid_parameter(format!(
            "User pool {} already has a replica in region {}.",
            input.user_pool_id, input.region_name
        )));
    }
    let replica = Replica {
        region: input.region_name,
        status: "ACTIVE".into(),
        tags: input.user_pool_tags.unwrap_or_default(),
    };
    list.push(replica.clone());
    save(&ctx, &input.user_pool_id, &list).await?;
    Ok(CreateUserPoolReplicaResponse {
        user_pool_replica: Some(describe(&input.user_pool_id, &replica, "CREATING")),
    })
}

pub async fn list_user_pool_replicas(
    ctx: Ctx,
    input: ListUserPoolReplicasRequest,
) -> ApiResult<ListUserPoolReplicasResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let region = region_of(&input.user_pool_id, &ctx.region);
    // The primary first, then its replicas.
    let mut out = vec![UserPoolReplicaType {
        region_name: Some(region.clone()),
        status: Some("ACTIVE".into()),
        role: Some("PRIMARY".into()),
        user_pool_arn: Some(pool_arn(&region, &input.user_pool_id)),
    }];
    out.extend(
        replicas(&ctx, &input.user_pool_id)
            .await?
            .iter()
            .map(|r| describe(&input.user_pool_id, r, &r.status)),
    );
    Ok(ListUserPoolReplicasResponse {
        user_pool_replicas: Some(out),
        next_token: None,
    })
}

pub async fn update_user_pool_replica(
    ctx: Ctx,
    input: UpdateUserPoolReplicaRequest,
) -> ApiResult<UpdateUserPoolReplicaResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let mut list = replicas(&ctx, &input.user_pool_id).await?;
    let replica = list
        .iter_mut()
        .find(|r| r.region == input.region_name)
        .ok_or_else(|| not_found(&input.user_pool_id, &input.region_name))?;
    replica.status = input.status;
    let shown = describe(&input.user_pool_id, replica, &replica.status);
    save(&ctx, &input.user_pool_id, &list).await?;
    Ok(UpdateUserPoolReplicaResponse {
        user_pool_replica: Some(shown),
    })
}

pub async fn delete_user_pool_replica(
    ctx: Ctx,
    input: DeleteUserPoolReplicaRequest,
) -> ApiResult<DeleteUserPoolReplicaResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let mut list = replicas(&ctx, &input.user_pool_id).await?;
    let at = list
        .iter()
        .position(|r| r.region == input.region_name)
        .ok_or_else(|| not_found(&input.user_pool_id, &input.region_name))?;
    let gone = list.remove(at);
    save(&ctx, &input.user_pool_id, &list).await?;
    Ok(DeleteUserPoolReplicaResponse {
        user_pool_replica: Some(describe(&input.user_pool_id, &gone, "DELETING")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{ctx, kind, pool};

    #[tokio::test]
    async fn replicas_are_stored_records() {
        let ctx = ctx().await;
        let p = pool(&ctx, |_| {}).await;
        let pool_id = p.id.clone().unwrap();
        let home = region_of(&pool_id, &ctx.region);
        let create = |region: &str| CreateUserPoolReplicaRequest {
            user_pool_id: pool_id.clone(),
            region_name: region.into(),
            user_pool_tags: None,
        };
        let r = create_user_pool_replica(ctx.clone(), create(&home)).await;
        assert_eq!(kind(r), "InvalidParameterException");
        let made = create_user_pool_replica(ctx.clone(), create("eu-west-1"))
            .await
            .unwrap()
            .user_pool_replica
            .unwrap();
        assert_eq!(made.status.as_deref(), Some("CREATING"));
        assert!(made.user_pool_arn.unwrap().contains(":eu-west-1:"));
        let r = create_user_pool_replica(ctx.clone(), create("eu-west-1")).await;
        assert_eq!(kind(r), "InvalidParameterException");
        let updated = update_user_pool_replica(
            ctx.clone(),
            UpdateUserPoolReplicaRequest {
                user_pool_id: pool_id.clone(),
                region_name: "eu-west-1".into(),
                status: "INACTIVE".into(),
            },
        )
        .await
        .unwrap()
        .user_pool_replica
        .unwrap();
        assert_eq!(updated.status.as_deref(), Some("INACTIVE"));
        let list = || {
            list_user_pool_replicas(
                ctx.clone(),
                ListUserPoolReplicasRequest {
                    user_pool_id: pool_id.clone(),
                    next_token: None,
                },
            )
        };
        let listed = list().await.unwrap().user_pool_replicas.unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].role.as_deref(), Some("PRIMARY"));
        let delete = || DeleteUserPoolReplicaRequest {
            user_pool_id: pool_id.clone(),
            region_name: "eu-west-1".into(),
        };
        let gone = delete_user_pool_replica(ctx.clone(), delete())
            .await
            .unwrap()
            .user_pool_replica
            .unwrap();
        assert_eq!(gone.status.as_deref(), Some("DELETING"));
        assert_eq!(list().await.unwrap().user_pool_replicas.unwrap().len(), 1);
        let r = delete_user_pool_replica(ctx.clone(), delete()).await;
        assert_eq!(kind(r), "ResourceNotFoundException");
    }
}
