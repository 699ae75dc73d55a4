//! GetClientToken: a machine-to-machine access token through the API, the same token the
//! `/oauth2/token` client-credentials grant issues (`oauth::token::client_credentials`).
//!
//! AWS (API reference): the client needs a secret and the ALLOW_CLIENT_TOKEN_AUTH flow; that
//! flow is not in the service model this emulator is generated from (ExplicitAuthFlowsType
//! lacks it), so a client qualifies here the way it does for the grant: a secret and
//! `client_credentials` in AllowedOAuthFlows. Without Scopes the client's custom scopes are
//! granted.

use super::client_secrets::{is_current_secret, rotated_secrets};
use super::clients::load_client;
use super::shapes::*;
use crate::oauth::token::{AuthedClient, client_credentials};
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};

pub async fn get_client_token(
    ctx: Ctx,
    input: GetClientTokenRequest,
) -> ApiResult<GetClientTokenResponse> {
    let (pool_id, client) = load_client(&ctx, &input.client_id).await?;
    let rotated = rotated_secrets(&ctx, &input.client_id, &client).await?;
    if client.client_secret.is_none() || !is_current_secret(&client, &rotated, &input.secret) {
        return Err(ApiError::not_authorized(format!(
            "Unable to verify secret for client {}",
            input.client_id
        )));
    }
    let authed = AuthedClient {
        pool_id,
        client_id: input.client_id.clone(),
        client,
    };
    let scope = input.scopes.map(|s| s.join(" "));
    let token = client_credentials(&ctx, &authed, scope.as_deref())
        .await
        .map_err(|e| match e.error {
            "unauthorized_client" => ApiError::not_authorized(format!(
                "Client {} is not allowed the client credentials flow.",
                input.client_id
            )),
            "invalid_scope" => ApiError::invalid_parameter("Invalid scope requested."),
            _ => ApiError::internal(e.error),
        })?;
    Ok(GetClientTokenResponse {
        client_authentication_result: Some(ClientAuthenticationResultType {
            access_token: token["access_token"].as_str().map(String::from),
            expires_in: token["expires_in"]
                .as_i64()
                .and_then(|v| i32::try_from(v).ok()),
            token_type: token["token_type"].as_str().map(String::from),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{client_with, ctx, kind, pool};

    #[tokio::test]
    async fn a_client_credentials_token_through_the_api() {
        let ctx = ctx().await;
        let p = pool(&ctx, |_| {}).await;
        let pool_id = p.id.clone().unwrap();
        crate::idp::resource_servers::create_resource_server(
            ctx.clone(),
            CreateResourceServerRequest {
                user_pool_id: pool_id.clone(),
                identifier: "api".into(),
                name: "API".into(),
                scopes: Some(vec![ResourceServerScopeType {
                    scope_name: "read".into(),
                    scope_description: "read".into(),
                }]),
            },
        )
        .await
        .unwrap();
        let c = client_with(&ctx, &p, |c| {
            c.client_secret = Some(crate::ids::client_secret());
            c.allowed_o_auth_flows = Some(vec!["client_credentials".into()]);
            c.allowed_o_auth_scopes = Some(vec!["api/read".into()]);
            c.allowed_o_auth_flows_user_pool_client = Some(true);
        })
        .await;
        let request = |secret: &str, scopes: Option<Vec<String>>| GetClientTokenRequest {
            client_id: c.client_id.clone().unwrap(),
            secret: secret.into(),
            scopes,
            client_metadata: None,
        };
        let r = get_client_token(ctx.clone(), request(&"x".repeat(30), None)).await;
        assert_eq!(kind(r), "NotAuthorizedException");
        let secret = c.client_secret.clone().unwrap();
        let r = get_client_token(
            ctx.clone(),
            request(&secret, Some(vec!["api/write".into()])),
        )
        .await;
        assert_eq!(kind(r), "InvalidParameterException");
        let result = get_client_token(ctx.clone(), request(&secret, None))
            .await
            .unwrap()
            .client_authentication_result
            .unwrap();
        assert_eq!(result.token_type.as_deref(), Some("Bearer"));
        assert_eq!(result.expires_in, Some(3600));
        let token = result.access_token.unwrap();
        let keys = ctx.store.pool_keys(&pool_id).await.unwrap().unwrap();
        let claims = keys.access.verify_jwt(&token).unwrap();
        assert_eq!(claims["scope"], "api/read");
        assert_eq!(claims["sub"], c.client_id.clone().unwrap());
    }
}
