//! User pool domains: CreateUserPoolDomain, DescribeUserPoolDomain, UpdateUserPoolDomain,
//! DeleteUserPoolDomain, and `pool_of_host` for requests that reach the OAuth endpoints through
//! a domain's host name.
//!
//! A domain is stored as its `DomainDescriptionType`, as DescribeUserPoolDomain returns it. The
//! emulator serves every domain's endpoints itself; the CloudFront and S3 names are plausible
//! placeholders (nothing resolves them).

use super::shapes::*;
use super::user_pools::{load_pool, save_pool};
use crate::ids;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};
use crate::store::oauth::DomainConflict;

/// Words Cognito does not allow in a prefix domain.
const RESERVED_WORDS: &[&str] = &["aws", "amazon", "cognito"];

fn no_such_domain() -> ApiError {
    ApiError::invalid_parameter("No such domain or user pool exists.")
}

/// `yyyymmddHHMMSS` (UTC), the shape of the app version Cognito reports for a domain.
fn version_stamp(epoch_secs: i64) -> String {
    let t = crate::clock::Utc::of(epoch_secs);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

fn cloudfront_name() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    use rand::Rng;
    let mut rng = rand::rng();
    let id: String = (0..13)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("d{id}.cloudfront.net")
}

/// The full host name of a prefix domain: `<prefix>.auth.<region>.amazoncognito.com`.
pub fn prefix_domain_host(prefix: &str, pool_id: &str) -> String {
    let region = pool_id
        .split_once('_')
        .map(|(r, _)| r)
        .unwrap_or("us-east-1");
    format!("{prefix}.auth.{region}.amazoncognito.com")
}

/// The pool whose domain a request's Host names: a prefix domain's
/// `<prefix>.auth.<region>.amazoncognito.com` or a custom domain's own name.
pub async fn pool_of_host(ctx: &Ctx, host: &str) -> ApiResult<Option<String>> {
    let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    let name = match host.split_once(".auth.") {
        Some((prefix, rest)) if rest.ends_with(".amazoncognito.com") => prefix.to_string(),
        _ => host,
    };
    Ok(ctx
        .store
        .get_domain::<DomainDescriptionType>(&name)
        .await?
        .map(|(pool, _)| pool))
}

/// The pool a domain name (prefix or custom) belongs to.
pub async fn pool_of_domain(ctx: &Ctx, domain: &str) -> ApiResult<Option<String>> {
    Ok(ctx
        .store
        .get_domain::<DomainDescriptionType>(domain)
        .await?
        .map(|(pool, _)| pool))
}

pub async fn create_user_pool_domain(
    ctx: Ctx,
    input: CreateUserPoolDomainRequest,
) -> ApiResult<CreateUserPoolDomainResponse> {
    let mut pool = load_pool(&ctx, &input.user_pool_id).await?;
    let custom = input.custom_domain_config.clone();
    if custom.is_none()
        && let Some(word) = RESERVED_WORDS.iter().find(|w| input.domain.contains(**w))
    {
        return Err(ApiError::invalid_parameter(format!(
            "Domain cannot contain reserved word: {word}"
        )));
    }
    let managed_login_version = input.managed_login_version.unwrap_or(1);
    if !(1..=2).contains(&managed_login_version) {
        return Err(ApiError::invalid_parameter(
            "ManagedLoginVersion must be 1 or 2.",
        ));
    }
    let cloudfront = cloudfront_name();
    let doc = DomainDescriptionType {
        user_pool_id: Some(input.user_pool_id.clone()),
        aws_account_id: Some(ids::ACCOUNT_ID.into()),
        domain: Some(input.domain.clone()),
        s3_bucket: Some(format!("aws-cognito-prod-{}-assets", ctx.region)),
        cloud_front_distribution: Some(cloudfront.clone()),
        version: Some(version_stamp(ctx.clock.now_secs())),
        status: Some("ACTIVE".into()),
        custom_domain_config: custom.clone(),
        managed_login_version: Some(managed_login_version),
        routing: input.routing.clone(),
    };
    match ctx
        .store
        .insert_domain(&input.domain, &input.user_pool_id, &doc)
        .await?
    {
        Ok(()) => {}
        Err(DomainConflict::DomainTaken) => {
            return Err(ApiError::invalid_parameter(
                "Domain already associated with another user pool.",
            ));
        }
        Err(DomainConflict::PoolHasDomain) => {
            return Err(ApiError::invalid_parameter(
                "User pool already has a domain configured.",
            ));
        }
    }
    // DescribeUserPool names the pool's domain.
    if custom.is_some() {
        pool.custom_domain = Some(input.domain.clone());
    } else {
        pool.domain = Some(input.domain.clone());
    }
    save_pool(&ctx, &pool).await?;
    Ok(CreateUserPoolDomainResponse {
        managed_login_version: Some(managed_login_version),
        // Only custom domains have a CloudFront target to point DNS at.
        cloud_front_domain: custom.map(|_| cloudfront),
        routing: None,
    })
}

