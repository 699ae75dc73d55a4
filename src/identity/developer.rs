//! Developer-authenticated identities: GetOpenIdTokenForDeveloperIdentity,
//! LookupDeveloperIdentity, MergeDeveloperIdentities, UnlinkDeveloperIdentity.
//! A developer login is `(DeveloperProviderName, DeveloperUserIdentifier)`, recorded like
//! any other login of the identity.

use super::credentials::{identity_token, principal_tags};
use super::identities::{identity_not_found, load_identity};
use super::identity_pools::load_identity_pool;
use super::login_tokens::{VerifiedLogin, verify_logins};
use super::shapes::*;
use crate::ids;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::store::identity::LinkOutcome;
use std::collections::BTreeMap;

/// Cognito's default and largest TokenDuration (seconds).
const DEFAULT_TOKEN_SECONDS: i64 = 900;
const MAX_TOKEN_SECONDS: i64 = 86_400;

fn developer_provider(pool: &IdentityPool) -> ApiResult<&str> {
    pool.developer_provider_name.as_deref().ok_or_else(|| {
        ApiError::invalid_parameter("The identity pool has no DeveloperProviderName.")
    })
}

fn check_provider_name(pool: &IdentityPool, name: &str) -> ApiResult<()> {
    if developer_provider(pool)? != name {
        return Err(ApiError::invalid_parameter(format!(
            "DeveloperProviderName {name} does not match the identity pool's."
        )));
    }
    Ok(())
}

fn already_registered() -> ApiError {
    ApiError::new(
        ErrorKind::DeveloperUserAlreadyRegisteredException,
        "The provided developer user identifier is already registered with Cognito under a different identity ID.",
    )
}

pub async fn get_open_id_token_for_developer_identity(
    ctx: Ctx,
    input: GetOpenIdTokenForDeveloperIdentityInput,
) -> ApiResult<GetOpenIdTokenForDeveloperIdentityResponse> {
    let pool = load_identity_pool(&ctx, &input.identity_pool_id).await?;
    let seconds = input.token_duration.unwrap_or(DEFAULT_TOKEN_SECONDS);
    if !(1..=MAX_TOKEN_SECONDS).contains(&seconds) {
        return Err(ApiError::invalid_parameter(format!(
            "TokenDuration must be between 1 and {MAX_TOKEN_SECONDS} seconds."
        )));
    }
    // The developer login is trusted (this call is signed by the developer's credentials);
    // other providers' tokens are verified as for GetId.
    let dev_name = pool.developer_provider_name.clone();
    let mut developer: Option<(String, String)> = None;
    let mut others = BTreeMap::new();
    for (provider, value) in &input.logins {
        if dev_name.as_deref() == Some(provider.as_str()) {
            developer = Some((provider.clone(), value.clone()));
        } else {
            others.insert(provider.clone(), value.clone());
        }
    }
    let verified: Vec<VerifiedLogin> = verify_logins(&ctx, &pool, &others).await?;
    let mut pairs: Vec<(String, String)> = verified
        .iter()
        .filter(|l| l.identity_id.is_none())
        .map(|l| (l.provider.clone(), l.subject.clone()))
        .collect();
    if let Some(d) = &developer {
        pairs.push(d.clone());
    }
    if pairs.is_empty() {
        return Err(ApiError::invalid_parameter(
            "Logins must contain the identity pool's developer provider or a supported provider.",
        ));
    }
    let target = match &input.identity_id {
        Some(id) => {
            let identity = load_identity(&ctx, id).await?;
            if identity.pool_id != pool.identity_pool_id {
                return Err(identity_not_found(id));
            }
            Some(id.clone())
        }
        None => None,
    };
    let new_id = ids::regional_uuid(pool.identity_pool_id.split(':').next().unwrap_or_default());
    let identity_id = match ctx
        .store
        .link_logins(
            &pool.identity_pool_id,
            &pairs,
            target.as_deref(),
            &new_id,
            ctx.clock.now_epoch(),
        )
        .await?
    {
        LinkOutcome::Linked { identity_id, .. } => identity_id,
        LinkOutcome::Conflict => return Err(already_registered()),
    };
    let mut tags = principal_tags(&ctx, &pool.identity_pool_id, &verified).await?;
    tags.extend(input.principal_tags.unwrap_or_default());
    let mut amr = vec!["authenticated".to_string()];
    for l in &verified {
        amr.push(l.provider.clone());
    }
    if let Some((provider, _)) = &developer {
        amr.push(provider.clone());
    }
    let token = identity_token(
        &ctx,
        &identity_id,
        &pool.identity_pool_id,
        amr,
        &tags,
        seconds,
    )
    .await?;
    Ok(GetOpenIdTokenForDeveloperIdentityResponse {
        identity_id: Some(identity_id),
        token: Some(token),
    })
}

