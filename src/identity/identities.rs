//! GetId, DescribeIdentity, ListIdentities, DeleteIdentities, UnlinkIdentity, and the check
//! every call naming an identity makes (its logins must come with it).

use super::identity_pools::load_identity_pool;
use super::login_tokens::{COGNITO_IDENTITY_PROVIDER, VerifiedLogin, verify_logins};
use super::shapes::*;
use crate::ids;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::store::identity::{IdentityRow, LinkOutcome};
use std::collections::BTreeMap;

pub fn identity_not_found(id: &str) -> ApiError {
    ApiError::resource_not_found(format!("Identity '{id}' not found."))
}

fn unauthenticated_not_supported() -> ApiError {
    ApiError::not_authorized("Unauthenticated access is not supported for this identity pool.")
}

pub fn logins_dont_match() -> ApiError {
    ApiError::not_authorized(
        "Logins don't match. Please include at least one valid login for this identity or identity pool.",
    )
}

pub async fn load_identity(ctx: &Ctx, id: &str) -> ApiResult<IdentityRow> {
    ctx.store
        .get_identity(id)
        .await?
        .ok_or_else(|| identity_not_found(id))
}

/// `(provider, subject)` pairs to record for verified logins. This service's own tokens
/// point at an identity and are not recorded as logins.
fn login_pairs(logins: &[VerifiedLogin]) -> Vec<(String, String)> {
    logins
        .iter()
        .filter(|l| l.provider != COGNITO_IDENTITY_PROVIDER)
        .map(|l| (l.provider.clone(), l.subject.clone()))
        .collect()
}

/// An identity that may act: its pool, the verified logins presented, and whether it acts
/// as authenticated.
pub struct Authorized {
    pub identity: IdentityRow,
    pub pool: IdentityPool,
    pub logins: Vec<VerifiedLogin>,
}

impl Authorized {
    pub fn authenticated(&self) -> bool {
        !self.logins.is_empty()
    }
}

/// What GetCredentialsForIdentity and GetOpenIdToken check: the identity exists; an
/// authenticated identity presents at least one valid login of its own; an unauthenticated
/// one is allowed by the pool. New valid logins on an identity are linked to it.
pub async fn authorize_identity(
    ctx: &Ctx,
    identity_id: &str,
    logins: Option<&BTreeMap<String, String>>,
) -> ApiResult<Authorized> {
    let identity = load_identity(ctx, identity_id).await?;
    let pool = load_identity_pool(ctx, &identity.pool_id).await?;
    let logins = logins.filter(|l| !l.is_empty());
    let Some(logins) = logins else {
        if identity.is_authenticated() {
            return Err(logins_dont_match());
        }
        if !pool.allow_unauthenticated_identities {
            return Err(unauthenticated_not_supported());
        }
        return Ok(Authorized {
            identity,
            pool,
            logins: Vec::new(),
        });
    };
    let verified = verify_logins(ctx, &pool, logins).await?;
    for login in &verified {
        let owner = match &login.identity_id {
            Some(id) => Some(id.clone()),
            None => {
                ctx.store
                    .find_login(&pool.identity_pool_id, &login.provider, &login.subject)
                    .await?
            }
        };
        if owner.as_deref().is_some_and(|o| o != identity_id) {
            return Err(logins_dont_match());
        }
    }
    let pairs = login_pairs(&verified);
    if !pairs.is_empty() {
        let linked = ctx
            .store
            .link_logins(
                &pool.identity_pool_id,
                &pairs,
                Some(identity_id),
                identity_id,
                ctx.clock.now_epoch(),
            )
            .await?;
        if linked == LinkOutcome::Conflict {
            return Err(logins_dont_match());
        }
    }
    let identity = load_identity(ctx, identity_id).await?;
    Ok(Authorized {
        identity,
        pool,
        logins: verified,
    })
}

