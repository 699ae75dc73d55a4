//! Checking the `Logins` map of GetId, GetCredentialsForIdentity, GetOpenIdToken and
//! UnlinkIdentity against an identity pool, with Cognito's answers.
//!
//! A user pool login (`cognito-idp.<region>.amazonaws.com/<poolId>` → ID token) is verified
//! for real: signature against that user pool's published keys (`crate::tokens`), issuer
//! (the emulator's `<base>/<poolId>` or the AWS form), audience = a ClientId the identity
//! pool configures for that provider, `token_use` id, expiry by the emulator's clock.
//! A `cognito-identity.amazonaws.com` login carries an OpenID token this service signed
//! (developer-authenticated identities).

use super::openid;
use super::shapes::IdentityPool;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};
use crate::tokens::verify::TokenError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The provider key of logins with this service's own OpenID tokens.
pub const COGNITO_IDENTITY_PROVIDER: &str = "cognito-identity.amazonaws.com";

/// A login that passed its checks.
#[derive(Debug, Clone)]
pub struct VerifiedLogin {
    /// The provider name as the Logins map keys it (and as identities record it).
    pub provider: String,
    /// The user's id at the provider (the token's `sub`).
    pub subject: String,
    /// The role-mapping key, `<ProviderName>:<ClientId>`, for user pool logins.
    pub mapping_key: Option<String>,
    /// The token's claims (role mapping rules and principal tags read them).
    pub claims: Map<String, Value>,
    /// For this service's own tokens: the identity the token was issued to.
    pub identity_id: Option<String>,
}

fn invalid(detail: &str) -> ApiError {
    ApiError::not_authorized(format!("Invalid login token. {detail}"))
}

fn unsupported_provider() -> ApiError {
    ApiError::not_authorized("Token is not from a supported provider of this identity pool.")
}

/// The token's payload without checking anything (only to word the refusal as Cognito does).
fn peek(token: &str) -> Option<Map<String, Value>> {
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&B64URL.decode(payload).ok()?).ok()
}

fn str_claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

/// Checks every login of `logins` against `pool`; the first failure is the answer.
pub async fn verify_logins(
    ctx: &Ctx,
    pool: &IdentityPool,
    logins: &BTreeMap<String, String>,
) -> ApiResult<Vec<VerifiedLogin>> {
    let mut out = Vec::with_capacity(logins.len());
    for (provider, token) in logins {
        out.push(verify_login(ctx, pool, provider, token).await?);
    }
    Ok(out)
}

