//! Passkeys (WebAuthn): the pool's settings (SetUserPoolMfaConfig's WebAuthnConfiguration),
//! registration (StartWebAuthnRegistration, CompleteWebAuthnRegistration), the user's
//! credentials (ListWebAuthnCredentials, DeleteWebAuthnCredential), and USER_AUTH's
//! WEB_AUTHN factor (CREDENTIAL_REQUEST_OPTIONS, answered with CREDENTIAL).
//!
//! Verification is real (`verify`: challenge, origin, rpIdHash, flags, signature, sign count;
//! attestation formats `none` and `packed`), on aws-lc-rs and a small CBOR reader (`cbor`)
//! rather than webauthn-rs, whose core pulls in OpenSSL next to the aws-lc-rs we already link.
//!
//! AWS pages: StartWebAuthnRegistration / CompleteWebAuthnRegistration /
//! ListWebAuthnCredentials / DeleteWebAuthnCredential API references (their error lists:
//! WebAuthnNotEnabledException, WebAuthnConfigurationMissingException,
//! WebAuthnChallengeNotFoundException, WebAuthnRelyingPartyMismatchException,
//! WebAuthnClientMismatchException, WebAuthnOriginNotAllowedException,
//! WebAuthnCredentialNotSupportedException); WebAuthnConfigurationType (RelyingPartyId,
//! UserVerification; "your user pool must be in the Essentials tier or higher");
//! RespondToAuthChallenge ChallengeName WEB_AUTHN ("Respond ... as CREDENTIAL"), whose error
//! list has no WebAuthn exception, so a refused assertion is NotAuthorizedException.

pub mod cbor;
#[cfg(test)]
pub mod soft_authenticator;
pub mod verify;

use super::challenge::{self, Call, ChallengeState, Outcome, Step};
use super::shapes::*;
use super::user_auth::{self, FactorState};
use crate::model::user::User;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::store::webauthn::StoredCredential;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use verify::{Expected, Failure};

/// The timeout offered to the browser (ms).
const TIMEOUT_MS: u64 = 180_000;
/// Credentials a user may register (Cognito documents a limit of 20 passkeys per user).
const MAX_CREDENTIALS: usize = 20;

/// What a stored credential's document holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CredentialDoc {
    /// The COSE public key (base64url).
    public_key: String,
    rp_id: String,
    name: String,
    attachment: Option<String>,
    #[serde(default)]
    transports: Vec<String>,
}

fn err(kind: ErrorKind, message: impl Into<String>) -> ApiError {
    ApiError::new(kind, message)
}

fn random_challenge() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    B64URL.encode(b)
}

/// Base64url as browsers send it (padding tolerated).
fn b64url(s: &str) -> Option<Vec<u8>> {
    B64URL.decode(s.trim_end_matches('=')).ok()
}

/// Checks a WebAuthnConfiguration as SetUserPoolMfaConfig receives it.
pub fn checked_configuration(
    pool: &UserPoolType,
    c: WebAuthnConfigurationType,
) -> ApiResult<WebAuthnConfigurationType> {
    if pool.user_pool_tier.as_deref() == Some("LITE") {
        return Err(err(
            ErrorKind::FeatureUnavailableInTierException,
            "WebAuthnConfiguration requires the ESSENTIALS or PLUS feature plan.",
        ));
    }
    if let Some(rp) = &c.relying_party_id
        && (rp.contains("://") || rp.contains('/') || rp.contains(':'))
    {
        return Err(ApiError::invalid_parameter(
            "RelyingPartyId must be a domain name, without scheme, port or path.",
        ));
    }
    Ok(c)
}

/// GetUserPoolMfaConfig's WebAuthnConfiguration: what was set, UserVerification `preferred`
/// by default.
pub fn shown_configuration(f: &super::mfa::PoolFactors) -> WebAuthnConfigurationType {
    let mut c = f.web_authn.clone().unwrap_or_default();
    c.user_verification
        .get_or_insert_with(|| "preferred".into());
    c
}

