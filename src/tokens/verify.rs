//! Verifying tokens the emulator issued: the access-token check every self-service call
//! (GetUser, ChangePassword, GlobalSignOut, ...) makes, and an ID-token check for identity pools.

use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};
use crate::store::users::TokenUser;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde_json::{Map, Value};

/// What a valid access token says.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessClaims {
    pub pool_id: String,
    /// The internal username (the token's `username` claim).
    pub username: String,
    pub sub: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub groups: Vec<String>,
    pub jti: String,
    pub origin_jti: String,
    pub auth_time: i64,
    pub iat: i64,
    pub exp: i64,
}

impl AccessClaims {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Malformed, wrong signature, wrong key, wrong `token_use`, unknown pool.
    Invalid,
    Expired,
    Revoked,
}

/// The unverified payload (only to learn which pool's key to check the signature with).
fn peek_payload(token: &str) -> Option<Map<String, Value>> {
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    serde_json::from_slice(&B64URL.decode(payload).ok()?).ok()
}

/// Verifies a token of `token_use` (`"id"` or `"access"`): signature with the pool's key
/// for that use, `token_use`, expiry by the emulator's clock, and revocation of its family.
/// Returns the pool id and the claims.
pub async fn verify_token(
    ctx: &Ctx,
    token: &str,
    token_use: &str,
) -> Result<(String, Map<String, Value>), TokenErrorOr> {
    let (pool_id, claims) = check_token(ctx, token, token_use).await?;
    if let Some(origin) = claims.get("origin_jti").and_then(Value::as_str)
        && let Some(family) = ctx.store.find_token_family(origin).await?
        && family.revoked_at.is_some()
    {
        return Err(TokenError::Revoked.into());
    }
    Ok((pool_id, claims))
}