pub async fn describe_user_pool_domain(
    ctx: Ctx,
    input: DescribeUserPoolDomainRequest,
) -> ApiResult<DescribeUserPoolDomainResponse> {
    // An unknown domain is not an error: Cognito answers with an empty description.
    let doc = ctx
        .store
        .get_domain::<DomainDescriptionType>(&input.domain)
        .await?
        .map(|(_, doc)| doc)
        .unwrap_or_default();
    Ok(DescribeUserPoolDomainResponse {
        domain_description: Some(doc),
    })
}

pub async fn update_user_pool_domain(
    ctx: Ctx,
    input: UpdateUserPoolDomainRequest,
) -> ApiResult<UpdateUserPoolDomainResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let mut doc = match ctx
        .store
        .get_domain::<DomainDescriptionType>(&input.domain)
        .await?
    {
        Some((pool, doc)) if pool == input.user_pool_id => doc,
        _ => return Err(no_such_domain()),
    };
    if let Some(v) = input.managed_login_version {
        if !(1..=2).contains(&v) {
            return Err(ApiError::invalid_parameter(
                "ManagedLoginVersion must be 1 or 2.",
            ));
        }
        doc.managed_login_version = Some(v);
    }
    if let Some(custom) = input.custom_domain_config {
        if doc.custom_domain_config.is_none() {
            return Err(ApiError::invalid_parameter(
                "CustomDomainConfig can only be updated for a custom domain.",
            ));
        }
        doc.custom_domain_config = Some(custom);
    }
    if input.routing.is_some() {
        doc.routing = input.routing;
    }
    doc.version = Some(version_stamp(ctx.clock.now_secs()));
    ctx.store.update_domain(&input.domain, &doc).await?;
    Ok(UpdateUserPoolDomainResponse {
        managed_login_version: doc.managed_login_version,
        cloud_front_domain: doc
            .custom_domain_config
            .as_ref()
            .and(doc.cloud_front_distribution.clone()),
        routing: None,
    })
}

pub async fn delete_user_pool_domain(
    ctx: Ctx,
    input: DeleteUserPoolDomainRequest,
) -> ApiResult<DeleteUserPoolDomainResponse> {
    let mut pool = load_pool(&ctx, &input.user_pool_id).await?;
    if !ctx
        .store
        .delete_domain(&input.domain, &input.user_pool_id)
        .await?
    {
        return Err(no_such_domain());
    }
    if pool.domain.as_deref() == Some(input.domain.as_str()) {
        pool.domain = None;
    }
    if pool.custom_domain.as_deref() == Some(input.domain.as_str()) {
        pool.custom_domain = None;
    }
    save_pool(&ctx, &pool).await?;
    Ok(DeleteUserPoolDomainResponse {})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_stamps_are_utc_civil_time() {
        assert_eq!(version_stamp(0), "19700101000000");
        assert_eq!(version_stamp(1_709_251_199), "20240229235959");
        assert_eq!(version_stamp(1_735_689_600), "20250101000000");
    }

    #[test]
    fn prefix_host_uses_the_pool_region() {
        assert_eq!(
            prefix_domain_host("my-app", "eu-west-1_AbCdEf123"),
            "my-app.auth.eu-west-1.amazoncognito.com"
        );
    }
}