struct Settings {
    rp_id: String,
    user_verification: String,
}

/// The pool's relying party: the configured RelyingPartyId, else its custom domain, else its
/// prefix domain (as Cognito's), else WebAuthnConfigurationMissingException.
async fn settings(ctx: &Ctx, pool: &UserPoolType) -> ApiResult<Settings> {
    let f = super::mfa::pool_factors(ctx, pool).await?;
    let shown = shown_configuration(&f);
    let region = pool
        .id
        .as_deref()
        .and_then(|id| id.split_once('_'))
        .map(|(r, _)| r.to_string())
        .unwrap_or_else(|| ctx.region.clone());
    let rp_id = shown
        .relying_party_id
        .clone()
        .or_else(|| pool.custom_domain.clone())
        .or_else(|| {
            pool.domain
                .as_ref()
                .map(|d| format!("{d}.auth.{region}.amazoncognito.com"))
        })
        .ok_or_else(|| {
            err(
                ErrorKind::WebAuthnConfigurationMissingException,
                "The user pool has no passkey relying party: set WebAuthnConfiguration.RelyingPartyId with SetUserPoolMfaConfig, or add a domain.",
            )
        })?;
    Ok(Settings {
        rp_id,
        user_verification: shown
            .user_verification
            .unwrap_or_else(|| "preferred".into()),
    })
}

fn check_enabled_in(pool: &UserPoolType) -> ApiResult<()> {
    if user_auth::allowed_first_factors(pool)
        .iter()
        .any(|f| f == user_auth::WEB_AUTHN)
    {
        Ok(())
    } else {
        Err(err(
            ErrorKind::WebAuthnNotEnabledException,
            "Passkeys are not enabled: the user pool's SignInPolicy.AllowedFirstAuthFactors does not include WEB_AUTHN.",
        ))
    }
}

/// Whether the user has registered a passkey.
pub async fn has_credentials(ctx: &Ctx, user: &User) -> ApiResult<bool> {
    Ok(!ctx
        .store
        .list_webauthn_credentials(&user.pool_id, &user.sub)
        .await?
        .is_empty())
}

fn doc_of(c: &StoredCredential) -> ApiResult<CredentialDoc> {
    serde_json::from_str(&c.doc).map_err(ApiError::internal)
}

fn descriptor(c: &StoredCredential) -> ApiResult<serde_json::Value> {
    let doc = doc_of(c)?;
    let mut d = json!({"type": "public-key", "id": c.credential_id});
    if !doc.transports.is_empty() {
        d["transports"] = json!(doc.transports);
    }
    Ok(d)
}

/// The pending registration of a user (one at a time: a new Start replaces it).
fn registration_handle(pool_id: &str, sub: &str) -> String {
    format!("webauthn-registration:{pool_id}:{sub}")
}