pub async fn get_id(ctx: Ctx, input: GetIdInput) -> ApiResult<GetIdResponse> {
    let pool = load_identity_pool(&ctx, &input.identity_pool_id).await?;
    let now = ctx.clock.now_epoch();
    let logins = input.logins.filter(|l| !l.is_empty());
    let Some(logins) = logins else {
        if !pool.allow_unauthenticated_identities {
            return Err(unauthenticated_not_supported());
        }
        // Each unauthenticated GetId is a new identity; clients cache the id they got.
        let id = ids::regional_uuid(region_of(&pool.identity_pool_id));
        ctx.store
            .insert_identity(&pool.identity_pool_id, &id, now)
            .await?;
        return Ok(GetIdResponse {
            identity_id: Some(id),
        });
    };
    let verified = verify_logins(&ctx, &pool, &logins).await?;
    let target = verified.iter().find_map(|l| l.identity_id.clone());
    if let Some(t) = &target {
        let identity = load_identity(&ctx, t).await?;
        if identity.pool_id != pool.identity_pool_id {
            return Err(logins_dont_match());
        }
    }
    let pairs = login_pairs(&verified);
    let new_id = ids::regional_uuid(region_of(&pool.identity_pool_id));
    match ctx
        .store
        .link_logins(
            &pool.identity_pool_id,
            &pairs,
            target.as_deref(),
            &new_id,
            now,
        )
        .await?
    {
        LinkOutcome::Linked { identity_id, .. } => Ok(GetIdResponse {
            identity_id: Some(identity_id),
        }),
        LinkOutcome::Conflict => Err(ApiError::new(
            ErrorKind::ResourceConflictException,
            "The logins are linked to different identities.",
        )),
    }
}

/// The region of a `<region>:<uuid>` id.
fn region_of(id: &str) -> &str {
    id.split(':').next().unwrap_or_default()
}

fn describe(row: &IdentityRow) -> IdentityDescription {
    let mut providers: Vec<String> = row.logins.iter().map(|(p, _)| p.clone()).collect();
    providers.dedup();
    IdentityDescription {
        identity_id: Some(row.identity_id.clone()),
        logins: Some(providers),
        creation_date: Some(row.created),
        last_modified_date: Some(row.modified),
    }
}

pub async fn describe_identity(
    ctx: Ctx,
    input: DescribeIdentityInput,
) -> ApiResult<IdentityDescription> {
    let row = load_identity(&ctx, &input.identity_id).await?;
    Ok(describe(&row))
}

pub async fn list_identities(
    ctx: Ctx,
    input: ListIdentitiesInput,
) -> ApiResult<ListIdentitiesResponse> {
    load_identity_pool(&ctx, &input.identity_pool_id).await?;
    let limit = input.max_results.clamp(1, 60) as u32;
    let scope = format!("ListIdentities\0{}", input.identity_pool_id);
    let after = crate::protocol::page_token::open_opt(&scope, input.next_token.as_deref())?;
    let mut rows = ctx
        .store
        .list_identities(&input.identity_pool_id, after.as_deref(), limit + 1)
        .await?;
    let next_token = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.identity_id.clone())
    } else {
        None
    };
    Ok(ListIdentitiesResponse {
        identity_pool_id: Some(input.identity_pool_id),
        identities: Some(rows.iter().map(describe).collect()),
        next_token: crate::protocol::page_token::seal_next(&scope, next_token),
    })
}

pub async fn delete_identities(
    ctx: Ctx,
    input: DeleteIdentitiesInput,
) -> ApiResult<DeleteIdentitiesResponse> {
    ctx.store
        .delete_identities(&input.identity_ids_to_delete)
        .await?;
    Ok(DeleteIdentitiesResponse {
        unprocessed_identity_ids: Some(Vec::new()),
    })
}

pub async fn unlink_identity(ctx: Ctx, input: UnlinkIdentityInput) -> ApiResult<serde_json::Value> {
    let identity = load_identity(&ctx, &input.identity_id).await?;
    if input.logins.is_empty() {
        return Err(logins_dont_match());
    }
    let authorized = authorize_identity(&ctx, &identity.identity_id, Some(&input.logins)).await?;
    for provider in &input.logins_to_remove {
        if !authorized
            .identity
            .logins
            .iter()
            .any(|(p, _)| p == provider)
        {
            return Err(ApiError::invalid_parameter(format!(
                "Login {provider} is not linked to identity {}.",
                identity.identity_id
            )));
        }
    }
    let removals: Vec<(String, Option<String>)> = input
        .logins_to_remove
        .iter()
        .map(|p| (p.clone(), None))
        .collect();
    ctx.store
        .unlink_logins(&identity.identity_id, &removals, ctx.clock.now_epoch())
        .await?;
    Ok(serde_json::json!({}))
}

#[cfg(test)]
mod tests;
