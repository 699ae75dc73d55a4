//! GET/POST /oauth2/userInfo: the signed-in user's attributes for a bearer access token with
//! the `openid` scope. As Cognito's, every value is a string (`"email_verified": "true"`)
//! and `username` is the internal username.

use super::site::Site;
use super::token::json_response;
use crate::state::AppState;
use crate::tokens::verify::{TokenError, TokenErrorOr, verify_token};
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

fn bearer_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut resp = (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    let challenge = format!("Bearer error=\"{error}\", error_description=\"{description}\"");
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

fn invalid_token() -> Response {
    bearer_error(
        StatusCode::UNAUTHORIZED,
        "invalid_token",
        "Access token is expired, disabled, or deleted, or the user has globally signed out.",
    )
}

pub async fn user_info(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let site = Site::of(app, &headers, &uri).await;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string());
    let Some(token) = token else {
        return bearer_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Access token is missing.",
        );
    };
    let (pool_id, claims) = match verify_token(&site.ctx, &token, "access").await {
        Ok(v) => v,
        Err(TokenErrorOr::Token(
            TokenError::Invalid | TokenError::Expired | TokenError::Revoked,
        )) => return invalid_token(),
        Err(TokenErrorOr::Api(e)) => {
            tracing::error!(cause = %e, "userInfo");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let scopes = claims
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !scopes.split_whitespace().any(|s| s == "openid") {
        return bearer_error(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "The access token does not have the openid scope.",
        );
    }
    let username = claims
        .get("username")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let user = match site.ctx.store.get_user(&pool_id, username).await {
        Ok(Some(u)) if u.enabled => u,
        Ok(_) => return invalid_token(),
        Err(e) => {
            tracing::error!(cause = %e, "userInfo");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let client_id = claims
        .get("client_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let readable: Option<Vec<String>> = match site
        .ctx
        .store
        .get_client::<crate::idp::shapes::UserPoolClientType>(client_id)
        .await
    {
        Ok(Some((_, c))) => c.read_attributes.filter(|r| !r.is_empty()),
        _ => None,
    };
    let mut body = Map::new();
    for (name, value) in &user.attributes {
        let allowed = name == "sub"
            || readable
                .as_ref()
                .is_none_or(|r| r.iter().any(|a| a == name));
        if allowed {
            body.insert(name.clone(), Value::from(value.clone()));
        }
    }
    body.insert("username".into(), Value::from(user.username.clone()));
    json_response(Value::Object(body))
}
