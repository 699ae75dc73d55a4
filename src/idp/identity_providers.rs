//! A user pool's identity providers: CreateIdentityProvider, DescribeIdentityProvider,
//! UpdateIdentityProvider, DeleteIdentityProvider, ListIdentityProviders and
//! GetIdentityProviderByIdentifier, for OIDC, SAML, Google, Facebook, LoginWithAmazon and
//! SignInWithApple, as the API reference describes them.
//!
//! Cognito fills in the social providers' endpoints itself (they come back from Describe, and
//! infrastructure tools diff against them), adds `attributes_url_add_attributes`, and always
//! maps `username` to the provider's subject. The fill-ins below are the values AWS returns.

use super::shapes::*;
use super::user_pools::load_pool;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind, page_token};
use std::collections::BTreeMap;

/// The social provider types, whose ProviderName must be the type itself.
const SOCIAL: &[&str] = &["Google", "Facebook", "LoginWithAmazon", "SignInWithApple"];

/// Whether `provider_type` is a social provider (named after its type; `google_<id>` users;
/// the offline stand-in page instead of the real sign-in).
pub fn is_social(provider_type: &str) -> bool {
    SOCIAL.contains(&provider_type)
}
/// Facebook's Graph API version when `api_version` is not given.
const FACEBOOK_API_VERSION: &str = "v17.0";
/// ListIdentityProviders' largest page.
const MAX_RESULTS: i32 = 60;
/// A pool has few clients; the IdP-initiated check reads them all.
const ALL_CLIENTS: u32 = 10_000;

fn not_found(name: &str) -> ApiError {
    ApiError::resource_not_found(format!("Identity provider {name} does not exist."))
}

/// The ProviderDetails keys a provider type requires (the API reference's list).
fn required_details(provider_type: &str) -> &'static [&'static str] {
    match provider_type {
        "Google" | "Facebook" | "LoginWithAmazon" => {
            &["client_id", "client_secret", "authorize_scopes"]
        }
        "SignInWithApple" => &[
            "client_id",
            "team_id",
            "key_id",
            "private_key",
            "authorize_scopes",
        ],
        "OIDC" => &[
            "client_id",
            "attributes_request_method",
            "oidc_issuer",
            "authorize_scopes",
        ],
        _ => &[],
    }
}

/// The attribute a provider's subject arrives in (what `username` maps to).
fn subject_attribute(provider_type: &str) -> Option<&'static str> {
    match provider_type {
        "Google" | "SignInWithApple" | "OIDC" => Some("sub"),
        "Facebook" => Some("id"),
        "LoginWithAmazon" => Some("user_id"),
        _ => None,
    }
}

/// Checks ProviderDetails for `provider_type` and adds what Cognito adds.
fn complete_details(
    provider_type: &str,
    mut details: BTreeMap<String, String>,
) -> ApiResult<BTreeMap<String, String>> {
    if provider_type == "SAML" {
        // Checked (and the metadata read) by `saml_details`, which needs I/O.
        return Ok(details);
    }
    for key in required_details(provider_type) {
        if details.get(*key).is_none_or(|v| v.is_empty()) {
            return Err(ApiError::invalid_parameter(format!(
                "{key} is required for provider type {provider_type}."
            )));
        }
    }
    if provider_type == "OIDC"
        && let Some(method) = details.get("attributes_request_method")
        && method != "GET"
        && method != "POST"
    {
        return Err(ApiError::invalid_parameter(
            "attributes_request_method must be GET or POST.",
        ));
    }
    let mut fill = |k: &str, v: String| {
        details.entry(k.to_string()).or_insert(v);
    };
    match provider_type {
        "Google" => {
            fill(
                "attributes_url",
                "https://people.googleapis.com/v1/people/me?personFields=".into(),
            );
            fill("attributes_url_add_attributes", "true".into());
            fill(
                "authorize_url",
                "https://accounts.google.com/o/oauth2/v2/auth".into(),
            );
            fill("oidc_issuer", "https://accounts.google.com".into());
            fill("token_request_method", "POST".into());
            fill(
                "token_url",
                "https://www.googleapis.com/oauth2/v4/token".into(),
            );
        }
        "Facebook" => {
            let v = details
                .get("api_version")
                .cloned()
                .unwrap_or_else(|| FACEBOOK_API_VERSION.into());
            let mut fill = |k: &str, val: String| {
                details.entry(k.to_string()).or_insert(val);
            };
            fill(
                "attributes_url",
                format!("https://graph.facebook.com/{v}/me?fields="),
            );
            fill("attributes_url_add_attributes", "true".into());
            fill(
                "authorize_url",
                format!("https://www.facebook.com/{v}/dialog/oauth"),
            );
            fill("token_request_method", "GET".into());
            fill(
                "token_url",
                format!("https://graph.facebook.com/{v}/oauth/access_token"),
            );
        }
        "LoginWithAmazon" => {
            fill(
                "attributes_url",
                "https://api.amazon.com/user/profile".into(),
            );
            fill("attributes_url_add_attributes", "false".into());
            fill("authorize_url", "https://www.amazon.com/ap/oa".into());
            fill("token_request_method", "POST".into());
            fill("token_url", "https://api.amazon.com/auth/o2/token".into());
        }
        "SignInWithApple" => {
            fill(
                "authorize_url",
                "https://appleid.apple.com/auth/authorize".into(),
            );
            fill("oidc_issuer", "https://appleid.apple.com".into());
            fill("token_request_method", "POST".into());
            fill("token_url", "https://appleid.apple.com/auth/token".into());
        }
        "OIDC" => {
            fill("attributes_url_add_attributes", "false".into());
        }
        _ => {}
    }
    Ok(details)
}

