//! Refresh-token sign-ins: REFRESH_TOKEN(_AUTH) through InitiateAuth / AdminInitiateAuth,
//! and GetTokensFromRefreshToken. Both redeem through `tokens::refresh::renew`.

use super::*;

/// Checks SECRET_HASH for a refresh: Cognito computes it with the user's internal username
/// (the sub in email/phone-username pools); the USERNAME a client passes is accepted too.
fn check_refresh_secret_hash(
    call: &Call,
    family_username: &str,
    params: &BTreeMap<String, String>,
) -> ApiResult<()> {
    let given = params.get("SECRET_HASH").map(String::as_str);
    let first = check_secret_hash(
        &call.client_id,
        &call.client,
        &call.rotated_secrets,
        family_username,
        given,
    );
    match (first, params.get("USERNAME")) {
        (Ok(()), _) => Ok(()),
        (Err(e), Some(named)) => check_secret_hash(
            &call.client_id,
            &call.client,
            &call.rotated_secrets,
            named,
            given,
        )
        .map_err(|_| e),
        (Err(e), None) => Err(e),
    }
}

pub(super) async fn refresh_sign_in(
    ctx: &Ctx,
    call: &Call,
    params: &BTreeMap<String, String>,
) -> ApiResult<Outcome> {
    let token = param(params, "REFRESH_TOKEN")?;
    let renewed = refresh::renew(
        ctx,
        &call.pool_id,
        &call.client,
        token,
        refresh::Entry::InitiateAuth,
        call.client_metadata.clone(),
        |family| check_refresh_secret_hash(call, &family.username, params),
    )
    .await?;
    Ok(Outcome {
        authentication_result: Some(renewed.result),
        ..Default::default()
    })
}

/// GetTokensFromRefreshToken: new ID and access tokens, and a new refresh token when the
/// client rotates them.
pub async fn get_tokens_from_refresh_token(
    ctx: Ctx,
    input: GetTokensFromRefreshTokenRequest,
) -> ApiResult<GetTokensFromRefreshTokenResponse> {
    let call = Call::load(&ctx, None, &input.client_id).await?;
    if call
        .client
        .client_secret
        .as_deref()
        .is_some_and(|s| !s.is_empty())
    {
        match input.client_secret.as_deref() {
            None => {
                return Err(ApiError::not_authorized(format!(
                    "Client {} is configured with secret but ClientSecret was not received",
                    call.client_id
                )));
            }
            Some(given)
                if !crate::idp::client_secrets::is_current_secret(
                    &call.client,
                    &call.rotated_secrets,
                    given,
                ) =>
            {
                return Err(ApiError::not_authorized(format!(
                    "Unable to verify secret for client {}",
                    call.client_id
                )));
            }
            Some(_) => {}
        }
    }
    let renewed = refresh::renew(
        &ctx,
        &call.pool_id,
        &call.client,
        &input.refresh_token,
        refresh::Entry::GetTokens,
        input.client_metadata.unwrap_or_default(),
        |_| Ok(()),
    )
    .await?;
    Ok(GetTokensFromRefreshTokenResponse {
        authentication_result: Some(renewed.result),
    })
}
