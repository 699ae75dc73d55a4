//! CreateUserPool, DescribeUserPool, ListUserPools, UpdateUserPool, DeleteUserPool.
//!
//! A pool is stored as its `UserPoolType` document, exactly as DescribeUserPool returns it:
//! everything the request gave, with Cognito's defaults filled in for what it left out.
//! UpdateUserPool replaces the settings it can change (AWS: "If you don't provide a value for
//! an attribute, Amazon Cognito sets it to its default value"); what it cannot change (name
//! unless given, schema, username/alias attributes, username configuration, tier unless
//! given) is kept.

use super::custom_attributes::pool_schema;
use super::shapes::*;
use crate::ids;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, page_token};
use serde::Serialize;

pub(crate) fn pool_not_found(id: &str) -> ApiError {
    ApiError::resource_not_found(format!("User pool {id} does not exist."))
}

/// Loads a pool's document or answers ResourceNotFoundException. (A pool of another region
/// than a signed call's was refused before the handler: `protocol::region_scope`.)
pub async fn load_pool(ctx: &Ctx, id: &str) -> ApiResult<UserPoolType> {
    ctx.store
        .get_pool(id)
        .await?
        .ok_or_else(|| pool_not_found(id))
}

/// Writes a pool's document back (the pool must exist).
pub async fn save_pool(ctx: &Ctx, pool: &UserPoolType) -> ApiResult<()> {
    let id = pool.id.clone().unwrap_or_default();
    let name = pool.name.clone().unwrap_or_default();
    if !ctx.store.update_pool(&id, &name, pool).await? {
        return Err(pool_not_found(&id));
    }
    Ok(())
}

/// Whether usernames (and email/preferred_username aliases) match case-sensitively. Cognito's
/// default when the pool was created without UsernameConfiguration is case-sensitive.
pub fn username_case_sensitive(pool: &UserPoolType) -> bool {
    pool.username_configuration
        .as_ref()
        .is_none_or(|c| c.case_sensitive)
}

pub fn pool_arn(region: &str, id: &str) -> String {
    format!(
        "arn:aws:cognito-idp:{region}:{}:userpool/{id}",
        ids::ACCOUNT_ID
    )
}

/// The region a pool id names (`us-east-1_AbC...` -> `us-east-1`).
pub(crate) fn region_of(id: &str, fallback: &str) -> String {
    match id.split_once('_') {
        Some((region, _)) if !region.is_empty() => region.to_string(),
        _ => fallback.to_string(),
    }
}

/// Copies the members a request shares with `UserPoolType` (same names) into a pool document.
fn settings_from<T: Serialize>(input: &T) -> ApiResult<UserPoolType> {
    let mut value = serde_json::to_value(input).map_err(ApiError::internal)?;
    if let Some(obj) = value.as_object_mut() {
        if let Some(name) = obj.remove("PoolName") {
            obj.insert("Name".into(), name);
        }
        obj.remove("Schema");
        obj.remove("UserPoolId");
    }
    serde_json::from_value(value).map_err(ApiError::internal)
}

fn default_password_policy() -> PasswordPolicyType {
    PasswordPolicyType {
        minimum_length: Some(8),
        require_uppercase: Some(true),
        require_lowercase: Some(true),
        require_numbers: Some(true),
        require_symbols: Some(true),
        password_history_size: None,
        temporary_password_validity_days: Some(7),
    }
}