/// [`verify_token`] without the revocation check (the access-token check reads revocation
/// together with the user).
async fn check_token(
    ctx: &Ctx,
    token: &str,
    token_use: &str,
) -> Result<(String, Map<String, Value>), TokenErrorOr> {
    let payload = peek_payload(token).ok_or(TokenError::Invalid)?;
    let pool_id = payload
        .get("iss")
        .and_then(Value::as_str)
        .and_then(super::pool_id_of_issuer)
        .ok_or(TokenError::Invalid)?
        .to_string();
    let keys = ctx
        .store
        .pool_keys(&pool_id)
        .await?
        .ok_or(TokenError::Invalid)?;
    let key = if token_use == "id" {
        &keys.id
    } else {
        &keys.access
    };
    // The payload already parsed above is the one the signature covers.
    if !key.verify_jwt_signature(token) {
        return Err(TokenError::Invalid.into());
    }
    let claims = payload;
    if claims.get("token_use").and_then(Value::as_str) != Some(token_use) {
        return Err(TokenError::Invalid.into());
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(TokenError::Invalid)?;
    if ctx.clock.now_secs() >= exp {
        return Err(TokenError::Expired.into());
    }
    Ok((pool_id, claims))
}

/// The pool and username an access token names, read without verifying it (only used
/// after the signature was verified).
fn unverified_user(token: &str) -> Option<(String, String)> {
    use base64::Engine;
    let part = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .ok()?;
    let claims: Map<String, Value> = serde_json::from_slice(&bytes).ok()?;
    let iss = claims.get("iss")?.as_str()?;
    let pool_id = super::pool_id_of_issuer(iss)?.to_string();
    Some((pool_id, str_claim(&claims, "username")))
}

/// A refusal or a storage failure.
#[derive(Debug)]
pub enum TokenErrorOr {
    Token(TokenError),
    Api(ApiError),
}

impl From<TokenError> for TokenErrorOr {
    fn from(e: TokenError) -> Self {
        TokenErrorOr::Token(e)
    }
}

impl From<sqlx::Error> for TokenErrorOr {
    fn from(e: sqlx::Error) -> Self {
        TokenErrorOr::Api(e.into())
    }
}

fn str_claim(claims: &Map<String, Value>, name: &str) -> String {
    claims
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The check Cognito's self-service APIs make on an `AccessToken`, with Cognito's answers:
/// NotAuthorizedException "Invalid Access Token" / "Access Token has expired" /
/// "Access Token has been revoked"; a deleted user gives UserNotFoundException, a disabled one
/// NotAuthorizedException "User is disabled.".
pub async fn verify_access_token(ctx: &Ctx, token: &str) -> ApiResult<AccessClaims> {
    Ok(verify_access_token_user(ctx, token).await?.0)
}

/// [`verify_access_token`], also returning what it read about the user (None for a token
/// without a `username`, e.g. client_credentials).
pub async fn verify_access_token_user(
    ctx: &Ctx,
    token: &str,
) -> ApiResult<(AccessClaims, Option<TokenUser>)> {
    let (pool_id, claims) = match check_token(ctx, token, "access").await {
        Ok(v) => v,
        Err(TokenErrorOr::Api(e)) => return Err(e),
        Err(TokenErrorOr::Token(TokenError::Invalid)) => {
            return Err(ApiError::not_authorized("Invalid Access Token"));
        }
        Err(TokenErrorOr::Token(TokenError::Expired)) => {
            return Err(ApiError::not_authorized("Access Token has expired"));
        }
        Err(TokenErrorOr::Token(TokenError::Revoked)) => return Err(revoked(ctx, token).await),
    };
    let origin_jti = claims.get("origin_jti").and_then(Value::as_str);
    // The user must still be the one the token was issued to, and enabled. The user, the
    // revocation of the token's family and the MFA settings come in one query.
    let username = str_claim(&claims, "username");
    let token_user = if username.is_empty() {
        if let Some(origin) = origin_jti
            && let Some(family) = ctx.store.find_token_family(origin).await?
            && family.revoked_at.is_some()
        {
            return Err(revoked(ctx, token).await);
        }
        None
    } else {
        match ctx
            .store
            .get_token_user(&pool_id, &username, origin_jti)
            .await?
        {
            // Deleting a user also revokes their tokens; Cognito still answers that the
            // user does not exist.
            None => return Err(ApiError::user_not_found()),
            Some(t) if t.family_revoked => {
                return Err(ApiError::not_authorized("Access Token has been revoked"));
            }
            Some(t) if t.user.sub != str_claim(&claims, "sub") => {
                return Err(ApiError::user_not_found());
            }
            Some(t) if !t.user.enabled => {
                return Err(ApiError::not_authorized("User is disabled."));
            }
            Some(t) => Some(t),
        }
    };
    let int = |name: &str| claims.get(name).and_then(Value::as_i64).unwrap_or(0);
    let access = AccessClaims {
        pool_id,
        username: str_claim(&claims, "username"),
        sub: str_claim(&claims, "sub"),
        client_id: str_claim(&claims, "client_id"),
        scopes: str_claim(&claims, "scope")
            .split_whitespace()
            .map(String::from)
            .collect(),
        groups: claims
            .get("cognito:groups")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|g| g.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
        jti: str_claim(&claims, "jti"),
        origin_jti: str_claim(&claims, "origin_jti"),
        auth_time: int("auth_time"),
        iat: int("iat"),
        exp: int("exp"),
    };
    Ok((access, token_user))
}

/// The answer for a token of a revoked family: deleting a user also revokes their tokens;
/// Cognito still answers that the user does not exist.
async fn revoked(ctx: &Ctx, token: &str) -> ApiError {
    if let Some((pool_id, username)) = unverified_user(token) {
        match ctx.store.get_user(&pool_id, &username).await {
            Ok(None) => return ApiError::user_not_found(),
            Err(e) => return e.into(),
            Ok(Some(_)) => {}
        }
    }
    ApiError::not_authorized("Access Token has been revoked")
}

/// Checks an ID token (identity pools' GetId, OAuth). Returns the pool id and claims, or why
/// it was refused; the caller words the error as its service does.
pub async fn verify_id_token(
    ctx: &Ctx,
    token: &str,
) -> ApiResult<Result<(String, Map<String, Value>), TokenError>> {
    match verify_token(ctx, token, "id").await {
        Ok(v) => Ok(Ok(v)),
        Err(TokenErrorOr::Api(e)) => Err(e),
        Err(TokenErrorOr::Token(t)) => Ok(Err(t)),
    }
}

/// A token's payload WITHOUT verifying it (tests and diagnostics only).
pub fn peek(token: &str) -> Value {
    peek_payload(token).map_or(Value::Null, Value::Object)
}
