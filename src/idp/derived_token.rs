//! GetDerivedToken: OAuth 2.0 token exchange (RFC 8693) through the API. A user pool access
//! or ID token (the subject) is exchanged for a new token of the pool, narrowed to the
//! requested scopes and bound to the requested audience; with an actor token the issued
//! token carries an `act` claim naming the actor.
//!
//! AWS (API reference): the requesting client presents its secret when it has one, and must
//! allow ALLOW_TOKEN_EXCHANGE_IMPERSONATION (no actor) or ALLOW_TOKEN_EXCHANGE_DELEGATION
//! (with an actor). SAML2 subjects need a SAML provider's assertion, which is not verified
//! offline: they are refused.

use super::client_secrets::{is_current_secret, rotated_secrets};
use super::clients::{explicit_auth_flows, load_client};
use super::shapes::*;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};
use crate::tokens::verify::{TokenError, TokenErrorOr, verify_token};
use serde_json::{Map, Value};

/// Verifies a presented token of `kind` (ACCESS_TOKEN / ID_TOKEN) issued by `pool_id`.
async fn presented(
    ctx: &Ctx,
    pool_id: &str,
    token: &str,
    kind: &str,
    what: &str,
) -> ApiResult<Map<String, Value>> {
    let token_use = match kind {
        "ACCESS_TOKEN" => "access",
        "ID_TOKEN" => "id",
        _ => {
            return Err(ApiError::invalid_parameter(format!(
                "{what} token type {kind} is not supported offline."
            )));
        }
    };
    match verify_token(ctx, token, token_use).await {
        Ok((issuer_pool, claims)) if issuer_pool == pool_id => Ok(claims),
        Ok(_) | Err(TokenErrorOr::Token(TokenError::Invalid)) => {
            Err(ApiError::not_authorized(format!("Invalid {what} token.")))
        }
        Err(TokenErrorOr::Token(TokenError::Expired)) => Err(ApiError::not_authorized(format!(
            "{what} token has expired."
        ))),
        Err(TokenErrorOr::Token(TokenError::Revoked)) => Err(ApiError::not_authorized(format!(
            "{what} token has been revoked."
        ))),
        Err(TokenErrorOr::Api(e)) => Err(e),
    }
}

