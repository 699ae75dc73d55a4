//! GetCredentialsForIdentity (the role chosen by the pool's roles and role mappings),
//! GetOpenIdToken, and `GET /_dev/identity/credentials?identity_id=...`, which shows the
//! credentials issued to an identity (tests check which role it got).

use super::identities::{Authorized, authorize_identity};
use super::login_tokens::{COGNITO_IDENTITY_PROVIDER, VerifiedLogin};
use super::openid;
use super::roles::{PoolRoles, TagMaps, load_roles};
use super::shapes::*;
use crate::crypto::sts;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::state::AppState;
use crate::store::identity::IssuedCredentials;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Lifetime of credentials from GetCredentialsForIdentity (Cognito's: one hour).
pub const CREDENTIALS_SECONDS: i64 = 3600;
/// Lifetime of GetOpenIdToken's token (Cognito's: ten minutes).
pub const OPEN_ID_TOKEN_SECONDS: i64 = 600;

fn invalid_configuration() -> ApiError {
    ApiError::new(
        ErrorKind::InvalidIdentityPoolConfigurationException,
        "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
    )
}

fn default_role(roles: &PoolRoles, kind: &str) -> ApiResult<String> {
    roles
        .roles
        .get(kind)
        .filter(|r| !r.is_empty())
        .cloned()
        .ok_or_else(invalid_configuration)
}

/// A claim's values as strings (arrays such as `cognito:groups` give each element).
fn claim_values(claims: &Map<String, Value>, name: &str) -> Vec<String> {
    match claims.get(name) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.to_string()],
    }
}

fn rule_matches(rule: &MappingRule, claims: &Map<String, Value>) -> bool {
    let values = claim_values(claims, &rule.claim);
    if values.is_empty() {
        return false;
    }
    let v = rule.value.as_str();
    match rule.match_type.as_str() {
        "Equals" => values.iter().any(|x| x == v),
        "Contains" => values.iter().any(|x| x.contains(v)),
        "StartsWith" => values.iter().any(|x| x.starts_with(v)),
        "NotEqual" => values.iter().all(|x| x != v),
        _ => false,
    }
}

/// The role an identity gets: the unauthenticated role without logins; with logins, the
/// role mapping of the first login that has one (Token: `cognito:preferred_role`, a single
/// `cognito:roles`, or `CustomRoleArn` when it is one of `cognito:roles`; Rules: the first
/// matching rule), its AmbiguousRoleResolution when nothing decides, else the
/// authenticated role.
pub fn choose_role(
    roles: &PoolRoles,
    logins: &[VerifiedLogin],
    custom_role_arn: Option<&str>,
) -> ApiResult<String> {
    if logins.is_empty() {
        return default_role(roles, "unauthenticated");
    }
    let mapped = logins.iter().find_map(|l| {
        let key = l.mapping_key.clone().unwrap_or_else(|| l.provider.clone());
        roles
            .role_mappings
            .as_ref()
            .and_then(|m| m.get(&key))
            .map(|m| (key, m, l))
    });
    let Some((key, mapping, login)) = mapped else {
        return default_role(roles, "authenticated");
    };
    let decided = match mapping.r#type.as_str() {
        "Token" => {
            let token_roles = claim_values(&login.claims, "cognito:roles");
            match custom_role_arn {
                Some(custom) if token_roles.iter().any(|r| r == custom) => Some(custom.to_string()),
                Some(custom) => {
                    return Err(ApiError::not_authorized(format!(
                        "The role {custom} is not one of the roles (cognito:roles) in the token."
                    )));
                }
                None => claim_values(&login.claims, "cognito:preferred_role")
                    .into_iter()
                    .next()
                    .or_else(|| (token_roles.len() == 1).then(|| token_roles[0].clone())),
            }
        }
        _ => mapping
            .rules_configuration
            .iter()
            .flat_map(|c| c.rules.iter())
            .find(|rule| rule_matches(rule, &login.claims))
            .map(|rule| rule.role_arn.clone()),
    };
    match decided {
        Some(role) => Ok(role),
        None => match mapping.ambiguous_role_resolution.as_deref() {
            Some("AuthenticatedRole") => default_role(roles, "authenticated"),
            _ => Err(ApiError::not_authorized(format!(
                "The ambiguous role mapping rules for: {key} denied this request."
            ))),
        },
    }
}

pub async fn get_credentials_for_identity(
    ctx: Ctx,
    input: GetCredentialsForIdentityInput,
) -> ApiResult<GetCredentialsForIdentityResponse> {
    let auth = authorize_identity(&ctx, &input.identity_id, input.logins.as_ref()).await?;
    let roles = load_roles(&ctx, &auth.pool.identity_pool_id).await?;
    let role_arn = choose_role(&roles, &auth.logins, input.custom_role_arn.as_deref())?;
    let now = ctx.clock.now_epoch();
    let expiration = (ctx.clock.now_secs() + CREDENTIALS_SECONDS) as f64;
    let (access_key_id, secret_key, session_token) = {
        let mut rng = rand::rng();
        (
            sts::access_key_id(&mut rng),
            sts::secret_key(&mut rng),
            sts::session_token(&mut rng),
        )
    };
    ctx.store
        .record_credentials(&IssuedCredentials {
            access_key_id: access_key_id.clone(),
            identity_id: auth.identity.identity_id.clone(),
            identity_pool_id: auth.pool.identity_pool_id.clone(),
            role_arn,
            issued: now,
            expiration,
        })
        .await?;
    Ok(GetCredentialsForIdentityResponse {
        identity_id: Some(auth.identity.identity_id),
        credentials: Some(Credentials {
            access_key_id: Some(access_key_id),
            secret_key: Some(secret_key),
            session_token: Some(session_token),
            expiration: Some(expiration),
        }),
    })
}