/// Fills in what Cognito fills in for settings a Create/Update request left out.
fn apply_defaults(pool: &mut UserPoolType) {
    let policies = pool.policies.get_or_insert_with(Default::default);
    match &mut policies.password_policy {
        None => policies.password_policy = Some(default_password_policy()),
        Some(p) => {
            // A policy given in part: Cognito keeps the length and validity defaults.
            p.minimum_length.get_or_insert(8);
            p.require_uppercase.get_or_insert(false);
            p.require_lowercase.get_or_insert(false);
            p.require_numbers.get_or_insert(false);
            p.require_symbols.get_or_insert(false);
            p.temporary_password_validity_days.get_or_insert(7);
        }
    }
    policies
        .sign_in_policy
        .get_or_insert_with(|| SignInPolicyType {
            allowed_first_auth_factors: Some(vec!["PASSWORD".into()]),
        });
    pool.deletion_protection
        .get_or_insert_with(|| "INACTIVE".into());

    let lambda = pool.lambda_config.get_or_insert_with(Default::default);
    // Cognito mirrors PreTokenGeneration and PreTokenGenerationConfig (V1_0) into each other.
    match (
        &lambda.pre_token_generation,
        &lambda.pre_token_generation_config,
    ) {
        (Some(arn), None) => {
            lambda.pre_token_generation_config = Some(PreTokenGenerationVersionConfigType {
                lambda_version: "V1_0".into(),
                lambda_arn: arn.clone(),
            })
        }
        (None, Some(cfg)) => lambda.pre_token_generation = Some(cfg.lambda_arn.clone()),
        _ => {}
    }

    // The legacy message members and VerificationMessageTemplate mirror each other.
    let template = pool
        .verification_message_template
        .get_or_insert_with(Default::default);
    sync(
        &mut template.email_message,
        &mut pool.email_verification_message,
    );
    sync(
        &mut template.email_subject,
        &mut pool.email_verification_subject,
    );
    sync(
        &mut template.sms_message,
        &mut pool.sms_verification_message,
    );
    template
        .default_email_option
        .get_or_insert_with(|| "CONFIRM_WITH_CODE".into());

    pool.user_attribute_update_settings
        .get_or_insert_with(|| UserAttributeUpdateSettingsType {
            attributes_require_verification_before_update: Some(Vec::new()),
        })
        .attributes_require_verification_before_update
        .get_or_insert_with(Vec::new);
    pool.mfa_configuration.get_or_insert_with(|| "OFF".into());
    pool.email_configuration
        .get_or_insert_with(Default::default)
        .email_sending_account
        .get_or_insert_with(|| "COGNITO_DEFAULT".into());
    pool.user_pool_tags.get_or_insert_with(Default::default);

    let admin = pool
        .admin_create_user_config
        .get_or_insert_with(Default::default);
    admin.allow_admin_create_user_only.get_or_insert(false);
    admin.unused_account_validity_days.get_or_insert(7);
    // The deprecated UnusedAccountValidityDays and TemporaryPasswordValidityDays agree.
    if let Some(p) = pool
        .policies
        .as_mut()
        .and_then(|p| p.password_policy.as_mut())
    {
        p.temporary_password_validity_days
            .get_or_insert(admin.unused_account_validity_days.unwrap_or(7));
    }
    pool.user_pool_tier
        .get_or_insert_with(|| "ESSENTIALS".into());
}

