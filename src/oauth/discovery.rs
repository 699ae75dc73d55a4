//! `/<poolId>/.well-known/jwks.json` and `/<poolId>/.well-known/openid-configuration`.
//! Both follow the issuer setting, so a JWT middleware given the issuer as its authority
//! finds the keys.

use crate::protocol::ctx::{Ctx, base_url};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

fn ctx_for(app: AppState, headers: &HeaderMap) -> Ctx {
    let mut ctx = Ctx::internal(app);
    ctx.base_url = base_url(&ctx.app, headers);
    ctx
}

fn not_found(pool_id: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({
            "__type": "ResourceNotFoundException",
            "message": format!("User pool {pool_id} does not exist.")
        })),
    )
        .into_response()
}

fn internal() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({"__type": "InternalErrorException", "message": "Internal server error."})),
    )
        .into_response()
}

/// GET `/{pool_id}/.well-known/jwks.json`: both public keys (ID and access tokens).
pub async fn jwks(State(app): State<AppState>, Path(pool_id): Path<String>) -> Response {
    match app.store.pool_keys(&pool_id).await {
        Ok(Some(keys)) => Json(keys.jwks()).into_response(),
        Ok(None) => not_found(&pool_id),
        Err(e) => {
            tracing::error!(cause = %e, "jwks");
            internal()
        }
    }
}

/// The discovery document for a pool, with the OAuth endpoints at the emulator's root.
pub fn openid_configuration_doc(ctx: &Ctx, pool_id: &str) -> serde_json::Value {
    let issuer = crate::tokens::issuer(ctx, pool_id);
    let root = ctx.base_url.trim_end_matches('/');
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{root}/oauth2/authorize"),
        "token_endpoint": format!("{root}/oauth2/token"),
        "userinfo_endpoint": format!("{root}/oauth2/userInfo"),
        "revocation_endpoint": format!("{root}/oauth2/revoke"),
        "end_session_endpoint": format!("{root}/logout"),
        // The keys are always served by the emulator, whatever the issuer's form.
        "jwks_uri": format!("{root}/{pool_id}/.well-known/jwks.json"),
        "response_types_supported": ["code", "token"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    })
}

/// GET `/{pool_id}/.well-known/openid-configuration`.
pub async fn openid_configuration(
    State(app): State<AppState>,
    Path(pool_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let ctx = ctx_for(app, &headers);
    match ctx.store.get_pool::<serde_json::Value>(&pool_id).await {
        Ok(Some(_)) => Json(openid_configuration_doc(&ctx, &pool_id)).into_response(),
        Ok(None) => not_found(&pool_id),
        Err(e) => {
            tracing::error!(cause = %e, "openid-configuration");
            internal()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    async fn body(resp: Response) -> (StatusCode, serde_json::Value) {
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn jwks_and_discovery_follow_the_host_and_404_for_unknown_pools() {
        let ctx = crate::tokens::tests::test_ctx().await;
        let (pool_id, _) = crate::tokens::tests::pool_and_client(&ctx).await;
        let (status, doc) = body(jwks(State(ctx.app.clone()), Path(pool_id.clone())).await).await;
        assert_eq!(status, StatusCode::OK);
        let keys = doc["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 2);
        assert_ne!(keys[0]["kid"], keys[1]["kid"]);
        let pk = ctx.store.pool_keys(&pool_id).await.unwrap().unwrap();
        assert_eq!(keys[0]["kid"], pk.id.kid.as_str());
        assert_eq!(keys[1]["kid"], pk.access.kid.as_str());

        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("localhost:40123"));
        let (status, doc) = body(
            openid_configuration(State(ctx.app.clone()), Path(pool_id.clone()), headers).await,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(doc["issuer"], format!("http://localhost:40123/{pool_id}"));
        assert_eq!(
            doc["jwks_uri"],
            format!("http://localhost:40123/{pool_id}/.well-known/jwks.json")
        );
        assert_eq!(doc["token_endpoint"], "http://localhost:40123/oauth2/token");
        assert_eq!(
            doc["userinfo_endpoint"],
            "http://localhost:40123/oauth2/userInfo"
        );
        assert_eq!(doc["end_session_endpoint"], "http://localhost:40123/logout");
        assert_eq!(
            doc["id_token_signing_alg_values_supported"],
            serde_json::json!(["RS256"])
        );

        let (status, doc) =
            body(jwks(State(ctx.app.clone()), Path("us-east-1_nothere00".into())).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(doc["__type"], "ResourceNotFoundException");
        let (status, _) = body(
            openid_configuration(
                State(ctx.app.clone()),
                Path("us-east-1_nothere00".into()),
                HeaderMap::new(),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