/// `amr`: `["unauthenticated"]`, or `"authenticated"`, each login's provider and
/// `<provider>:CognitoSignIn:<sub>` for user pool logins.
pub fn amr(auth: &Authorized, extra: &[String]) -> Vec<String> {
    if !auth.authenticated() && extra.is_empty() {
        return vec!["unauthenticated".into()];
    }
    let mut out = vec!["authenticated".to_string()];
    for l in &auth.logins {
        if l.provider == COGNITO_IDENTITY_PROVIDER {
            continue;
        }
        out.push(l.provider.clone());
        if l.mapping_key.is_some() {
            out.push(format!("{}:CognitoSignIn:{}", l.provider, l.subject));
        }
    }
    out.extend(extra.iter().cloned());
    out
}

/// Principal tags from the pool's attribute maps for the logins presented: `UseDefaults`
/// gives `username` (sub) and `client` (aud); each mapping tag → claim reads the claim.
pub async fn principal_tags(
    ctx: &Ctx,
    pool_id: &str,
    logins: &[VerifiedLogin],
) -> ApiResult<BTreeMap<String, String>> {
    let maps: TagMaps = ctx
        .store
        .get_principal_tag_maps(pool_id)
        .await?
        .unwrap_or_default();
    let mut tags = BTreeMap::new();
    for l in logins {
        let map = maps
            .get(&l.provider)
            .or_else(|| l.mapping_key.as_ref().and_then(|k| maps.get(k)));
        let Some(map) = map else { continue };
        if map.use_defaults {
            for (tag, claim) in [("username", "sub"), ("client", "aud")] {
                if let Some(v) = claim_values(&l.claims, claim).into_iter().next() {
                    tags.insert(tag.to_string(), v);
                }
            }
        }
        for (tag, claim) in &map.principal_tags {
            if let Some(v) = claim_values(&l.claims, claim).into_iter().next() {
                tags.insert(tag.clone(), v);
            }
        }
    }
    Ok(tags)
}

/// Signs an identity token: `iss`, `sub` = identity id, `aud` = pool id, `amr`, times, and
/// principal tags under `https://aws.amazon.com/tags` when there are any.
pub async fn identity_token(
    ctx: &Ctx,
    identity_id: &str,
    pool_id: &str,
    amr: Vec<String>,
    tags: &BTreeMap<String, String>,
    seconds: i64,
) -> ApiResult<String> {
    let now = ctx.clock.now_secs();
    let mut claims = json!({
        "sub": identity_id,
        "aud": pool_id,
        "amr": amr,
        "iss": openid::issuer(ctx),
        "exp": now + seconds,
        "iat": now,
    });
    if !tags.is_empty() {
        let principal: Map<String, Value> =
            tags.iter().map(|(k, v)| (k.clone(), json!([v]))).collect();
        claims["https://aws.amazon.com/tags"] = json!({ "principal_tags": principal });
    }
    openid::sign(ctx, &claims).await
}

pub async fn get_open_id_token(
    ctx: Ctx,
    input: GetOpenIdTokenInput,
) -> ApiResult<GetOpenIdTokenResponse> {
    let auth = authorize_identity(&ctx, &input.identity_id, input.logins.as_ref()).await?;
    let tags = principal_tags(&ctx, &auth.pool.identity_pool_id, &auth.logins).await?;
    let token = identity_token(
        &ctx,
        &auth.identity.identity_id,
        &auth.pool.identity_pool_id,
        amr(&auth, &[]),
        &tags,
        OPEN_ID_TOKEN_SECONDS,
    )
    .await?;
    Ok(GetOpenIdTokenResponse {
        identity_id: Some(auth.identity.identity_id),
        token: Some(token),
    })
}

#[derive(serde::Deserialize)]
pub struct CredentialsQuery {
    identity_id: Option<String>,
}

/// `GET /_dev/identity/credentials?identity_id=...`: the credentials issued to an identity,
/// newest first (access key id, role, times; never the secret or session token).
pub async fn dev_credentials(
    State(app): State<AppState>,
    Query(q): Query<CredentialsQuery>,
) -> (StatusCode, axum::Json<Value>) {
    let Some(identity_id) = q.identity_id.filter(|s| !s.is_empty()) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "the identity_id query parameter is required"})),
        );
    };
    let result = async {
        let identity = app.store.get_identity(&identity_id).await?;
        let issued = app.store.issued_credentials(&identity_id).await?;
        Ok::<_, sqlx::Error>((identity, issued))
    }
    .await;
    match result {
        Ok((None, _)) => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": format!("Identity '{identity_id}' not found.")})),
        ),
        Ok((Some(identity), issued)) => (
            StatusCode::OK,
            axum::Json(json!({
                "IdentityId": identity.identity_id,
                "IdentityPoolId": identity.pool_id,
                "Logins": identity.logins.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
                "Credentials": issued.iter().map(|c| json!({
                    "AccessKeyId": c.access_key_id,
                    "RoleArn": c.role_arn,
                    "Issued": c.issued,
                    "Expiration": c.expiration,
                })).collect::<Vec<_>>(),
            })),
        ),
        Err(e) => {
            tracing::error!(cause = %e, "dev credentials lookup failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(json!({"error": "internal error"})),
            )
        }
    }
}