fn sync(a: &mut Option<String>, b: &mut Option<String>) {
    match (a.is_some(), b.is_some()) {
        (true, false) => *b = a.clone(),
        (false, true) => *a = b.clone(),
        _ => {}
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid_parameter(message)
}

/// Checks Cognito makes on settings that both CreateUserPool and UpdateUserPool take.
fn validate_settings(pool: &UserPoolType) -> ApiResult<()> {
    super::user_auth::validate_sign_in_policy(pool)?;
    if let Some(p) = pool
        .policies
        .as_ref()
        .and_then(|p| p.password_policy.as_ref())
        && let Some(n) = p.minimum_length
        && !(6..=99).contains(&n)
    {
        return Err(invalid(
            "Password policy minimum length must be between 6 and 99.",
        ));
    }
    if let Some(setting) = &pool.account_recovery_setting {
        let mechanisms = setting.recovery_mechanisms.clone().unwrap_or_default();
        let mut names: Vec<&str> = mechanisms.iter().map(|m| m.name.as_str()).collect();
        let mut priorities: Vec<i32> = mechanisms.iter().map(|m| m.priority).collect();
        names.sort_unstable();
        names.dedup();
        priorities.sort_unstable();
        priorities.dedup();
        if names.len() != mechanisms.len() || priorities.len() != mechanisms.len() {
            return Err(invalid(
                "AccountRecoverySetting must not contain duplicate mechanisms or priorities.",
            ));
        }
        if mechanisms.len() > 1 && names.contains(&"admin_only") {
            return Err(invalid(
                "admin_only can not be combined with other recovery mechanisms.",
            ));
        }
    }
    if let Some(attrs) = pool
        .user_attribute_update_settings
        .as_ref()
        .and_then(|s| s.attributes_require_verification_before_update.as_ref())
    {
        let auto = pool.auto_verified_attributes.clone().unwrap_or_default();
        if let Some(a) = attrs.iter().find(|a| !auto.contains(a)) {
            return Err(invalid(format!(
                "The attribute {a} in AttributesRequireVerificationBeforeUpdate must also be in AutoVerifiedAttributes."
            )));
        }
    }
    Ok(())
}

/// Checks on the sign-in identifiers, which only CreateUserPool sets.
fn validate_sign_in(input: &CreateUserPoolRequest) -> ApiResult<()> {
    let username_attrs = input.username_attributes.as_deref().unwrap_or_default();
    let alias_attrs = input.alias_attributes.as_deref().unwrap_or_default();
    if !username_attrs.is_empty() && !alias_attrs.is_empty() {
        return Err(invalid(
            "Only one of aliasAttributes or usernameAttributes can be set in a User Pool.",
        ));
    }
    for list in [username_attrs, alias_attrs] {
        let mut sorted = list.to_vec();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != list.len() {
            return Err(invalid(
                "Duplicate values are not allowed in the same list.",
            ));
        }
    }
    Ok(())
}

/// Creates a pool under the given id; the handler and the seed file share it.
pub async fn create_pool_with_id(
    ctx: &Ctx,
    input: CreateUserPoolRequest,
    id: &str,
) -> ApiResult<UserPoolType> {
    validate_sign_in(&input)?;
    let schema = pool_schema(input.schema.as_deref())?;
    let mut pool = settings_from(&input)?;
    apply_defaults(&mut pool);
    validate_settings(&pool)?;
    let now = ctx.clock.now_epoch();
    pool.id = Some(id.to_string());
    pool.arn = Some(pool_arn(&region_of(id, &ctx.region), id));
    pool.schema_attributes = Some(schema);
    pool.creation_date = Some(now);
    pool.last_modified_date = Some(now);
    pool.estimated_number_of_users = Some(0);
    ctx.store
        .insert_pool(id, &input.pool_name, now, &pool)
        .await?;
    Ok(pool)
}

pub async fn create_user_pool(
    ctx: Ctx,
    input: CreateUserPoolRequest,
) -> ApiResult<CreateUserPoolResponse> {
    let id = ids::user_pool_id(&ctx.region);
    let pool = create_pool_with_id(&ctx, input, &id).await?;
    Ok(CreateUserPoolResponse {
        user_pool: Some(pool),
    })
}

pub async fn describe_user_pool(
    ctx: Ctx,
    input: DescribeUserPoolRequest,
) -> ApiResult<DescribeUserPoolResponse> {
    let mut pool = load_pool(&ctx, &input.user_pool_id).await?;
    let users = ctx.store.count_users(&input.user_pool_id).await?;
    pool.estimated_number_of_users = Some(users.try_into().unwrap_or(i32::MAX));
    Ok(DescribeUserPoolResponse {
        user_pool: Some(pool),
    })
}

pub async fn list_user_pools(
    ctx: Ctx,
    input: ListUserPoolsRequest,
) -> ApiResult<ListUserPoolsResponse> {
    let limit = input.max_results.clamp(1, 60) as u32;
    let scope = "ListUserPools";
    let after = page_token::open_opt(scope, input.next_token.as_deref())?;
    let region = ctx.signed.then_some(ctx.region.as_str());
    let mut pools: Vec<UserPoolType> = ctx
        .store
        .list_pools(region, after.as_deref(), limit + 1)
        .await?;
    let next_token = if pools.len() > limit as usize {
        pools.truncate(limit as usize);
        pools.last().and_then(|p| p.id.clone())
    } else {
        None
    };
    Ok(ListUserPoolsResponse {
        user_pools: Some(
            pools
                .into_iter()
                .map(|p| UserPoolDescriptionType {
                    id: p.id,
                    name: p.name,
                    lambda_config: p.lambda_config,
                    status: p.status,
                    last_modified_date: p.last_modified_date,
                    creation_date: p.creation_date,
                    ..Default::default()
                })
                .collect(),
        ),
        next_token: page_token::seal_next(scope, next_token),
    })
}

pub async fn update_user_pool(
    ctx: Ctx,
    input: UpdateUserPoolRequest,
) -> ApiResult<UpdateUserPoolResponse> {
    let old = load_pool(&ctx, &input.user_pool_id).await?;
    let mut pool = settings_from(&input)?;
    // Not settings of UpdateUserPool: identity, schema, sign-in identifiers, and what the
    // emulator keeps elsewhere (domains).
    pool.id = old.id.clone();
    pool.arn = old.arn.clone();
    pool.creation_date = old.creation_date;
    pool.schema_attributes = old.schema_attributes.clone();
    pool.username_attributes = old.username_attributes.clone();
    pool.alias_attributes = old.alias_attributes.clone();
    pool.username_configuration = old.username_configuration.clone();
    pool.estimated_number_of_users = old.estimated_number_of_users;
    pool.domain = old.domain.clone();
    pool.custom_domain = old.custom_domain.clone();
    pool.status = old.status.clone();
    if pool.name.is_none() {
        pool.name = old.name.clone();
    }
    if pool.user_pool_tier.is_none() {
        pool.user_pool_tier = old.user_pool_tier.clone();
    }
    // Tags are managed by TagResource too; an update that names none keeps them.
    if pool.user_pool_tags.is_none() {
        pool.user_pool_tags = old.user_pool_tags.clone();
    }
    apply_defaults(&mut pool);
    validate_settings(&pool)?;
    pool.last_modified_date = Some(ctx.clock.now_epoch());
    save_pool(&ctx, &pool).await?;
    Ok(UpdateUserPoolResponse {})
}

pub async fn delete_user_pool(
    ctx: Ctx,
    input: DeleteUserPoolRequest,
) -> ApiResult<serde_json::Value> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    if pool.deletion_protection.as_deref() == Some("ACTIVE") {
        return Err(invalid(
            "The user pool cannot be deleted because deletion protection is activated.",
        ));
    }
    if !ctx.store.delete_pool(&input.user_pool_id).await? {
        return Err(pool_not_found(&input.user_pool_id));
    }
    Ok(serde_json::json!({}))
}

#[cfg(test)]
mod tests;
