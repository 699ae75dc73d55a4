//! Writing a user's attributes the way Cognito does: contact changes become unverified and
//! are sent a code, verified aliases stay unique, required and immutable attributes stay.

use super::codes::{CONFIRMATION_CODE_SECS, send_code, verify_purpose};
use super::destinations::Destination;
use super::lookup::{is_alias_attribute, is_auto_verified, is_username_attribute};
use crate::idp::shapes::*;
use crate::model::user::User;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::store::user_writes::{Checked, Unique};
use crate::store::users::LookupAttr;

/// Marks a verified email/phone, refusing (AliasExistsException) or, with `force`, taking
/// over the alias when another user of an alias pool already has it verified.
pub async fn mark_verified(
    ctx: &Ctx,
    pool: &UserPoolType,
    user: &mut User,
    attribute: &str,
    force: bool,
) -> ApiResult<()> {
    let (lookup, flag) = match attribute {
        "email" => (LookupAttr::Email, "email_verified"),
        "phone_number" => (LookupAttr::PhoneNumber, "phone_number_verified"),
        _ => return Ok(()),
    };
    if let Some(value) = user.attr(attribute).map(str::to_string)
        && is_alias_attribute(pool, attribute)
    {
        let others = ctx
            .store
            .find_users_by_attr(&user.pool_id, lookup, &value, true)
            .await?;
        for mut other in others.into_iter().filter(|o| o.username != user.username) {
            if !force {
                return Err(ApiError::new(
                    ErrorKind::AliasExistsException,
                    format!("An account with the given {attribute} already exists."),
                ));
            }
            other.set_attr(flag, "false");
            other.modified = ctx.clock.now_epoch();
            ctx.store.save_user(&other).await?;
        }
    }
    user.set_attr(flag, "true");
    Ok(())
}

/// True when the pool keeps the original `attribute` (email / phone_number) until a new value
/// is verified (UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate).
pub fn requires_verification_before_update(pool: &UserPoolType, attribute: &str) -> bool {
    pool.user_attribute_update_settings
        .as_ref()
        .and_then(|s| s.attributes_require_verification_before_update.as_ref())
        .is_some_and(|list| list.iter().any(|a| a == attribute))
}

