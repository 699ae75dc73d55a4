//! GlobalSignOut, AdminUserGlobalSignOut, RevokeToken. Revocation works on token families:
//! revoked refresh tokens stop refreshing, and `verify_access_token` (so every self-service
//! call) rejects the family's access tokens with "Access Token has been revoked".

use super::shapes::*;
use super::users::lookup::require_user;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::tokens::{ADMIN_SCOPE, verify_access_token};

pub async fn global_sign_out(
    ctx: Ctx,
    input: GlobalSignOutRequest,
) -> ApiResult<serde_json::Value> {
    let claims = verify_access_token(&ctx, &input.access_token).await?;
    if !claims.has_scope(ADMIN_SCOPE) {
        return Err(ApiError::not_authorized(
            "Access Token does not have required scopes",
        ));
    }
    ctx.store
        .revoke_user_token_families(&claims.pool_id, &claims.username, ctx.clock.now_epoch())
        .await?;
    Ok(serde_json::json!({}))
}

pub async fn admin_user_global_sign_out(
    ctx: Ctx,
    input: AdminUserGlobalSignOutRequest,
) -> ApiResult<serde_json::Value> {
    let pool = super::user_pools::load_pool(&ctx, &input.user_pool_id).await?;
    let user = require_user(&ctx, &pool, &input.username).await?;
    ctx.store
        .revoke_user_token_families(&input.user_pool_id, &user.username, ctx.clock.now_epoch())
        .await?;
    Ok(serde_json::json!({}))
}

/// RevokeToken: revokes a refresh token and the access tokens issued with it.
pub async fn revoke_token(ctx: Ctx, input: RevokeTokenRequest) -> ApiResult<serde_json::Value> {
    let (_, client) = super::clients::load_client(&ctx, &input.client_id).await?;
    let rotated = super::client_secrets::rotated_secrets(&ctx, &input.client_id, &client).await?;
    if client
        .client_secret
        .as_deref()
        .is_some_and(|s| !s.is_empty())
        && !input
            .client_secret
            .as_deref()
            .is_some_and(|given| super::client_secrets::is_current_secret(&client, &rotated, given))
    {
        return Err(ApiError::new(
            ErrorKind::NotAuthorizedException,
            "Client secret is invalid.",
        ));
    }
    if client.enable_token_revocation == Some(false) {
        return Err(ApiError::new(
            ErrorKind::UnsupportedOperationException,
            "Token revocation is not enabled for this client.",
        ));
    }
    // An ID or access token (three parts) is not what this action revokes.
    if input.token.split('.').count() == 3 {
        return Err(ApiError::new(
            ErrorKind::UnsupportedTokenTypeException,
            "The token type is not supported for revocation.",
        ));
    }
    let found = ctx
        .store
        .find_refresh_token(&crate::crypto::hex::sha256_hex(&input.token))
        .await?;
    match found {
        Some(row) if row.family.client_id == input.client_id => {
            ctx.store
                .revoke_token_family(&row.family.origin_jti, ctx.clock.now_epoch())
                .await?;
        }
        Some(_) => {
            return Err(ApiError::new(
                ErrorKind::NotAuthorizedException,
                "The refresh token was not issued to this client.",
            ));
        }
        // Unknown tokens are answered like revoked ones (RFC 7009).
        None => {}
    }
    Ok(serde_json::json!({}))
}