async fn verify_login(
    ctx: &Ctx,
    pool: &IdentityPool,
    provider: &str,
    token: &str,
) -> ApiResult<VerifiedLogin> {
    if provider == COGNITO_IDENTITY_PROVIDER {
        return verify_own_token(ctx, pool, token).await;
    }
    let named = provider;
    let canonical = canonical_provider(pool, provider);
    let provider = canonical.as_str();
    let clients: Vec<&str> = pool
        .cognito_identity_providers
        .iter()
        .flatten()
        .filter(|p| p.provider_name.as_deref() == Some(provider))
        .filter_map(|p| p.client_id.as_deref())
        .collect();
    if clients.is_empty() {
        let external = pool
            .supported_login_providers
            .as_ref()
            .is_some_and(|m| m.contains_key(provider))
            || pool
                .open_id_connect_provider_ar_ns
                .iter()
                .flatten()
                .any(|arn| arn.ends_with(&format!(":oidc-provider/{provider}")))
            || pool
                .saml_provider_ar_ns
                .iter()
                .flatten()
                .any(|arn| arn == provider);
        if external {
            // Checking a social, OIDC or SAML provider's token needs that provider's keys,
            // which an offline emulator cannot fetch: refuse plainly rather than trust it.
            return Err(invalid(&format!(
                "cognito-emu cannot verify tokens of the external provider {provider} offline; use a user pool provider."
            )));
        }
        return Err(unsupported_provider());
    }
    let Some(user_pool_id) = provider.rsplit('/').next().filter(|s| s.contains('_')) else {
        return Err(unsupported_provider());
    };
    let Some(payload) = peek(token) else {
        return Err(invalid("Not a valid OpenId Connect identity token."));
    };
    if !payload.contains_key("aud") {
        // An access token (it has client_id, no aud): Cognito's words for it.
        return Err(invalid("Missing a required claim: aud"));
    }
    let (token_pool, claims) = match crate::tokens::verify_id_token(ctx, token).await? {
        Ok(v) => v,
        Err(TokenError::Expired) => {
            let exp = payload.get("exp").and_then(Value::as_i64).unwrap_or(0);
            return Err(invalid(&format!(
                "Token expired: {} >= {exp}",
                ctx.clock.now_secs()
            )));
        }
        Err(TokenError::Revoked) => return Err(invalid("Token has been revoked.")),
        Err(TokenError::Invalid) => {
            return Err(
                if str_claim(&payload, "iss").is_some_and(|iss| !iss.ends_with(user_pool_id)) {
                    invalid("Issuer doesn't match providerName")
                } else {
                    invalid("Couldn't verify signed token.")
                },
            );
        }
    };
    let iss = str_claim(&claims, "iss").unwrap_or_default();
    let region = user_pool_id.split('_').next().unwrap_or_default();
    let accepted_issuers = [
        format!("{}/{user_pool_id}", ctx.base_url.trim_end_matches('/')),
        format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"),
        // The issuer the login was named after (Amplify's form, see canonical_provider).
        format!("http://{named}"),
        format!("https://{named}"),
    ];
    if token_pool != user_pool_id || !accepted_issuers.iter().any(|a| a == iss) {
        return Err(invalid("Issuer doesn't match providerName"));
    }
    let aud = str_claim(&claims, "aud").unwrap_or_default().to_string();
    if !clients.contains(&aud.as_str()) {
        return Err(unsupported_provider());
    }
    let Some(sub) = str_claim(&claims, "sub").map(str::to_string) else {
        return Err(invalid("Missing a required claim: sub"));
    };
    Ok(VerifiedLogin {
        provider: provider.to_string(),
        subject: sub,
        mapping_key: Some(format!("{provider}:{aud}")),
        claims,
        identity_id: None,
    })
}

/// The provider a login names, as the identity pool configures it. Amplify v6 names a user
/// pool login after the ID token's `iss` without its scheme (`formLoginsMap` in
/// @aws-amplify/auth): with the emulator's local issuers that is `<host:port>/<poolId>`, which
/// is the same provider as the pool's AWS-form name `cognito-idp.<region>.amazonaws.com/<poolId>`
/// — so both names find the same identity.
fn canonical_provider(pool: &IdentityPool, provider: &str) -> String {
    let configured = |name: &str| {
        pool.cognito_identity_providers
            .iter()
            .flatten()
            .any(|p| p.provider_name.as_deref() == Some(name))
    };
    if configured(provider) {
        return provider.to_string();
    }
    let Some((host, user_pool_id)) = provider.rsplit_once('/') else {
        return provider.to_string();
    };
    let Some((region, _)) = user_pool_id.split_once('_') else {
        return provider.to_string();
    };
    if host.is_empty() || host.contains("://") {
        return provider.to_string();
    }
    let aws = format!("cognito-idp.{region}.amazonaws.com/{user_pool_id}");
    if configured(&aws) {
        aws
    } else {
        provider.to_string()
    }
}

/// A `cognito-identity.amazonaws.com` login: an OpenID token of this service for this pool.
async fn verify_own_token(ctx: &Ctx, pool: &IdentityPool, token: &str) -> ApiResult<VerifiedLogin> {
    let Some(claims) = openid::verify(ctx, token).await? else {
        return Err(invalid("Couldn't verify signed token."));
    };
    if str_claim(&claims, "aud") != Some(pool.identity_pool_id.as_str()) {
        return Err(invalid(
            "Token is not from a supported provider of this identity pool.",
        ));
    }
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    let now = ctx.clock.now_secs();
    if now >= exp {
        return Err(invalid(&format!("Token expired: {now} >= {exp}")));
    }
    let Some(sub) = str_claim(&claims, "sub").map(str::to_string) else {
        return Err(invalid("Missing a required claim: sub"));
    };
    Ok(VerifiedLogin {
        provider: COGNITO_IDENTITY_PROVIDER.to_string(),
        subject: sub.clone(),
        mapping_key: None,
        claims,
        identity_id: Some(sub),
    })
}
