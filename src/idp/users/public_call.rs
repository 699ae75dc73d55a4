//! The client of a public (unauthenticated) call: it must exist, and when it has a secret
//! the call must carry the matching SECRET_HASH for the user it names.

use crate::crypto::secret_hash;
use crate::idp::shapes::*;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};

/// The client and pool of a public call, with the SECRET_HASH checked for `username`.
pub async fn public_call(
    ctx: &Ctx,
    client_id: &str,
    username: &str,
    secret_hash: Option<&str>,
) -> ApiResult<(UserPoolType, UserPoolClientType)> {
    let (pool_id, client) = crate::idp::clients::load_client(ctx, client_id).await?;
    let rotated = crate::idp::client_secrets::rotated_secrets(ctx, client_id, &client).await?;
    check_secret_hash(client_id, &client, &rotated, username, secret_hash)?;
    let pool = crate::idp::user_pools::load_pool(ctx, &pool_id).await?;
    Ok((pool, client))
}

/// When the client has a secret, `given` must be SECRET_HASH for `username` computed with
/// any of its current secrets (`rotated`: those besides the document's, see
/// `idp::client_secrets`).
pub fn check_secret_hash(
    client_id: &str,
    client: &UserPoolClientType,
    rotated: &[String],
    username: &str,
    given: Option<&str>,
) -> ApiResult<()> {
    let Some(secret) = client.client_secret.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(());
    };
    let Some(given) = given else {
        return Err(ApiError::not_authorized(format!(
            "Client {client_id} is configured with secret but SECRET_HASH was not received"
        )));
    };
    let mut secrets = std::iter::once(secret).chain(rotated.iter().map(String::as_str));
    if secrets.any(|s| secret_hash::verify(s, username, client_id, given)) {
        Ok(())
    } else {
        Err(ApiError::not_authorized(format!(
            "Unable to verify secret hash for client {client_id}"
        )))
    }
}

/// True when the client hides whether users exist (PreventUserExistenceErrors ENABLED).
pub fn prevents_user_existence_errors(client: &UserPoolClientType) -> bool {
    client.prevent_user_existence_errors.as_deref() == Some("ENABLED")
}
