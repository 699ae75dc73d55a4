//! POST /oauth2/revoke: revokes a refresh token (and the tokens issued with it), after
//! authenticating the client as /oauth2/token does. An unknown token is not an error
//! (RFC 7009); the response is an empty 200.

use super::site::Site;
use super::token::{OAuthError, authenticate_client};
use crate::state::AppState;
use axum::Form;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct RevokeForm {
    pub token: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

pub async fn revoke(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(form): Form<RevokeForm>,
) -> Response {
    let site = Site::of(app, &headers, &uri).await;
    match revoke_inner(&site, &headers, form).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn revoke_inner(
    site: &Site,
    headers: &HeaderMap,
    form: RevokeForm,
) -> Result<(), OAuthError> {
    let token = form
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::new("invalid_request", "token is required."))?;
    let client = authenticate_client(
        site,
        headers,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )
    .await?;
    if client.client.enable_token_revocation == Some(false) {
        return Err(OAuthError::new(
            "unsupported_token_type",
            "Token revocation is not enabled for this client.",
        ));
    }
    // Access and ID tokens are JWTs (three parts); only refresh tokens can be revoked here.
    if token.split('.').count() == 3 {
        return Err(OAuthError::bare("unsupported_token_type"));
    }
    let hash = crate::crypto::hex::sha256_hex(&token);
    if let Some(row) = site.ctx.store.find_refresh_token(&hash).await? {
        if row.family.client_id != client.client_id {
            return Err(OAuthError::bare("invalid_request"));
        }
        site.ctx
            .store
            .revoke_token_family(&row.family.origin_jti, site.ctx.clock.now_epoch())
            .await?;
    }
    Ok(())
}