pub async fn get_derived_token(
    ctx: Ctx,
    input: GetDerivedTokenRequest,
) -> ApiResult<GetDerivedTokenResponse> {
    let (pool_id, client) = load_client(&ctx, &input.client_id).await?;
    if client
        .client_secret
        .as_deref()
        .is_some_and(|s| !s.is_empty())
    {
        let rotated = rotated_secrets(&ctx, &input.client_id, &client).await?;
        let ok = input
            .client_secret
            .as_deref()
            .is_some_and(|given| is_current_secret(&client, &rotated, given));
        if !ok {
            return Err(ApiError::not_authorized(format!(
                "Unable to verify secret for client {}",
                input.client_id
            )));
        }
    }
    let flow = if input.actor_token.is_some() {
        "ALLOW_TOKEN_EXCHANGE_DELEGATION"
    } else {
        "ALLOW_TOKEN_EXCHANGE_IMPERSONATION"
    };
    if !explicit_auth_flows(&client).iter().any(|f| f == flow) {
        return Err(ApiError::not_authorized(format!(
            "Client {} does not allow {flow}.",
            input.client_id
        )));
    }
    let subject = presented(
        &ctx,
        &pool_id,
        &input.subject_token,
        &input.subject_token_type,
        "Subject",
    )
    .await?;
    let actor = match (&input.actor_token, &input.actor_token_type) {
        (Some(token), Some(kind)) => Some(presented(&ctx, &pool_id, token, kind, "Actor").await?),
        (Some(_), None) => {
            return Err(ApiError::invalid_parameter(
                "ActorTokenType is required with an ActorToken.",
            ));
        }
        _ => None,
    };
    let requested = input
        .requested_token_type
        .clone()
        .unwrap_or_else(|| "ACCESS_TOKEN".into());
    // Narrowing only: the subject's scopes, or the client's custom scopes for an ID token.
    let available: Vec<String> = match subject.get("scope").and_then(Value::as_str) {
        Some(s) => s.split_whitespace().map(String::from).collect(),
        None => client.allowed_o_auth_scopes.clone().unwrap_or_default(),
    };
    let scopes = match input.scopes.clone() {
        Some(asked) => {
            if let Some(bad) = asked.iter().find(|s| !available.contains(s)) {
                return Err(ApiError::invalid_parameter(format!("Invalid scope {bad}.")));
            }
            asked
        }
        None => available,
    };
    let validity = crate::tokens::validity::token_validity(&client);
    let now = ctx.clock.now_secs();
    let mut claims = subject;
    claims.insert("jti".into(), crate::ids::uuid().into());
    claims.insert("iat".into(), now.into());
    let (token_use, secs) = if requested == "ID_TOKEN" {
        ("id", validity.id_secs)
    } else {
        ("access", validity.access_secs)
    };
    claims.insert("exp".into(), (now + secs).into());
    claims.insert("token_use".into(), token_use.into());
    if token_use == "access" {
        claims.insert("client_id".into(), input.client_id.clone().into());
        claims.insert("scope".into(), scopes.join(" ").into());
        claims.remove("aud");
    } else {
        claims.insert("aud".into(), input.client_id.clone().into());
    }
    if let Some(audience) = input.audiences.as_ref().and_then(|a| a.first()) {
        claims.insert("aud".into(), audience.clone().into());
    }
    if let Some(actor) = &actor {
        let who = actor
            .get("sub")
            .cloned()
            .unwrap_or_else(|| input.client_id.clone().into());
        claims.insert("act".into(), serde_json::json!({ "sub": who }));
    }
    let keys = ctx
        .store
        .pool_keys(&pool_id)
        .await?
        .ok_or_else(|| ApiError::internal("pool keys missing"))?;
    let claims = Value::Object(claims);
    let issued = crate::cpu::run(move || {
        if token_use == "id" {
            keys.id.sign_jwt(&claims)
        } else {
            keys.access.sign_jwt(&claims)
        }
    })
    .await?
    .map_err(ApiError::internal)?;
    Ok(GetDerivedTokenResponse {
        issued_token: issued,
        token_type: if token_use == "access" {
            "Bearer"
        } else {
            "N_A"
        }
        .into(),
        issued_token_type: requested,
        expires_in: i32::try_from(secs).ok(),
        scopes: (token_use == "access").then_some(scopes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{client_with, ctx, kind, pool, sign_in, user};

    #[tokio::test]
    async fn an_access_token_exchanged_for_a_narrower_bound_one() {
        let ctx = ctx().await;
        let p = pool(&ctx, |_| {}).await;
        let pool_id = p.id.clone().unwrap();
        let flows = |extra: &str| {
            let extra = extra.to_string();
            move |c: &mut UserPoolClientType| {
                c.explicit_auth_flows = Some(vec![
                    "ALLOW_ADMIN_USER_PASSWORD_AUTH".into(),
                    "ALLOW_REFRESH_TOKEN_AUTH".into(),
                    extra,
                ]);
            }
        };
        let exchanger = client_with(&ctx, &p, flows("ALLOW_TOKEN_EXCHANGE_IMPERSONATION"))
            .await
            .client_id
            .unwrap();
        let plain = client_with(&ctx, &p, flows("ALLOW_USER_SRP_AUTH"))
            .await
            .client_id
            .unwrap();
        user(&ctx, &pool_id, "dana").await;
        let signed = sign_in(&ctx, &pool_id, &exchanger, "dana").await;
        let request = |client: &str, scopes: Option<Vec<String>>| GetDerivedTokenRequest {
            client_id: client.into(),
            subject_token: signed.access.clone(),
            subject_token_type: "ACCESS_TOKEN".into(),
            scopes,
            audiences: Some(vec!["orders-service".into()]),
            ..Default::default()
        };
        let r = get_derived_token(ctx.clone(), request(&plain, None)).await;
        assert_eq!(kind(r), "NotAuthorizedException");
        let r =
            get_derived_token(ctx.clone(), request(&exchanger, Some(vec!["phone".into()]))).await;
        assert_eq!(kind(r), "InvalidParameterException");
        let out = get_derived_token(ctx.clone(), request(&exchanger, None))
            .await
            .unwrap();
        assert_eq!(out.token_type, "Bearer");
        assert_eq!(out.issued_token_type, "ACCESS_TOKEN");
        let keys = ctx.store.pool_keys(&pool_id).await.unwrap().unwrap();
        let claims = keys.access.verify_jwt(&out.issued_token).unwrap();
        assert_eq!(claims["aud"], "orders-service");
        assert_eq!(claims["username"], "dana");
        assert!(claims.get("act").is_none());
        let mut bad = request(&exchanger, None);
        bad.subject_token = "not.a.token".into();
        assert_eq!(
            kind(get_derived_token(ctx.clone(), bad).await),
            "NotAuthorizedException"
        );
    }
}