pub async fn lookup_developer_identity(
    ctx: Ctx,
    input: LookupDeveloperIdentityInput,
) -> ApiResult<LookupDeveloperIdentityResponse> {
    let pool = load_identity_pool(&ctx, &input.identity_pool_id).await?;
    let provider = developer_provider(&pool)?.to_string();
    let identity_id = match (&input.identity_id, &input.developer_user_identifier) {
        (None, None) => {
            return Err(ApiError::invalid_parameter(
                "Either IdentityId or DeveloperUserIdentifier must be given.",
            ));
        }
        (_, Some(user)) => {
            let found = ctx
                .store
                .find_login(&pool.identity_pool_id, &provider, user)
                .await?
                .ok_or_else(|| {
                    ApiError::resource_not_found(format!(
                        "Developer user identifier {user} not found."
                    ))
                })?;
            if input.identity_id.as_ref().is_some_and(|id| *id != found) {
                return Err(ApiError::new(
                    ErrorKind::ResourceConflictException,
                    "The developer user identifier is linked to a different identity.",
                ));
            }
            found
        }
        (Some(id), None) => {
            let identity = load_identity(&ctx, id).await?;
            if identity.pool_id != pool.identity_pool_id {
                return Err(identity_not_found(id));
            }
            id.clone()
        }
    };
    let all = ctx.store.subjects_for(&identity_id, &provider).await?;
    let limit = input.max_results.unwrap_or(60).clamp(1, 60) as usize;
    let scope = format!("LookupDeveloperIdentity\0{identity_id}\0{provider}");
    let start = match crate::protocol::page_token::open_opt(&scope, input.next_token.as_deref())? {
        Some(t) => all.iter().position(|s| *s > t).unwrap_or(all.len()),
        None => 0,
    };
    let page: Vec<String> = all.iter().skip(start).take(limit).cloned().collect();
    let next_token = (start + page.len() < all.len())
        .then(|| page.last().cloned())
        .flatten();
    Ok(LookupDeveloperIdentityResponse {
        identity_id: Some(identity_id),
        developer_user_identifier_list: Some(page),
        next_token: crate::protocol::page_token::seal_next(&scope, next_token),
    })
}

pub async fn merge_developer_identities(
    ctx: Ctx,
    input: MergeDeveloperIdentitiesInput,
) -> ApiResult<MergeDeveloperIdentitiesResponse> {
    let pool = load_identity_pool(&ctx, &input.identity_pool_id).await?;
    check_provider_name(&pool, &input.developer_provider_name)?;
    let find = |user: String| {
        let ctx = ctx.clone();
        let pool_id = pool.identity_pool_id.clone();
        let provider = input.developer_provider_name.clone();
        async move {
            ctx.store
                .find_login(&pool_id, &provider, &user)
                .await?
                .ok_or_else(|| {
                    ApiError::resource_not_found(format!(
                        "Developer user identifier {user} not found."
                    ))
                })
        }
    };
    let source = find(input.source_user_identifier.clone()).await?;
    let destination = find(input.destination_user_identifier.clone()).await?;
    if source != destination {
        ctx.store
            .merge_identities(&source, &destination, ctx.clock.now_epoch())
            .await?;
    }
    Ok(MergeDeveloperIdentitiesResponse {
        identity_id: Some(destination),
    })
}

pub async fn unlink_developer_identity(
    ctx: Ctx,
    input: UnlinkDeveloperIdentityInput,
) -> ApiResult<serde_json::Value> {
    let pool = load_identity_pool(&ctx, &input.identity_pool_id).await?;
    check_provider_name(&pool, &input.developer_provider_name)?;
    let identity = load_identity(&ctx, &input.identity_id).await?;
    let removed = ctx
        .store
        .unlink_logins(
            &identity.identity_id,
            &[(
                input.developer_provider_name.clone(),
                Some(input.developer_user_identifier.clone()),
            )],
            ctx.clock.now_epoch(),
        )
        .await?;
    if removed == 0 {
        return Err(ApiError::resource_not_found(format!(
            "Developer user identifier {} is not linked to identity {}.",
            input.developer_user_identifier, identity.identity_id
        )));
    }
    Ok(serde_json::json!({}))
}