/// ProviderDetails of a SAML provider, checked as Cognito checks them: exactly one of
/// MetadataFile and MetadataURL, metadata that parses (fetched now for MetadataURL) with a
/// signing certificate that has not expired, the optional flags as "true"/"false",
/// RequestSigningAlgorithm rsa-sha256; the IdP's sign-in and sign-out URLs filled in.
async fn saml_details(
    ctx: &Ctx,
    mut details: BTreeMap<String, String>,
) -> ApiResult<BTreeMap<String, String>> {
    let has = |k: &str| details.get(k).is_some_and(|v| !v.is_empty());
    match (has("MetadataFile"), has("MetadataURL")) {
        (false, false) => {
            return Err(ApiError::invalid_parameter(
                "SAML provider details must contain MetadataFile or MetadataURL.",
            ));
        }
        (true, true) => {
            return Err(ApiError::invalid_parameter(
                "SAML provider details must contain only one of MetadataFile and MetadataURL.",
            ));
        }
        _ => {}
    }
    for flag in ["IDPSignout", "IDPInit", "EncryptedResponses"] {
        if let Some(v) = details.get(flag)
            && v != "true"
            && v != "false"
        {
            return Err(ApiError::invalid_parameter(format!(
                "{flag} must be true or false."
            )));
        }
    }
    if let Some(alg) = details.get("RequestSigningAlgorithm")
        && alg != "rsa-sha256"
    {
        return Err(ApiError::invalid_parameter(
            "RequestSigningAlgorithm must be rsa-sha256.",
        ));
    }
    let document = crate::oauth::saml::metadata::document(&details)
        .await
        .map_err(|e| {
            ApiError::invalid_parameter(format!("Could not retrieve the SAML metadata: {e}"))
        })?;
    let md = crate::oauth::saml::metadata::parse(&document)
        .map_err(|e| ApiError::invalid_parameter(format!("Invalid SAML metadata: {e}")))?;
    let now = ctx.clock.now_secs();
    if md.signing_keys.iter().all(|k| k.not_after <= now) {
        return Err(ApiError::invalid_parameter(
            "The signing certificate in the SAML metadata has expired.",
        ));
    }
    details.remove("SSORedirectBindingURI");
    details.remove("SLORedirectBindingURI");
    if let Some(url) = md.sso_redirect {
        details.insert("SSORedirectBindingURI".into(), url);
    }
    if let Some(url) = md.slo_redirect {
        details.insert("SLORedirectBindingURI".into(), url);
    }
    Ok(details)
}

/// `complete_details`, plus the metadata checks of SAML providers.
async fn checked_details(
    ctx: &Ctx,
    provider_type: &str,
    details: BTreeMap<String, String>,
) -> ApiResult<BTreeMap<String, String>> {
    let details = complete_details(provider_type, details)?;
    if provider_type == "SAML" {
        return saml_details(ctx, details).await;
    }
    Ok(details)
}

/// AttributeMapping as stored: the caller's, with `username` mapped to the subject.
fn complete_mapping(
    provider_type: &str,
    mapping: Option<BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    let mut mapping = mapping.unwrap_or_default();
    if let Some(subject) = subject_attribute(provider_type) {
        mapping
            .entry("username".into())
            .or_insert_with(|| subject.into());
    }
    mapping
}

/// Another provider of the pool already answering to one of `identifiers`.
async fn check_identifiers(
    ctx: &Ctx,
    pool_id: &str,
    name: &str,
    identifiers: &[String],
) -> ApiResult<()> {
    let others: Vec<IdentityProviderType> = ctx.store.list_identity_providers(pool_id).await?;
    for other in others
        .iter()
        .filter(|p| p.provider_name.as_deref() != Some(name))
    {
        if let Some(taken) = other
            .idp_identifiers
            .iter()
            .flatten()
            .find(|i| identifiers.contains(i))
        {
            return Err(ApiError::invalid_parameter(format!(
                "The identifier {taken} is already used by provider {}.",
                other.provider_name.as_deref().unwrap_or_default()
            )));
        }
    }
    Ok(())
}

