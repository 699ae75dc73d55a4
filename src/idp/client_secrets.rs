//! Client secret rotation: AddUserPoolClientSecret, ListUserPoolClientSecrets,
//! DeleteUserPoolClientSecret, and the list of secrets SECRET_HASH, GetTokensFromRefreshToken,
//! RevokeToken and `/oauth2/token` accept.
//!
//! AWS (API reference, AddUserPoolClientSecret): up to 2 active secrets per confidential client;
//! ids are `<client-id>--<epoch-create-time>`; the value is returned only when Cognito generated
//! it, and never by the listing; the last secret cannot be deleted. The client document keeps
//! `ClientSecret` = the oldest current secret, so DescribeUserPoolClient and the hosted pages
//! keep working from the document alone.

use super::clients::load_pool_client;
use super::shapes::*;
use super::user_pools::load_pool;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::store::client_secrets::{ClientSecret, SecretChange};

/// "Supports up to 2 active secrets per app client" (AddUserPoolClientSecret).
const MAX_SECRETS: i64 = 2;

/// `<client-id>--<epoch seconds>`, as the ClientSecretDescriptorType reference gives it.
fn secret_id(client_id: &str, created: f64) -> String {
    format!("{client_id}--{}", created.floor() as i64)
}

/// The client's one secret before any rotation, as a row.
fn original(client_id: &str, client: &UserPoolClientType, secret: &str) -> ClientSecret {
    let created = client.creation_date.unwrap_or_default();
    ClientSecret {
        id: secret_id(client_id, created),
        secret: secret.to_string(),
        created,
    }
}

/// The secrets a request may present besides the document's `ClientSecret` (empty unless
/// the client rotated). One indexed read, and only for clients that have a secret.
pub async fn rotated_secrets(
    ctx: &Ctx,
    client_id: &str,
    client: &UserPoolClientType,
) -> Result<Vec<String>, sqlx::Error> {
    let Some(main) = client.client_secret.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(Vec::new());
    };
    Ok(ctx
        .store
        .client_secrets(client_id)
        .await?
        .into_iter()
        .map(|s| s.secret)
        .filter(|s| s != main)
        .collect())
}

/// True when `given` is one of the client's current secrets.
pub fn is_current_secret(client: &UserPoolClientType, rotated: &[String], given: &str) -> bool {
    client.client_secret.as_deref() == Some(given) || rotated.iter().any(|s| s == given)
}

async fn confidential_client(
    ctx: &Ctx,
    pool_id: &str,
    client_id: &str,
) -> ApiResult<(UserPoolClientType, String)> {
    load_pool(ctx, pool_id).await?;
    let client = load_pool_client(ctx, pool_id, client_id).await?;
    match client.client_secret.clone().filter(|s| !s.is_empty()) {
        Some(secret) => Ok((client, secret)),
        None => Err(ApiError::invalid_parameter(format!(
            "Client {client_id} does not have a client secret."
        ))),
    }
}

pub async fn add_user_pool_client_secret(
    ctx: Ctx,
    input: AddUserPoolClientSecretRequest,
) -> ApiResult<AddUserPoolClientSecretResponse> {
    let (client, main) = confidential_client(&ctx, &input.user_pool_id, &input.client_id).await?;
    let first = original(&input.client_id, &client, &main);
    let existing = ctx.store.client_secrets(&input.client_id).await?;
    let taken: Vec<&str> = existing
        .iter()
        .map(|s| s.id.as_str())
        .chain([first.id.as_str()])
        .collect();
    let created = ctx.clock.now_epoch();
    // Ids carry whole seconds: a second secret within the same second takes the next one.
    let mut second = created.floor() as i64;
    while taken.contains(&format!("{}--{second}", input.client_id).as_str()) {
        second += 1;
    }
    let generated = input.client_secret.is_none();
    let new = ClientSecret {
        id: format!("{}--{second}", input.client_id),
        secret: input
            .client_secret
            .unwrap_or_else(crate::ids::client_secret),
        created,
    };
    match ctx
        .store
        .add_client_secret(&input.client_id, &first, &new, MAX_SECRETS)
        .await?
    {
        SecretChange::Done => {}
        _ => {
            return Err(ApiError::new(
                ErrorKind::LimitExceededException,
                format!(
                    "Client {} already has the maximum of {MAX_SECRETS} client secrets.",
                    input.client_id
                ),
            ));
        }
    }
    Ok(AddUserPoolClientSecretResponse {
        client_secret_descriptor: Some(ClientSecretDescriptorType {
            client_secret_id: Some(new.id),
            client_secret_value: generated.then_some(new.secret),
            client_secret_create_date: Some(created),
        }),
    })
}

pub async fn list_user_pool_client_secrets(
    ctx: Ctx,
    input: ListUserPoolClientSecretsRequest,
) -> ApiResult<ListUserPoolClientSecretsResponse> {
    let (client, main) = confidential_client(&ctx, &input.user_pool_id, &input.client_id).await?;
    let mut secrets = ctx.store.client_secrets(&input.client_id).await?;
    if secrets.is_empty() {
        secrets.push(original(&input.client_id, &client, &main));
    }
    // Never the values: "the response never reveals the actual secret value".
    Ok(ListUserPoolClientSecretsResponse {
        client_secrets: Some(
            secrets
                .into_iter()
                .map(|s| ClientSecretDescriptorType {
                    client_secret_id: Some(s.id),
                    client_secret_value: None,
                    client_secret_create_date: Some(s.created),
                })
                .collect(),
        ),
        next_token: None,
    })
}

pub async fn delete_user_pool_client_secret(
    ctx: Ctx,
    input: DeleteUserPoolClientSecretRequest,
) -> ApiResult<DeleteUserPoolClientSecretResponse> {
    let (mut client, main) =
        confidential_client(&ctx, &input.user_pool_id, &input.client_id).await?;
    let first = original(&input.client_id, &client, &main);
    match ctx
        .store
        .delete_client_secret(&input.client_id, &first, &input.client_secret_id)
        .await?
    {
        SecretChange::Done => {}
        SecretChange::NotFound => {
            return Err(ApiError::resource_not_found(format!(
                "Client secret {} does not exist for client {}.",
                input.client_secret_id, input.client_id
            )));
        }
        SecretChange::Last | SecretChange::Full => {
            return Err(ApiError::invalid_parameter(
                "The last client secret of an app client cannot be deleted.",
            ));
        }
    }
    // The document follows the oldest secret left, so a deleted secret stops working there too.
    let left = ctx.store.client_secrets(&input.client_id).await?;
    if let Some(oldest) = left.first()
        && client.client_secret.as_deref() != Some(oldest.secret.as_str())
    {
        client.client_secret = Some(oldest.secret.clone());
        let name = client.client_name.clone().unwrap_or_default();
        ctx.store
            .update_client(&input.client_id, &name, &client)
            .await?;
    }
    Ok(DeleteUserPoolClientSecretResponse {})
}

#[cfg(test)]
mod tests;