/// Applies validated attribute writes to `user` the way Cognito does: a changed email /
/// phone number becomes unverified (unless the same request marks it verified) and, when the
/// pool auto-verifies it, a verification code is sent; a value marked verified must not be
/// another user's verified alias (AliasExistsException); in email/phone-as-username pools the
/// new value must be unused. Saves the user; answers the deliveries made.
pub async fn update_attributes(
    ctx: &Ctx,
    pool: &UserPoolType,
    user: &mut User,
    attrs: Vec<(String, String)>,
) -> ApiResult<Vec<CodeDeliveryDetailsType>> {
    let mut changed: Vec<&'static str> = Vec::new();
    for contact in ["email", "phone_number"] {
        if let Some((_, v)) = attrs.iter().find(|(n, _)| n == contact)
            && user.attr(contact) != Some(v.as_str())
        {
            changed.push(contact);
            if is_username_attribute(pool, contact) {
                let lookup = if contact == "email" {
                    LookupAttr::Email
                } else {
                    LookupAttr::PhoneNumber
                };
                let taken = ctx
                    .store
                    .find_users_by_attr(&user.pool_id, lookup, v, false)
                    .await?
                    .into_iter()
                    .any(|o| o.username != user.username);
                if taken {
                    return Err(ApiError::new(
                        ErrorKind::AliasExistsException,
                        format!("An account with the given {contact} already exists."),
                    ));
                }
            }
        }
    }
    let original: Vec<(&str, Option<String>)> = ["email", "phone_number"]
        .into_iter()
        .map(|c| (c, user.attr(c).map(str::to_string)))
        .collect();
    for (n, v) in &attrs {
        user.set_attr(n, v);
    }
    let mut to_send = Vec::new();
    let mut pending: Vec<(&'static str, String)> = Vec::new();
    for contact in ["email", "phone_number"] {
        let flag = format!("{contact}_verified");
        let marked = attrs.iter().any(|(n, v)| *n == flag && v == "true");
        let kept = original
            .iter()
            .find(|(c, _)| *c == contact)
            .and_then(|(_, v)| v.clone());
        if marked {
            user.set_attr(&flag, "false");
            mark_verified(ctx, pool, user, contact, false).await?;
        } else if changed.contains(&contact)
            && requires_verification_before_update(pool, contact)
            && let Some(kept) = kept
        {
            // The user keeps (and signs in with) the original value until the new one is
            // verified; the code goes to the new value.
            let new_value = user.attr(contact).unwrap_or_default().to_string();
            user.set_attr(contact, &kept);
            if let Some(dest) = Destination::for_attribute(contact, &new_value) {
                to_send.push(dest);
            }
            pending.push((contact, new_value));
        } else if changed.contains(&contact) {
            user.set_attr(&flag, "false");
            if is_auto_verified(pool, contact)
                && let Some(dest) = user
                    .attr(contact)
                    .and_then(|v| Destination::for_attribute(contact, v))
            {
                to_send.push(dest);
            }
        }
    }
    user.modified = ctx.clock.now_epoch();
    // The checks above, again where the user is written: a concurrent request may have taken
    // the email / phone number (as username, or as a verified alias) meanwhile.
    let mut unique = Vec::new();
    for contact in ["email", "phone_number"] {
        let lookup = if contact == "email" {
            LookupAttr::Email
        } else {
            LookupAttr::PhoneNumber
        };
        let kept = original
            .iter()
            .any(|(c, v)| *c == contact && v.as_deref() == user.attr(contact));
        if changed.contains(&contact)
            && !kept
            && is_username_attribute(pool, contact)
            && let Some(value) = user.attr(contact)
        {
            unique.push(Unique {
                attr: lookup,
                value: value.to_string(),
                verified_only: false,
                take_over: false,
            });
        }
        if user.attr_is_true(&format!("{contact}_verified")) {
            unique.extend(crate::idp::sign_up::verified_alias(
                pool, user, contact, false,
            ));
        }
    }
    match ctx
        .store
        .update_user_checked(user, None, None, &unique)
        .await?
    {
        Checked::Done => {}
        Checked::UserGone => return Err(ApiError::user_not_found()),
        Checked::Taken(i) => {
            let contact = if unique[i].attr == LookupAttr::Email {
                "email"
            } else {
                "phone_number"
            };
            return Err(ApiError::new(
                ErrorKind::AliasExistsException,
                format!("An account with the given {contact} already exists."),
            ));
        }
        other => {
            return Err(ApiError::internal(format!(
                "update_user_checked: {other:?}"
            )));
        }
    }
    for contact in ["email", "phone_number"] {
        match pending.iter().find(|(c, _)| *c == contact) {
            Some((_, value)) => {
                ctx.store
                    .put_pending_attribute(&user.pool_id, &user.username, contact, value)
                    .await?
            }
            // A value written (or marked verified) directly replaces any pending one.
            None if attrs.iter().any(|(n, _)| n == contact) => {
                ctx.store
                    .delete_pending_attribute(&user.pool_id, &user.username, contact)
                    .await?
            }
            None => {}
        }
    }
    let mut details = Vec::new();
    for dest in to_send {
        details.push(
            send_code(
                ctx,
                pool,
                user,
                &dest,
                &verify_purpose(dest.attribute),
                "update_attribute",
                CONFIRMATION_CODE_SECS,
            )
            .await?,
        );
    }
    Ok(details)
}

/// Removes attributes (with their `_verified` flags for email / phone number); `sub` and
/// required attributes cannot be removed. Saves the user.
pub async fn delete_attributes(
    ctx: &Ctx,
    pool: &UserPoolType,
    user: &mut User,
    names: &[String],
) -> ApiResult<()> {
    for name in names {
        if name == "sub" {
            return Err(ApiError::invalid_parameter(
                "Cannot modify the non-mutable attribute sub",
            ));
        }
        let schema = crate::idp::attributes::schema_of(pool, name);
        if schema.is_some_and(|s| s.required == Some(true)) {
            return Err(ApiError::invalid_parameter(format!(
                "Attributes did not conform to the schema: {name}: The attribute {name} is required\n"
            )));
        }
        if schema.is_some_and(|s| s.mutable == Some(false)) {
            return Err(ApiError::invalid_parameter(format!(
                "Cannot modify the non-mutable attribute {name}"
            )));
        }
    }
    for name in names {
        user.remove_attr(name);
        if name == "email" || name == "phone_number" {
            user.remove_attr(&format!("{name}_verified"));
        }
    }
    user.modified = ctx.clock.now_epoch();
    ctx.store.save_user(user).await?;
    Ok(())
}