pub async fn create_identity_provider(
    ctx: Ctx,
    input: CreateIdentityProviderRequest,
) -> ApiResult<CreateIdentityProviderResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let (name, kind) = (&input.provider_name, &input.provider_type);
    if is_social(kind) && name != kind {
        return Err(ApiError::invalid_parameter(format!(
            "Provider {name} cannot be of type {kind}."
        )));
    }
    if name == "COGNITO" {
        return Err(ApiError::invalid_parameter(
            "COGNITO is a reserved provider name.",
        ));
    }
    let identifiers = input.idp_identifiers.clone().unwrap_or_default();
    check_identifiers(&ctx, &input.user_pool_id, name, &identifiers).await?;
    let now = ctx.clock.now_epoch();
    let doc = IdentityProviderType {
        user_pool_id: Some(input.user_pool_id.clone()),
        provider_name: Some(name.clone()),
        provider_type: Some(kind.clone()),
        provider_details: Some(checked_details(&ctx, kind, input.provider_details).await?),
        attribute_mapping: Some(complete_mapping(kind, input.attribute_mapping)),
        idp_identifiers: Some(identifiers),
        acr_mapping: input.acr_mapping,
        last_modified_date: Some(now),
        creation_date: Some(now),
    };
    if !ctx
        .store
        .insert_identity_provider(&input.user_pool_id, name, &doc)
        .await?
    {
        return Err(ApiError::new(
            ErrorKind::DuplicateProviderException,
            format!("{name} already exists in user pool {}", input.user_pool_id),
        ));
    }
    Ok(CreateIdentityProviderResponse {
        identity_provider: doc,
    })
}

/// A pool's provider by name.
pub async fn load_provider(
    ctx: &Ctx,
    pool_id: &str,
    name: &str,
) -> ApiResult<IdentityProviderType> {
    ctx.store
        .get_identity_provider(pool_id, name)
        .await?
        .ok_or_else(|| not_found(name))
}

pub async fn describe_identity_provider(
    ctx: Ctx,
    input: DescribeIdentityProviderRequest,
) -> ApiResult<DescribeIdentityProviderResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    Ok(DescribeIdentityProviderResponse {
        identity_provider: load_provider(&ctx, &input.user_pool_id, &input.provider_name).await?,
    })
}

pub async fn get_identity_provider_by_identifier(
    ctx: Ctx,
    input: GetIdentityProviderByIdentifierRequest,
) -> ApiResult<GetIdentityProviderByIdentifierResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let all: Vec<IdentityProviderType> = ctx
        .store
        .list_identity_providers(&input.user_pool_id)
        .await?;
    let found = all
        .into_iter()
        .find(|p| {
            p.idp_identifiers
                .iter()
                .flatten()
                .any(|i| *i == input.idp_identifier)
        })
        .ok_or_else(|| {
            ApiError::resource_not_found(format!(
                "Identity provider with identifier {} does not exist.",
                input.idp_identifier
            ))
        })?;
    Ok(GetIdentityProviderByIdentifierResponse {
        identity_provider: found,
    })
}

pub async fn update_identity_provider(
    ctx: Ctx,
    input: UpdateIdentityProviderRequest,
) -> ApiResult<UpdateIdentityProviderResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let mut doc = load_provider(&ctx, &input.user_pool_id, &input.provider_name).await?;
    let kind = doc.provider_type.clone().unwrap_or_default();
    if let Some(details) = input.provider_details {
        // Cognito merges the given keys into the stored ones.
        let mut merged = doc.provider_details.clone().unwrap_or_default();
        // New metadata of one kind replaces the stored metadata of the other.
        if details.contains_key("MetadataFile") {
            merged.remove("MetadataURL");
        }
        if details.contains_key("MetadataURL") {
            merged.remove("MetadataFile");
        }
        merged.extend(details);
        doc.provider_details = Some(checked_details(&ctx, &kind, merged).await?);
    }
    check_clients_for_idp_initiated(&ctx, &input.user_pool_id, &doc).await?;
    if let Some(mapping) = input.attribute_mapping {
        doc.attribute_mapping = Some(complete_mapping(&kind, Some(mapping)));
    }
    if let Some(identifiers) = input.idp_identifiers {
        check_identifiers(
            &ctx,
            &input.user_pool_id,
            &input.provider_name,
            &identifiers,
        )
        .await?;
        doc.idp_identifiers = Some(identifiers);
    }
    if input.acr_mapping.is_some() {
        doc.acr_mapping = input.acr_mapping;
    }
    doc.last_modified_date = Some(ctx.clock.now_epoch());
    if !ctx
        .store
        .update_identity_provider(&input.user_pool_id, &input.provider_name, &doc)
        .await?
    {
        return Err(not_found(&input.provider_name));
    }
    Ok(UpdateIdentityProviderResponse {
        identity_provider: doc,
    })
}

