//! Refresh tokens: opaque strings shaped like Cognito's (a JWE in compact form: five
//! base64url parts, header `{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}`), each backed by a
//! stored row found through the token's SHA-256.

use super::{ADMIN_SCOPE, Grant, RefreshMode};
use crate::crypto::hex::sha256_hex;
use crate::model::user::User;
use crate::protocol::ctx::Ctx;
use crate::protocol::generated::idp::{AuthenticationResultType, UserPoolClientType};
use crate::protocol::{ApiError, ApiResult};
use crate::store::tokens::{RefreshTokenRow, TokenFamily};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use rand::RngCore;
use std::collections::BTreeMap;

fn random_part(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rand::rng().fill_bytes(&mut bytes);
    B64URL.encode(bytes)
}

/// A new refresh token string. Its randomness (over 2000 bits) is its identity.
pub fn new_refresh_token() -> String {
    let header = B64URL.encode(br#"{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}"#);
    // Encrypted key (RSA-2048 block), IV, ciphertext, tag: the sizes Cognito's have.
    format!(
        "{header}.{}.{}.{}.{}",
        random_part(256),
        random_part(12),
        random_part(96),
        random_part(16)
    )
}

fn invalid() -> ApiError {
    ApiError::not_authorized("Invalid Refresh Token")
}

/// Finds a refresh token presented by `client_id` and checks that it still works.
/// `grace_secs` is the client's rotation grace period (a replaced token keeps working that long).
pub async fn redeem(
    ctx: &Ctx,
    token: &str,
    client_id: &str,
    grace_secs: i64,
) -> ApiResult<(RefreshTokenRow, String)> {
    if token.split('.').count() != 5 {
        return Err(invalid());
    }
    let hash = sha256_hex(token);
    let row = ctx
        .store
        .find_refresh_token(&hash)
        .await?
        .ok_or_else(invalid)?;
    if row.family.client_id != client_id {
        return Err(invalid());
    }
    if row.family.revoked_at.is_some() {
        return Err(ApiError::not_authorized("Refresh Token has been revoked"));
    }
    let now = ctx.clock.now_secs();
    if now >= row.expires {
        return Err(ApiError::not_authorized("Refresh Token has expired"));
    }
    if let Some(replaced) = row.replaced_at
        && ctx.clock.now_epoch() > replaced + grace_secs as f64
    {
        return Err(invalid());
    }
    Ok((row, hash))
}

/// Where a refresh token is presented. Cognito treats them alike except for rotation:
/// a rotating client renews only through GetTokensFromRefreshToken and the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// InitiateAuth / AdminInitiateAuth with REFRESH_TOKEN_AUTH (or REFRESH_TOKEN).
    InitiateAuth,
    /// GetTokensFromRefreshToken.
    GetTokens,
    /// `/oauth2/token` with `grant_type=refresh_token`.
    OAuth,
}

/// What a renewal issued, and the scope it carries (the sign-in's own: an OAuth sign-in keeps
/// its scopes whichever entry point refreshes it).
pub struct Renewed {
    pub result: AuthenticationResultType,
    pub scope: String,
    pub user: User,
}

/// The client's rotation setting: `Some(grace seconds)` when RefreshTokenRotation is ENABLED.
fn rotation(client: &UserPoolClientType) -> Option<i64> {
    client
        .refresh_token_rotation
        .as_ref()
        .filter(|r| r.feature == "ENABLED")
        .map(|r| i64::from(r.retry_grace_period_seconds.unwrap_or(0)))
}

/// Redeems `token` for new tokens: the one refresh path behind REFRESH_TOKEN_AUTH,
/// GetTokensFromRefreshToken and the token endpoint. `check_family` runs once the token's
/// sign-in is known and before anything is issued (InitiateAuth checks SECRET_HASH with the
/// family's username there). `client_metadata` reaches PreTokenGeneration.
///
/// Rotation as Cognito documents it (RefreshTokenRotationType, "Refresh tokens" in the
/// developer guide): with rotation enabled, GetTokensFromRefreshToken and the token endpoint
/// answer a new refresh token and the old one keeps working for RetryGracePeriodSeconds;
/// REFRESH_TOKEN_AUTH cannot be used on such a client. Without rotation, no new refresh token.
pub async fn renew(
    ctx: &Ctx,
    pool_id: &str,
    client: &UserPoolClientType,
    token: &str,
    entry: Entry,
    client_metadata: BTreeMap<String, String>,
    check_family: impl FnOnce(&TokenFamily) -> ApiResult<()>,
) -> ApiResult<Renewed> {
    let client_id = client.client_id.as_deref().unwrap_or_default();
    let rotation = rotation(client);
    if entry == Entry::InitiateAuth && rotation.is_some() {
        // AWS documents the refusal, not its wording: the message names what to use instead.
        return Err(ApiError::invalid_parameter(
            "REFRESH_TOKEN_AUTH is not supported for an app client with refresh token rotation \
             enabled. Use GetTokensFromRefreshToken.",
        ));
    }
    let (row, hash) = redeem(ctx, token, client_id, rotation.unwrap_or(0)).await?;
    if row.family.pool_id != pool_id {
        return Err(invalid());
    }
    check_family(&row.family)?;
    let user = ctx
        .store
        .get_user(pool_id, &row.family.username)
        .await?
        .filter(|u| u.sub == row.family.sub)
        .ok_or_else(invalid)?;
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    let scope = ctx
        .store
        .family_scope(&row.family.origin_jti)
        .await?
        .unwrap_or_else(|| ADMIN_SCOPE.to_string());
    let mode = match rotation {
        Some(_) => RefreshMode::Rotate {
            family: row.family,
            old_sha256: hash,
        },
        None => RefreshMode::Keep(row.family),
    };
    let subject = super::subject_of(ctx, &user).await?;
    let grant = Grant {
        client_metadata,
        ..Grant::new(scope.clone(), None, "TokenGeneration_RefreshTokens")
    };
    let result = super::issue(ctx, pool_id, client, &subject, &grant, mode).await?;
    Ok(Renewed {
        result,
        scope,
        user,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_look_like_cognito_jwes() {
        let t = new_refresh_token();
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 5);
        assert!(parts.iter().all(|p| B64URL.decode(p).is_ok()));
        let header: serde_json::Value =
            serde_json::from_slice(&B64URL.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["enc"], "A256GCM");
        assert_ne!(t, new_refresh_token());
        assert_eq!(sha256_hex(&t).len(), 64);
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
