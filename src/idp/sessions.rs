//! Session management: Get/SetUserPoolSessionConfiguration,
//! Get/SetUserPoolClientSessionConfiguration, (Admin)ListUserSessions and
//! (Admin)RevokeUserSession.
//!
//! A token session is one of the sign-ins we already keep (`token_families`): listed while it
//! is unrevoked and holds a live refresh token; revoking it revokes its refresh and access
//! tokens as RevokeToken does. Its SessionId is derived from the family's `origin_jti`, so
//! nothing new is stored per sign-in. The hosted pages keep no SSO session record, so only
//! TOKEN sessions exist here (and RevokeAssociatedSessions LINKED has nothing more to revoke).
//!
//! A sign-in evicts the user's least recently used session when they hold MaxPerUser
//! (`make_room`, through `sign_in_effects`).
//!
//! AWS (API reference): tracking is opt-in per pool, DISABLED with MaxPerUser 20 until set;
//! the client SSO session validity defaults to 60 minutes and can be set only while tracking
//! is on; both Set actions need the Essentials or Plus tier.

use super::clients::load_pool_client;
use super::shapes::*;
use super::user_pools::load_pool;
use super::users::lookup::require_user;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::store::pool_settings::POOL_WIDE;
use crate::store::tokens::LiveSession;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const POOL_KIND: &str = "session_configuration";
const CLIENT_KIND: &str = "client_session_configuration";

/// The pool-wide settings as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PoolSessionConfig {
    tracking: String,
    max_per_user: i32,
}

impl Default for PoolSessionConfig {
    fn default() -> Self {
        PoolSessionConfig {
            tracking: "DISABLED".into(),
            max_per_user: 20,
        }
    }
}

async fn pool_config(ctx: &Ctx, pool_id: &str) -> ApiResult<PoolSessionConfig> {
    Ok(ctx
        .store
        .get_setting(pool_id, POOL_KIND, POOL_WIDE)
        .await?
        .unwrap_or_default())
}

fn check_tier(pool: &UserPoolType) -> ApiResult<()> {
    if pool.user_pool_tier.as_deref() == Some("LITE") {
        return Err(ApiError::new(
            ErrorKind::FeatureUnavailableInTierException,
            "Session management requires the Essentials or Plus feature plan.",
        ));
    }
    Ok(())
}

pub async fn get_user_pool_session_configuration(
    ctx: Ctx,
    input: GetUserPoolSessionConfigurationRequest,
) -> ApiResult<GetUserPoolSessionConfigurationResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let c = pool_config(&ctx, &input.user_pool_id).await?;
    Ok(GetUserPoolSessionConfigurationResponse {
        user_pool_id: Some(input.user_pool_id),
        user_session_tracking: Some(c.tracking),
        token_session: Some(UserPoolTokenSessionConfigType {
            max_per_user: c.max_per_user,
        }),
    })
}

pub async fn set_user_pool_session_configuration(
    ctx: Ctx,
    input: SetUserPoolSessionConfigurationRequest,
) -> ApiResult<SetUserPoolSessionConfigurationResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    check_tier(&pool)?;
    let c = PoolSessionConfig {
        tracking: input.user_session_tracking,
        max_per_user: input.token_session.max_per_user,
    };
    ctx.store
        .put_setting(
            &input.user_pool_id,
            POOL_KIND,
            POOL_WIDE,
            ctx.clock.now_epoch(),
            &c,
        )
        .await?;
    Ok(SetUserPoolSessionConfigurationResponse {
        user_pool_id: Some(input.user_pool_id),
        user_session_tracking: Some(c.tracking),
        token_session: Some(input.token_session),
    })
}

pub async fn get_user_pool_client_session_configuration(
    ctx: Ctx,
    input: GetUserPoolClientSessionConfigurationRequest,
) -> ApiResult<GetUserPoolClientSessionConfigurationResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    load_pool_client(&ctx, &input.user_pool_id, &input.client_id).await?;
    let sso = ctx
        .store
        .get_setting(&input.user_pool_id, CLIENT_KIND, &input.client_id)
        .await?
        .unwrap_or(ClientSSOSessionConfigType {
            max_validity_minutes: 60,
        });
    Ok(GetUserPoolClientSessionConfigurationResponse {
        user_pool_id: Some(input.user_pool_id),
        client_id: Some(input.client_id),
        sso_session: Some(sso),
    })
}

pub async fn set_user_pool_client_session_configuration(
    ctx: Ctx,
    input: SetUserPoolClientSessionConfigurationRequest,
) -> ApiResult<SetUserPoolClientSessionConfigurationResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    load_pool_client(&ctx, &input.user_pool_id, &input.client_id).await?;
    check_tier(&pool)?;
    if pool_config(&ctx, &input.user_pool_id).await?.tracking != "ENABLED" {
        return Err(ApiError::invalid_parameter(
            "Session tracking must be enabled for the user pool.",
        ));
    }
    ctx.store
        .put_setting(
            &input.user_pool_id,
            CLIENT_KIND,
            &input.client_id,
            ctx.clock.now_epoch(),
            &input.sso_session,
        )
        .await?;
    Ok(SetUserPoolClientSessionConfigurationResponse {
        user_pool_id: Some(input.user_pool_id),
        client_id: Some(input.client_id),
        sso_session: Some(input.sso_session),
    })
}