pub async fn start_web_authn_registration(
    ctx: Ctx,
    input: StartWebAuthnRegistrationRequest,
) -> ApiResult<StartWebAuthnRegistrationResponse> {
    let (claims, pool, user) = super::self_service::signed_in(&ctx, &input.access_token).await?;
    check_enabled_in(&pool)?;
    let s = settings(&ctx, &pool).await?;
    let existing = ctx
        .store
        .list_webauthn_credentials(&user.pool_id, &user.sub)
        .await?;
    if existing.len() >= MAX_CREDENTIALS {
        return Err(err(
            ErrorKind::LimitExceededException,
            "The user has the most passkeys allowed.",
        ));
    }
    let call = Call::load(&ctx, Some(&claims.pool_id), &claims.client_id).await?;
    let issued = random_challenge();
    challenge::open(
        &ctx,
        &call,
        &registration_handle(&claims.pool_id, &user.sub),
        &user.username,
        ChallengeState::UserAuth(FactorState::Registration {
            sub: user.sub.clone(),
            issued: issued.clone(),
            rp_id: s.rp_id.clone(),
        }),
    )
    .await?;
    let exclude = existing
        .iter()
        .map(descriptor)
        .collect::<ApiResult<Vec<_>>>()?;
    let display = user
        .attr("email")
        .or_else(|| user.attr("phone_number"))
        .unwrap_or(&user.username)
        .to_string();
    Ok(StartWebAuthnRegistrationResponse {
        credential_creation_options: json!({
            "challenge": issued,
            "rp": {"id": s.rp_id, "name": s.rp_id},
            "user": {
                "id": B64URL.encode(user.sub.as_bytes()),
                "name": user.username,
                "displayName": display,
            },
            "pubKeyCredParams": [
                {"type": "public-key", "alg": verify::ES256},
                {"type": "public-key", "alg": verify::RS256},
            ],
            "timeout": TIMEOUT_MS,
            "excludeCredentials": exclude,
            "authenticatorSelection": {
                "requireResidentKey": true,
                "residentKey": "required",
                "userVerification": s.user_verification,
            },
        }),
    })
}

/// Cognito's error for a refused registration.
fn registration_error(f: Failure) -> ApiError {
    match f {
        Failure::Challenge => err(
            ErrorKind::WebAuthnChallengeNotFoundException,
            "The credential does not answer the registration challenge.",
        ),
        Failure::Origin(o) => err(
            ErrorKind::WebAuthnOriginNotAllowedException,
            format!("Origin {o} is not allowed for the relying party."),
        ),
        Failure::RelyingParty => err(
            ErrorKind::WebAuthnRelyingPartyMismatchException,
            "The credential was created for another relying party.",
        ),
        Failure::Unsupported(why) => err(
            ErrorKind::WebAuthnCredentialNotSupportedException,
            format!("Unsupported credential: {why}."),
        ),
        Failure::Invalid(why) => ApiError::invalid_parameter(format!("Invalid credential: {why}.")),
    }
}

/// The base64url member `name` of a credential's `response`.
fn response_bytes(credential: &serde_json::Value, name: &str) -> ApiResult<Vec<u8>> {
    credential["response"][name]
        .as_str()
        .and_then(b64url)
        .ok_or_else(|| {
            ApiError::invalid_parameter(format!(
                "Credential.response.{name} must be a base64url string."
            ))
        })
}

