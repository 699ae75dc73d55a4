//! The identity service's OpenID tokens (GetOpenIdToken, GetOpenIdTokenForDeveloperIdentity):
//! RS256, signed with one key pair for the identity service, generated on first use and
//! stored, published at `/_identity/.well-known/jwks.json` (discovery at
//! `/_identity/.well-known/openid-configuration`).

use crate::config::IssuerStyle;
use crate::crypto::keys::{self, SigningKey};
use crate::protocol::ctx::{Ctx, base_url};
use crate::protocol::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::{Map, Value};

/// Where the identity service's JWKS and discovery live, under the emulator's URL.
pub const PATH: &str = "/_identity";

/// The `iss` of identity tokens: `<emulator>/_identity` (discovery works), or AWS's
/// `https://cognito-identity.amazonaws.com` when the AWS issuer style is configured.
pub fn issuer_for(style: IssuerStyle, base_url: &str) -> String {
    match style {
        IssuerStyle::Local => format!("{}{PATH}", base_url.trim_end_matches('/')),
        IssuerStyle::Aws => "https://cognito-identity.amazonaws.com".to_string(),
    }
}

pub fn issuer(ctx: &Ctx) -> String {
    issuer_for(ctx.config.issuer_style, &ctx.base_url)
}

/// The service's key, generated and stored on first use.
pub async fn signing_key(app: &AppState) -> ApiResult<SigningKey> {
    let (kid, der) = match app.store.identity_signing_key().await? {
        Some(k) => k,
        None => {
            let generated = tokio::task::spawn_blocking(keys::generate)
                .await
                .map_err(ApiError::internal)?
                .map_err(ApiError::internal)?;
            app.store
                .insert_identity_signing_key_if_none(
                    &generated.kid,
                    &generated.private_pkcs1_der,
                    app.clock.now_epoch(),
                )
                .await?
        }
    };
    SigningKey::from_stored(&kid, &der).map_err(ApiError::internal)
}

/// Signs `claims` with the service's key, through the same RS256 signer as user-pool tokens.
/// The header keeps `"typ":"JWT"`, which these tokens have always carried.
pub async fn sign(ctx: &Ctx, claims: &Value) -> ApiResult<String> {
    let key = signing_key(ctx).await?;
    key.sign_jwt_with_typ("JWT", claims)
        .map_err(ApiError::internal)
}

/// The claims of a token this service signed, when the header says RS256 with the service's
/// kid and the signature holds (expiry and audience are the caller's to check against the
/// emulator's clock and the pool).
pub async fn verify(ctx: &Ctx, token: &str) -> ApiResult<Option<Map<String, Value>>> {
    let key = signing_key(ctx).await?;
    Ok(key.verify_jwt(token))
}

/// `GET /_identity/.well-known/jwks.json`.
pub async fn jwks(State(app): State<AppState>) -> Result<axum::Json<Value>, ApiError> {
    let key = signing_key(&app).await?;
    Ok(axum::Json(serde_json::json!({"keys": [key.jwk()]})))
}

/// `GET /_identity/.well-known/openid-configuration`.
pub async fn discovery(State(app): State<AppState>, headers: HeaderMap) -> axum::Json<Value> {
    let base = base_url(&app, &headers);
    axum::Json(serde_json::json!({
        "issuer": issuer_for(app.config.issuer_style, &base),
        "jwks_uri": format!("{base}{PATH}/.well-known/jwks.json"),
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["aud", "sub", "amr", "iss", "exp", "iat"],
    }))
}