/// `tkn` and 25 lowercase alphanumerics (the model's SessionIdType) from the sign-in's
/// origin_jti: stable for the sign-in, and no second id to store.
pub fn session_id(origin_jti: &str) -> String {
    const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let digest = Sha256::digest(origin_jti.as_bytes());
    let mut id = String::from("tkn");
    id.extend(
        digest
            .iter()
            .take(25)
            .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char),
    );
    id
}

/// The user's sessions; none while the pool does not track sessions (AWS keeps no
/// server-side session records then).
async fn sessions_of(ctx: &Ctx, pool_id: &str, username: &str) -> ApiResult<Vec<LiveSession>> {
    if pool_config(ctx, pool_id).await?.tracking != "ENABLED" {
        return Ok(Vec::new());
    }
    Ok(ctx
        .store
        .live_sessions(pool_id, username, ctx.clock.now_secs())
        .await?)
}

/// MaxPerUser: "the next successful authentication automatically evicts that user's least
/// recently used token session before it creates the new session" (UserPoolTokenSessionConfigType).
/// Nothing while the pool does not track sessions.
pub async fn make_room(ctx: &Ctx, pool_id: &str, username: &str) -> ApiResult<()> {
    let config = pool_config(ctx, pool_id).await?;
    if config.tracking != "ENABLED" {
        return Ok(());
    }
    let mut sessions = ctx
        .store
        .live_sessions(pool_id, username, ctx.clock.now_secs())
        .await?;
    let max = usize::try_from(config.max_per_user.max(1)).unwrap_or(1);
    if sessions.len() < max {
        return Ok(());
    }
    sessions.sort_by(|a, b| a.last_active.total_cmp(&b.last_active));
    let now = ctx.clock.now_epoch();
    for s in &sessions[..=sessions.len() - max] {
        ctx.store.revoke_token_family(&s.origin_jti, now).await?;
    }
    Ok(())
}

fn describe(s: &LiveSession, current: Option<&str>) -> SessionDescriptionType {
    SessionDescriptionType {
        session_id: Some(session_id(&s.origin_jti)),
        session_type: Some("TOKEN".into()),
        client_id: Some(s.client_id.clone()),
        create_date: Some(s.created),
        last_active_date: Some(s.last_active),
        is_current_session: current.map(|c| c == s.origin_jti),
        ..Default::default()
    }
}

/// Cognito pages sessions; a user holds at most 100 token sessions (MaxPerUser), which
/// fits the list's 125, so one page answers everything.
fn listing(sessions: &[LiveSession], current: Option<&str>) -> Vec<SessionDescriptionType> {
    sessions.iter().map(|s| describe(s, current)).collect()
}

async fn revoke(ctx: &Ctx, sessions: &[LiveSession], id: &str) -> ApiResult<String> {
    let found = sessions
        .iter()
        .find(|s| session_id(&s.origin_jti) == id)
        .ok_or_else(|| ApiError::resource_not_found(format!("Session {id} does not exist.")))?;
    ctx.store
        .revoke_token_family(&found.origin_jti, ctx.clock.now_epoch())
        .await?;
    Ok(found.origin_jti.clone())
}

pub async fn list_user_sessions(
    ctx: Ctx,
    input: ListUserSessionsRequest,
) -> ApiResult<ListUserSessionsResponse> {
    let (claims, _, user) = super::self_service::signed_in(&ctx, &input.access_token).await?;
    let sessions = sessions_of(&ctx, &claims.pool_id, &user.username).await?;
    Ok(ListUserSessionsResponse {
        sessions: Some(listing(&sessions, Some(&claims.origin_jti))),
        next_token: None,
    })
}

pub async fn admin_list_user_sessions(
    ctx: Ctx,
    input: AdminListUserSessionsRequest,
) -> ApiResult<AdminListUserSessionsResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let user = require_user(&ctx, &pool, &input.username).await?;
    let sessions = sessions_of(&ctx, &input.user_pool_id, &user.username).await?;
    Ok(AdminListUserSessionsResponse {
        sessions: Some(listing(&sessions, None)),
        next_token: None,
    })
}

pub async fn revoke_user_session(
    ctx: Ctx,
    input: RevokeUserSessionRequest,
) -> ApiResult<RevokeUserSessionResponse> {
    let (claims, _, user) = super::self_service::signed_in(&ctx, &input.access_token).await?;
    // "You can't revoke the session that the calling access token belongs to."
    if session_id(&claims.origin_jti) == input.session_id {
        return Err(ApiError::invalid_parameter(
            "The current session cannot be revoked with its own access token.",
        ));
    }
    let sessions = sessions_of(&ctx, &claims.pool_id, &user.username).await?;
    revoke(&ctx, &sessions, &input.session_id).await?;
    Ok(RevokeUserSessionResponse {})
}

pub async fn admin_revoke_user_session(
    ctx: Ctx,
    input: AdminRevokeUserSessionRequest,
) -> ApiResult<AdminRevokeUserSessionResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let user = require_user(&ctx, &pool, &input.username).await?;
    let sessions = sessions_of(&ctx, &input.user_pool_id, &user.username).await?;
    revoke(&ctx, &sessions, &input.session_id).await?;
    Ok(AdminRevokeUserSessionResponse {})
}

#[cfg(test)]
mod tests;