pub async fn complete_web_authn_registration(
    ctx: Ctx,
    input: CompleteWebAuthnRegistrationRequest,
) -> ApiResult<CompleteWebAuthnRegistrationResponse> {
    let (claims, pool, user) = super::self_service::signed_in(&ctx, &input.access_token).await?;
    check_enabled_in(&pool)?;
    let not_found = || {
        err(
            ErrorKind::WebAuthnChallengeNotFoundException,
            "No registration is pending for this user (call StartWebAuthnRegistration first), or it has expired.",
        )
    };
    let pending = challenge::peek(&ctx, &registration_handle(&claims.pool_id, &user.sub))
        .await?
        .filter(|p| p.pool_id == claims.pool_id && p.state.sub() == user.sub)
        .ok_or_else(not_found)?;
    let ChallengeState::UserAuth(FactorState::Registration { issued, rp_id, .. }) = &pending.state
    else {
        return Err(not_found());
    };
    if ctx.clock.now_epoch() > pending.expires {
        return Err(not_found());
    }
    if pending.client_id != claims.client_id {
        return Err(err(
            ErrorKind::WebAuthnClientMismatchException,
            "The registration was started through another app client.",
        ));
    }
    // Each registration challenge is answered once, right or wrong.
    challenge::close(&ctx, &pending)
        .await
        .map_err(|_| not_found())?;
    let credential = &input.credential;
    let client_data = response_bytes(credential, "clientDataJSON")?;
    let attestation = response_bytes(credential, "attestationObject")?;
    let s = settings(&ctx, &pool).await?;
    let registered = verify::verify_registration(
        &client_data,
        &attestation,
        &Expected {
            challenge: issued,
            rp_id,
            require_uv: s.user_verification == "required",
        },
    )
    .map_err(registration_error)?;
    let id = B64URL.encode(&registered.id);
    if let Some(given) = credential["id"].as_str()
        && b64url(given).as_deref() != Some(&registered.id[..])
    {
        return Err(ApiError::invalid_parameter(
            "Credential.id does not match the attested credential.",
        ));
    }
    let attachment = credential["authenticatorAttachment"]
        .as_str()
        .map(str::to_string);
    let transports: Vec<String> = credential["response"]["transports"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let name = match attachment.as_deref() {
        Some("platform") => "Platform passkey",
        Some("cross-platform") => "Security key",
        _ => "Passkey",
    };
    let doc = CredentialDoc {
        public_key: B64URL.encode(&registered.cose_key),
        rp_id: rp_id.clone(),
        name: name.to_string(),
        attachment,
        transports,
    };
    let stored = StoredCredential {
        credential_id: id,
        sub: user.sub.clone(),
        doc: serde_json::to_string(&doc).map_err(ApiError::internal)?,
        sign_count: i64::from(registered.sign_count),
        created_at: ctx.clock.now_epoch(),
    };
    if !ctx
        .store
        .insert_webauthn_credential(&claims.pool_id, &stored)
        .await?
    {
        return Err(ApiError::invalid_parameter(
            "This credential is already registered.",
        ));
    }
    Ok(CompleteWebAuthnRegistrationResponse {})
}

pub async fn list_web_authn_credentials(
    ctx: Ctx,
    input: ListWebAuthnCredentialsRequest,
) -> ApiResult<ListWebAuthnCredentialsResponse> {
    let (_, _, user) = super::self_service::signed_in(&ctx, &input.access_token).await?;
    let all = ctx
        .store
        .list_webauthn_credentials(&user.pool_id, &user.sub)
        .await?;
    let scope = format!("ListWebAuthnCredentials\0{}\0{}", user.pool_id, user.sub);
    let start = match crate::protocol::page_token::open_opt(&scope, input.next_token.as_deref())? {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= all.len())
            .ok_or_else(|| ApiError::invalid_parameter("Invalid NextToken."))?,
    };
    let limit = input.max_results.unwrap_or(20).clamp(1, 20) as usize;
    let page: Vec<&StoredCredential> = all.iter().skip(start).take(limit).collect();
    let next = start + page.len();
    let credentials = page
        .into_iter()
        .map(|c| {
            let doc = doc_of(c)?;
            Ok(WebAuthnCredentialDescription {
                credential_id: c.credential_id.clone(),
                friendly_credential_name: doc.name,
                relying_party_id: doc.rp_id,
                authenticator_attachment: doc.attachment,
                authenticator_transports: doc.transports,
                created_at: c.created_at,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(ListWebAuthnCredentialsResponse {
        credentials,
        next_token: crate::protocol::page_token::seal_next(
            &scope,
            (next < all.len()).then(|| next.to_string()),
        ),
    })
}

pub async fn delete_web_authn_credential(
    ctx: Ctx,
    input: DeleteWebAuthnCredentialRequest,
) -> ApiResult<DeleteWebAuthnCredentialResponse> {
    let (_, _, user) = super::self_service::signed_in(&ctx, &input.access_token).await?;
    if !ctx
        .store
        .delete_webauthn_credential(&user.pool_id, &user.sub, &input.credential_id)
        .await?
    {
        return Err(ApiError::resource_not_found(
            "The user has no passkey with this CredentialId.",
        ));
    }
    Ok(DeleteWebAuthnCredentialResponse {})
}

/// The WEB_AUTHN challenge for a user: CREDENTIAL_REQUEST_OPTIONS listing their passkeys.
pub async fn sign_in_challenge(ctx: &Ctx, call: &Call, user: &User) -> ApiResult<Step> {
    let s = settings(ctx, &call.pool).await.map_err(|_| {
        err(
            ErrorKind::InvalidUserPoolConfigurationException,
            "The user pool has no passkey relying party configured.",
        )
    })?;
    challenge::pre_authentication(ctx, call, user).await?;
    let allow = ctx
        .store
        .list_webauthn_credentials(&user.pool_id, &user.sub)
        .await?
        .iter()
        .map(descriptor)
        .collect::<ApiResult<Vec<_>>>()?;
    let issued = random_challenge();
    let options = json!({
        "challenge": issued,
        "timeout": TIMEOUT_MS,
        "rpId": s.rp_id,
        "allowCredentials": allow,
        "userVerification": s.user_verification,
    });
    let session = challenge::open_session(
        ctx,
        call,
        &user.username,
        ChallengeState::UserAuth(FactorState::WebAuthn {
            sub: user.sub.clone(),
            issued,
        }),
    )
    .await?;
    Ok(Step::Challenge(Outcome::challenge(
        user_auth::WEB_AUTHN,
        Some(session),
        BTreeMap::from([(
            "CREDENTIAL_REQUEST_OPTIONS".to_string(),
            options.to_string(),
        )]),
    )))
}

/// Checks a WEB_AUTHN CREDENTIAL (AuthenticationResponseJSON) against the challenge issued:
/// one of this user's passkeys, signed over this challenge from an allowed origin, its
/// counter moving forward. Any refusal is NotAuthorizedException.
pub async fn sign_in(
    ctx: &Ctx,
    call: &Call,
    user: User,
    issued: &str,
    credential: &str,
) -> ApiResult<Step> {
    let refused = |why: &str| {
        tracing::debug!(reason = why, "passkey assertion refused");
        ApiError::not_authorized("Incorrect username or password.")
    };
    let credential: serde_json::Value = serde_json::from_str(credential).map_err(|_| {
        ApiError::invalid_parameter("CREDENTIAL must be AuthenticationResponseJSON.")
    })?;
    let id = credential["id"]
        .as_str()
        .or_else(|| credential["rawId"].as_str())
        .ok_or_else(|| ApiError::invalid_parameter("CREDENTIAL has no id."))?;
    let id = b64url(id)
        .map(|b| B64URL.encode(b))
        .ok_or_else(|| refused("credential id is not base64url"))?;
    let stored = ctx
        .store
        .get_webauthn_credential(&user.pool_id, &id)
        .await?
        .filter(|c| c.sub == user.sub)
        .ok_or_else(|| refused("not one of the user's passkeys"))?;
    let doc = doc_of(&stored)?;
    let client_data = response_bytes(&credential, "clientDataJSON")?;
    let auth_data = response_bytes(&credential, "authenticatorData")?;
    let signature = response_bytes(&credential, "signature")?;
    let cose_key = b64url(&doc.public_key).ok_or_else(|| refused("stored key unreadable"))?;
    let s = settings(ctx, &call.pool).await.ok();
    let require_uv = s.is_some_and(|s| s.user_verification == "required");
    let stored_count = u32::try_from(stored.sign_count).unwrap_or(u32::MAX);
    let count = verify::verify_assertion(
        &client_data,
        &auth_data,
        &signature,
        &cose_key,
        stored_count,
        &Expected {
            challenge: issued,
            rp_id: &doc.rp_id,
            require_uv,
        },
    )
    .map_err(|f| refused(&format!("{f:?}")))?;
    if !ctx
        .store
        .advance_webauthn_sign_count(
            &user.pool_id,
            &stored.credential_id,
            stored.sign_count,
            i64::from(count),
        )
        .await?
    {
        return Err(refused("sign count moved concurrently"));
    }
    challenge::signed_in(ctx, call, user).await
}

#[cfg(test)]
mod tests;
