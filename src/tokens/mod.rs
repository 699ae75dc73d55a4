//! Issuing and verifying Cognito's tokens: RS256 ID and access tokens with Cognito's claim
//! sets (signed with the pool's two keys), opaque refresh tokens backed by a stored family,
//! and the shared access-token check Cognito's self-service APIs run.

pub mod claims;
pub mod customize;
pub mod refresh;
pub mod subject;
pub mod validity;
pub mod verify;

pub use claims::{GroupClaim, TokenSubject};
pub use subject::subject_of;
pub use verify::{AccessClaims, verify_access_token, verify_id_token};

use crate::config::IssuerStyle;
use crate::crypto::keys::SigningKey;
use crate::protocol::ctx::Ctx;
use crate::protocol::generated::idp::{AuthenticationResultType, UserPoolClientType, UserPoolType};
use crate::protocol::{ApiError, ApiResult};
use crate::store::tokens::TokenFamily;
use std::collections::BTreeMap;

/// The scope of tokens the user-pool API issues (self-service calls require it).
pub const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// The `iss` of a pool's tokens: the emulator's own URL as the client reached it (so
/// discovery works, on any host and port), or the AWS form when configured.
pub fn issuer(ctx: &Ctx, pool_id: &str) -> String {
    match ctx.config.issuer_style {
        IssuerStyle::Local => format!("{}/{pool_id}", ctx.base_url.trim_end_matches('/')),
        IssuerStyle::Aws => {
            let region = pool_id
                .split_once('_')
                .map(|(r, _)| r)
                .unwrap_or(&ctx.region);
            format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}")
        }
    }
}

/// The pool id an issuer names (its last path segment), whatever host issued it.
pub fn pool_id_of_issuer(iss: &str) -> Option<&str> {
    let id = iss.trim_end_matches('/').rsplit('/').next()?;
    let (region, suffix) = id.split_once('_')?;
    (!region.is_empty() && !suffix.is_empty()).then_some(id)
}

/// What to issue besides the ID and access tokens.
#[derive(Debug, Clone)]
pub enum RefreshMode {
    /// A new sign-in: a new family (origin_jti, auth_time) and its first refresh token.
    NewSignIn,
    /// Like `NewSignIn` for a sign-in that happened earlier, at this epoch second (the hosted
    /// UI: tokens from a code exchange carry the time the user signed in, not the exchange).
    SignedInAt(i64),
    /// A refresh within an existing family: no new refresh token.
    Keep(TokenFamily),
    /// A refresh with rotation: a new refresh token replaces `old_sha256`.
    Rotate {
        family: TokenFamily,
        old_sha256: String,
    },
}

/// Options the OAuth endpoints vary; the user-pool API uses `Grant::api()`.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The access token's `scope` (space-separated).
    pub scope: String,
    /// Echoed into the ID token when the authorize request had one.
    pub nonce: Option<String>,
    /// The PreTokenGeneration trigger's `triggerSource` for this issuance.
    pub source: &'static str,
    /// ClientMetadata of the call, passed to the PreTokenGeneration trigger.
    pub client_metadata: BTreeMap<String, String>,
    /// The tracked device the user signed in from (the access token's `device_key`).
    pub device_key: Option<String>,
}

impl Grant {
    /// A sign-in through the user-pool API.
    pub fn api() -> Self {
        Grant::new(ADMIN_SCOPE.into(), None, "TokenGeneration_Authentication")
    }

    pub fn new(scope: String, nonce: Option<String>, source: &'static str) -> Self {
        Grant {
            scope,
            nonce,
            source,
            client_metadata: BTreeMap::new(),
            device_key: None,
        }
    }
}

fn sign(claims: &serde_json::Value, key: &SigningKey) -> ApiResult<String> {
    key.sign_jwt(claims).map_err(ApiError::internal)
}

/// Issues ID and access tokens (and a refresh token as `mode` says) for `subject` signed in
/// through `client` of `pool_id`.
pub async fn issue(
    ctx: &Ctx,
    pool_id: &str,
    client: &UserPoolClientType,
    subject: &TokenSubject,
    grant: &Grant,
    mode: RefreshMode,
) -> ApiResult<AuthenticationResultType> {
    let keys = ctx.store.pool_keys(pool_id).await?.ok_or_else(|| {
        ApiError::resource_not_found(format!("User pool {pool_id} does not exist."))
    })?;
    let client_id = client.client_id.clone().unwrap_or_default();
    let validity = validity::token_validity(client);
    let now = ctx.clock.now_secs();
    let now_epoch = ctx.clock.now_epoch();

    let auth_time = match mode {
        RefreshMode::SignedInAt(t) => t,
        _ => now,
    };
    let (family, refresh_token) = match mode {
        RefreshMode::NewSignIn | RefreshMode::SignedInAt(_) => {
            let family = TokenFamily {
                origin_jti: crate::ids::uuid(),
                pool_id: pool_id.to_string(),
                client_id: client_id.clone(),
                username: subject.username.clone(),
                sub: subject.sub.clone(),
                auth_time,
                revoked_at: None,
                device_key: grant.device_key.clone(),
            };
            let token = refresh::new_refresh_token();
            ctx.store
                .start_token_family(
                    &family,
                    &crate::crypto::hex::sha256_hex(&token),
                    now_epoch,
                    now + validity.refresh_secs,
                )
                .await?;
            (family, Some(token))
        }
        RefreshMode::Keep(family) => (family, None),
        RefreshMode::Rotate { family, old_sha256 } => {
            let token = refresh::new_refresh_token();
            ctx.store
                .rotate_refresh_token(
                    &old_sha256,
                    &crate::crypto::hex::sha256_hex(&token),
                    &family.origin_jti,
                    now_epoch,
                    now + validity.refresh_secs,
                )
                .await?;
            (family, Some(token))
        }
    };

    let iss = issuer(ctx, pool_id);
    let event_id = crate::ids::uuid();
    let common = claims::Common {
        iss: &iss,
        iat: now,
        auth_time: family.auth_time,
        origin_jti: &family.origin_jti,
        event_id: &event_id,
    };
    let mut id_claims = claims::id_token_claims(
        &common,
        subject,
        &client_id,
        client.read_attributes.as_deref(),
        now + validity.id_secs,
        grant.nonce.as_deref(),
    );
    let mut access_claims = claims::access_token_claims(
        &common,
        subject,
        &client_id,
        &grant.scope,
        family.device_key.as_deref(),
        now + validity.access_secs,
    );
    if let Some(pool) = ctx.store.get_pool::<UserPoolType>(pool_id).await? {
        customize::pre_token_generation(
            ctx,
            &pool,
            subject,
            &customize::Context {
                source: grant.source,
                client_id: &client_id,
                client_metadata: &grant.client_metadata,
            },
            &mut id_claims,
            &mut access_claims,
        )
        .await?;
    }
    // Both signatures in one job off the async workers (see crate::cpu).
    let (id_token, access_token) = crate::cpu::run(move || {
        Ok::<_, ApiError>((
            sign(&id_claims, &keys.id)?,
            sign(&access_claims, &keys.access)?,
        ))
    })
    .await??;
    Ok(AuthenticationResultType {
        access_token: Some(access_token),
        expires_in: Some(validity.access_secs as i32),
        token_type: Some("Bearer".into()),
        refresh_token,
        id_token: Some(id_token),
        new_device_metadata: None,
    })
}

#[cfg(test)]
pub(crate) mod tests;