pub async fn delete_identity_provider(
    ctx: Ctx,
    input: DeleteIdentityProviderRequest,
) -> ApiResult<serde_json::Value> {
    load_pool(&ctx, &input.user_pool_id).await?;
    if !ctx
        .store
        .delete_identity_provider(&input.user_pool_id, &input.provider_name)
        .await?
    {
        return Err(not_found(&input.provider_name));
    }
    Ok(serde_json::json!({}))
}

pub async fn list_identity_providers(
    ctx: Ctx,
    input: ListIdentityProvidersRequest,
) -> ApiResult<ListIdentityProvidersResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let limit = input
        .max_results
        .unwrap_or(MAX_RESULTS)
        .clamp(1, MAX_RESULTS) as usize;
    let all: Vec<IdentityProviderType> = ctx
        .store
        .list_identity_providers(&input.user_pool_id)
        .await?;
    let scope = format!("ListIdentityProviders\0{}", input.user_pool_id);
    let start = match page_token::open_opt(&scope, input.next_token.as_deref())? {
        None => 0,
        // The provider a page starts at may since have been deleted: start past it.
        Some(name) => all
            .iter()
            .position(|p| p.provider_name.as_deref().unwrap_or_default() >= name.as_str())
            .unwrap_or(all.len()),
    };
    let providers = all
        .iter()
        .skip(start)
        .take(limit)
        .map(|p| ProviderDescription {
            provider_name: p.provider_name.clone(),
            provider_type: p.provider_type.clone(),
            last_modified_date: p.last_modified_date,
            creation_date: p.creation_date,
        })
        .collect();
    Ok(ListIdentityProvidersResponse {
        providers,
        next_token: page_token::seal_next(
            &scope,
            all.get(start + limit).and_then(|p| p.provider_name.clone()),
        ),
    })
}

fn allows_idp_initiated(p: &IdentityProviderType) -> bool {
    p.provider_type.as_deref() == Some("SAML")
        && p.provider_details
            .as_ref()
            .and_then(|d| d.get("IDPInit"))
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Cognito's rule for IdP-initiated SAML ("Using IdP-initiated SAML sign-in"): a client that
/// supports such a provider supports no non-SAML provider, the user pool itself included.
fn check_idp_initiated(names: &[String], providers: &[IdentityProviderType]) -> ApiResult<()> {
    let Some(saml) = providers.iter().find(|p| allows_idp_initiated(p)) else {
        return Ok(());
    };
    let other = names.iter().find(|n| {
        *n == "COGNITO"
            || providers.iter().any(|p| {
                p.provider_name.as_ref() == Some(*n) && p.provider_type.as_deref() != Some("SAML")
            })
    });
    match other {
        Some(other) => Err(ApiError::invalid_parameter(format!(
            "{other} cannot be supported together with {}, a SAML provider that allows IdP-initiated sign-in.",
            saml.provider_name.as_deref().unwrap_or_default()
        ))),
        None => Ok(()),
    }
}

/// Checks a client's SupportedIdentityProviders: COGNITO or a provider of the pool.
pub async fn check_supported(ctx: &Ctx, pool_id: &str, names: &[String]) -> ApiResult<()> {
    let mut providers = Vec::new();
    for name in names.iter().filter(|n| *n != "COGNITO") {
        match ctx
            .store
            .get_identity_provider::<IdentityProviderType>(pool_id, name)
            .await?
        {
            Some(p) => providers.push(p),
            None => {
                return Err(ApiError::invalid_parameter(format!(
                    "The provider {name} does not exist for User Pool {pool_id}"
                )));
            }
        }
    }
    check_idp_initiated(names, &providers)
}

/// Before a SAML provider starts allowing IdP-initiated sign-in: no client of the pool that
/// supports it may support a non-SAML provider.
async fn check_clients_for_idp_initiated(
    ctx: &Ctx,
    pool_id: &str,
    provider: &IdentityProviderType,
) -> ApiResult<()> {
    if !allows_idp_initiated(provider) {
        return Ok(());
    }
    let name = provider.provider_name.clone().unwrap_or_default();
    let clients: Vec<UserPoolClientType> =
        ctx.store.list_clients(pool_id, None, ALL_CLIENTS).await?;
    for client in clients {
        let names = client.supported_identity_providers.unwrap_or_default();
        if !names.contains(&name) {
            continue;
        }
        let mut providers = vec![provider.clone()];
        for other in names.iter().filter(|n| **n != name && *n != "COGNITO") {
            if let Some(p) = ctx.store.get_identity_provider(pool_id, other).await? {
                providers.push(p);
            }
        }
        check_idp_initiated(&names, &providers)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
