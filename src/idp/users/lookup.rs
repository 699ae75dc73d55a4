//! How a name finds a user in a pool, the way Cognito sign-in does: by username (case
//! sensitivity as the pool says), else by the pool's UsernameAttributes or AliasAttributes.

use crate::idp::shapes::*;
use crate::model::user::User;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};
use crate::store::users::LookupAttr;

/// True unless the pool's UsernameConfiguration says usernames are case-insensitive
/// (pools created through the API without UsernameConfiguration are case-sensitive).
pub fn case_sensitive(pool: &UserPoolType) -> bool {
    crate::idp::user_pools::username_case_sensitive(pool)
}

/// The key a name is matched against in the pool: lowercased when case-insensitive.
pub fn username_key(pool: &UserPoolType, name: &str) -> String {
    if case_sensitive(pool) {
        name.to_string()
    } else {
        name.to_lowercase()
    }
}

fn has(list: &Option<Vec<String>>, name: &str) -> bool {
    list.as_ref().is_some_and(|l| l.iter().any(|a| a == name))
}

/// True when the pool signs users in by email and/or phone number instead of a username
/// (UsernameAttributes); their internal username is then the `sub`.
pub fn uses_username_attributes(pool: &UserPoolType) -> bool {
    pool.username_attributes
        .as_ref()
        .is_some_and(|l| !l.is_empty())
}

pub fn is_username_attribute(pool: &UserPoolType, attr: &str) -> bool {
    has(&pool.username_attributes, attr)
}

pub fn is_alias_attribute(pool: &UserPoolType, attr: &str) -> bool {
    has(&pool.alias_attributes, attr)
}

pub fn is_auto_verified(pool: &UserPoolType, attr: &str) -> bool {
    has(&pool.auto_verified_attributes, attr)
}

/// Finds the user `name` designates, the way Cognito sign-in does: by username (honouring
/// case sensitivity); else by email / phone number when those are the pool's
/// UsernameAttributes; else by a verified email / phone number or a preferred_username when
/// the pool's AliasAttributes allow it.
pub async fn resolve_user(ctx: &Ctx, pool: &UserPoolType, name: &str) -> ApiResult<Option<User>> {
    let pool_id = pool.id.as_deref().unwrap_or_default();
    if let Some(user) = ctx
        .store
        .get_user_by_key(pool_id, &username_key(pool, name))
        .await?
    {
        return Ok(Some(user));
    }
    let mut candidates: Vec<(LookupAttr, bool)> = Vec::new();
    if name.contains('@') {
        if is_username_attribute(pool, "email") {
            candidates.push((LookupAttr::Email, false));
        } else if is_alias_attribute(pool, "email") {
            candidates.push((LookupAttr::Email, true));
        }
    }
    if name.starts_with('+') {
        if is_username_attribute(pool, "phone_number") {
            candidates.push((LookupAttr::PhoneNumber, false));
        } else if is_alias_attribute(pool, "phone_number") {
            candidates.push((LookupAttr::PhoneNumber, true));
        }
    }
    if is_alias_attribute(pool, "preferred_username") {
        candidates.push((LookupAttr::PreferredUsername, false));
    }
    for (attr, verified_only) in candidates {
        let found = ctx
            .store
            .find_users_by_attr(pool_id, attr, name, verified_only)
            .await?;
        if let Some(user) = found.into_iter().next() {
            return Ok(Some(user));
        }
    }
    Ok(None)
}

/// [`resolve_user`], or UserNotFoundException "User does not exist.".
pub async fn require_user(ctx: &Ctx, pool: &UserPoolType, name: &str) -> ApiResult<User> {
    resolve_user(ctx, pool, name)
        .await?
        .ok_or_else(ApiError::user_not_found)
}
