//! What every user action shares: finding a user the way Cognito sign-in does
//! ([`resolve_user`]), sign-in keys, the client of a public call and its SECRET_HASH, the
//! password policy, and wire conversions.

use super::shapes::*;
use crate::crypto::secret_hash;
use crate::model::user::User;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::store::users::LookupAttr;
use rand::Rng;
use rand::seq::SliceRandom;

/// True unless the pool's UsernameConfiguration says usernames are case-insensitive
/// (pools created through the API without UsernameConfiguration are case-sensitive).
pub fn case_sensitive(pool: &UserPoolType) -> bool {
    super::user_pools::username_case_sensitive(pool)
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

/// The client and pool of a public call, with the SECRET_HASH checked for `username`.
pub async fn public_call(
    ctx: &Ctx,
    client_id: &str,
    username: &str,
    secret_hash: Option<&str>,
) -> ApiResult<(UserPoolType, UserPoolClientType)> {
    let (pool_id, client) = super::clients::load_client(ctx, client_id).await?;
    check_secret_hash(client_id, &client, username, secret_hash)?;
    let pool = super::user_pools::load_pool(ctx, &pool_id).await?;
    Ok((pool, client))
}

/// When the client has a secret, `given` must be SECRET_HASH for `username`.
pub fn check_secret_hash(
    client_id: &str,
    client: &UserPoolClientType,
    username: &str,
    given: Option<&str>,
) -> ApiResult<()> {
    let Some(secret) = client.client_secret.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(());
    };
    let Some(given) = given else {
        return Err(ApiError::not_authorized(format!(
            "Client {client_id} is configured with secret but SECRET_HASH was not received"
        )));
    };
    if secret_hash::verify(secret, username, client_id, given) {
        Ok(())
    } else {
        Err(ApiError::not_authorized(format!(
            "Unable to verify secret hash for client {client_id}"
        )))
    }
}

/// True when the client hides whether users exist (PreventUserExistenceErrors ENABLED).
pub fn prevents_user_existence_errors(client: &UserPoolClientType) -> bool {
    client.prevent_user_existence_errors.as_deref() == Some("ENABLED")
}

/// How InvalidPasswordException messages start; Cognito words them differently per action.
#[derive(Debug, Clone, Copy)]
pub enum PolicyWording {
    /// SignUp: "Password did not conform with policy: ..."
    SignUp,
    /// AdminCreateUser, AdminSetUserPassword: "Password did not conform with password policy: ..."
    Admin,
    /// ConfirmForgotPassword, ChangePassword, new-password challenges:
    /// "Password does not conform to policy: ..."
    Change,
}

/// The pool's password policy, Cognito's defaults when it sets none.
pub fn password_policy(pool: &UserPoolType) -> PasswordPolicyType {
    match pool
        .policies
        .as_ref()
        .and_then(|p| p.password_policy.clone())
    {
        Some(p) => p,
        None => PasswordPolicyType {
            minimum_length: Some(8),
            require_uppercase: Some(true),
            require_lowercase: Some(true),
            require_numbers: Some(true),
            require_symbols: Some(true),
            temporary_password_validity_days: Some(7),
            ..Default::default()
        },
    }
}

/// The characters Cognito counts as symbols.
pub const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`+=- ";

/// Checks `password` against the pool's policy: InvalidPasswordException with Cognito's
/// message when it does not conform.
pub fn check_password_policy(
    pool: &UserPoolType,
    password: &str,
    wording: PolicyWording,
) -> ApiResult<()> {
    let p = password_policy(pool);
    let problem = if (password.chars().count() as i32) < p.minimum_length.unwrap_or(8) {
        Some("Password not long enough")
    } else if p.require_lowercase == Some(true) && !password.chars().any(char::is_lowercase) {
        Some("Password must have lowercase characters")
    } else if p.require_uppercase == Some(true) && !password.chars().any(char::is_uppercase) {
        Some("Password must have uppercase characters")
    } else if p.require_numbers == Some(true) && !password.chars().any(|c| c.is_ascii_digit()) {
        Some("Password must have numeric characters")
    } else if p.require_symbols == Some(true) && !password.chars().any(|c| SYMBOLS.contains(c)) {
        Some("Password must have symbol characters")
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(problem) => {
            let prefix = match wording {
                PolicyWording::SignUp => "Password did not conform with policy",
                PolicyWording::Admin => "Password did not conform with password policy",
                PolicyWording::Change => "Password does not conform to policy",
            };
            Err(ApiError::new(
                ErrorKind::InvalidPasswordException,
                format!("{prefix}: {problem}"),
            ))
        }
    }
}

/// A temporary password that satisfies the pool's policy.
pub fn generate_temporary_password(pool: &UserPoolType) -> String {
    const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    const SYMS: &[u8] = b"!#%&*+=?^~";
    let len = password_policy(pool).minimum_length.unwrap_or(8).max(12) as usize;
    let mut rng = rand::rng();
    let mut pick = |set: &[u8]| set[rng.random_range(0..set.len())] as char;
    let mut chars = vec![pick(LOWER), pick(UPPER), pick(DIGITS), pick(SYMS)];
    let all: Vec<u8> = [LOWER, UPPER, DIGITS, SYMS].concat();
    while chars.len() < len {
        chars.push(pick(&all));
    }
    chars.shuffle(&mut rand::rng());
    chars.into_iter().collect()
}

/// The user's attributes on the wire.
pub fn attribute_types(user: &User) -> Vec<AttributeType> {
    user.attributes
        .iter()
        .map(|(name, value)| AttributeType {
            name: name.clone(),
            value: Some(value.clone()),
        })
        .collect()
}

/// `UserType` as AdminCreateUser / ListUsers answer it.
pub fn user_type(user: &User) -> UserType {
    UserType {
        username: Some(user.username.clone()),
        attributes: Some(attribute_types(user)),
        user_create_date: Some(user.created),
        user_last_modified_date: Some(user.modified),
        enabled: Some(user.enabled),
        user_status: Some(user.status.as_str().to_string()),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_messages() {
        let pool = UserPoolType::default();
        let err = |p: &str| {
            check_password_policy(&pool, p, PolicyWording::SignUp)
                .err()
                .map(|e| e.message)
        };
        assert_eq!(
            err("Ab1!").as_deref(),
            Some("Password did not conform with policy: Password not long enough")
        );
        assert_eq!(
            err("ABCDEFG1!").as_deref(),
            Some("Password did not conform with policy: Password must have lowercase characters")
        );
        assert_eq!(
            err("abcdefg1!").as_deref(),
            Some("Password did not conform with policy: Password must have uppercase characters")
        );
        assert_eq!(
            err("abcdefgH!").as_deref(),
            Some("Password did not conform with policy: Password must have numeric characters")
        );
        assert_eq!(
            err("abcdefgH1").as_deref(),
            Some("Password did not conform with policy: Password must have symbol characters")
        );
        assert_eq!(err("abcdefgH1!"), None);
        for _ in 0..50 {
            let p = generate_temporary_password(&pool);
            assert!(
                check_password_policy(&pool, &p, PolicyWording::Admin).is_ok(),
                "{p}"
            );
        }
    }
}

/// Where a code for an attribute goes: the medium, the attribute and its value.
#[derive(Debug, Clone)]
pub struct Destination {
    pub medium: crate::mail::Medium,
    pub attribute: &'static str,
    pub to: String,
}

impl Destination {
    pub fn email(to: &str) -> Self {
        Destination {
            medium: crate::mail::Medium::Email,
            attribute: "email",
            to: to.to_string(),
        }
    }

    pub fn sms(to: &str) -> Self {
        Destination {
            medium: crate::mail::Medium::Sms,
            attribute: "phone_number",
            to: to.to_string(),
        }
    }

    pub fn for_attribute(attribute: &str, to: &str) -> Option<Self> {
        match attribute {
            "email" => Some(Destination::email(to)),
            "phone_number" => Some(Destination::sms(to)),
            _ => None,
        }
    }

    /// `CodeDeliveryDetails` with the masked destination.
    pub fn details(&self) -> CodeDeliveryDetailsType {
        CodeDeliveryDetailsType {
            destination: Some(crate::mail::mask_destination(self.medium, &self.to)),
            delivery_medium: Some(self.medium.as_str().to_string()),
            attribute_name: Some(self.attribute.to_string()),
        }
    }
}

/// Where a sign-up confirmation code goes: the phone when phone_number is auto-verified
/// (Cognito prefers it when both are), else the email when email is.
pub fn confirmation_destination(pool: &UserPoolType, user: &User) -> Option<Destination> {
    if is_auto_verified(pool, "phone_number")
        && let Some(phone) = user.attr("phone_number")
    {
        return Some(Destination::sms(phone));
    }
    if is_auto_verified(pool, "email")
        && let Some(email) = user.attr("email")
    {
        return Some(Destination::email(email));
    }
    None
}

/// Code lifetimes.
pub const CONFIRMATION_CODE_SECS: f64 = 24.0 * 3600.0;
pub const RESET_CODE_SECS: f64 = 3600.0;

/// Makes a code for `purpose`, stores it, and sends the pool's verification message with
/// it to `dest`. Answers the CodeDeliveryDetails.
pub async fn send_code(
    ctx: &Ctx,
    pool: &UserPoolType,
    user: &User,
    dest: &Destination,
    purpose: &str,
    kind: &str,
    validity_secs: f64,
) -> ApiResult<CodeDeliveryDetailsType> {
    let code = crate::mail::new_code(ctx);
    ctx.store
        .put_code(
            &user.pool_id,
            &user.username,
            purpose,
            &code,
            ctx.clock.now_epoch() + validity_secs,
        )
        .await?;
    let (subject, body) = match dest.medium {
        crate::mail::Medium::Email => {
            let (subject, template) = crate::mail::templates::verification_email(pool);
            (Some(subject), template)
        }
        crate::mail::Medium::Sms => (None, crate::mail::templates::verification_sms(pool)),
    };
    crate::mail::send(
        ctx,
        crate::mail::Message {
            pool_id: user.pool_id.clone(),
            username: user.username.clone(),
            to: dest.to.clone(),
            medium: dest.medium,
            kind: kind.to_string(),
            subject,
            body: crate::mail::render(&body, &code, &user.username),
            code: Some(code),
        },
    )
    .await?;
    Ok(dest.details())
}

/// Checks `given` against the stored code for `purpose`: CodeMismatchException when there
/// is none or it differs, ExpiredCodeException when it is past its time. The caller deletes
/// the code ([`Store::delete_code`](crate::store::Store::delete_code)) once the action succeeded.
pub async fn check_code(ctx: &Ctx, user: &User, purpose: &str, given: &str) -> ApiResult<()> {
    let stored = ctx
        .store
        .get_code(&user.pool_id, &user.username, purpose)
        .await?;
    let Some(stored) = stored.filter(|c| c.code == given.trim()) else {
        return Err(code_mismatch());
    };
    if ctx.clock.now_epoch() > stored.expires {
        return Err(ApiError::new(
            ErrorKind::ExpiredCodeException,
            "Invalid code provided, please request a code again.",
        ));
    }
    Ok(())
}

pub fn code_mismatch() -> ApiError {
    ApiError::new(
        ErrorKind::CodeMismatchException,
        "Invalid verification code provided, please try again.",
    )
}

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

/// Purpose of the code that verifies `attribute` (email / phone_number).
pub fn verify_purpose(attribute: &str) -> String {
    format!("verify:{attribute}")
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
    ctx.store.save_user(user).await?;
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
                "verify_attribute",
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
        let schema = super::attributes::schema_of(pool, name);
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

/// Where a password-reset code goes, following the pool's AccountRecoverySetting (by
/// priority; `admin_only` allows none) or, without one, a verified phone before a verified
/// email. Only verified addresses receive reset codes.
pub fn recovery_destination(pool: &UserPoolType, user: &User) -> ApiResult<Destination> {
    let verified = |attr: &str| {
        user.attr_is_true(&format!("{attr}_verified"))
            .then(|| user.attr(attr))
            .flatten()
    };
    let mechanisms = pool
        .account_recovery_setting
        .as_ref()
        .and_then(|s| s.recovery_mechanisms.clone())
        .filter(|m| !m.is_empty());
    let order: Vec<String> = match mechanisms {
        Some(mut m) => {
            m.sort_by_key(|o| o.priority);
            m.into_iter().map(|o| o.name).collect()
        }
        None => vec!["verified_phone_number".into(), "verified_email".into()],
    };
    for mechanism in &order {
        match mechanism.as_str() {
            "verified_email" => {
                if let Some(email) = verified("email") {
                    return Ok(Destination::email(email));
                }
            }
            "verified_phone_number" => {
                if let Some(phone) = verified("phone_number") {
                    return Ok(Destination::sms(phone));
                }
            }
            "admin_only" => {
                return Err(ApiError::not_authorized(
                    "Cannot reset password for the user as there is no registered/verified email or phone_number",
                ));
            }
            _ => {}
        }
    }
    Err(ApiError::invalid_parameter(
        "Cannot reset password for the user as there is no registered/verified email or phone_number",
    ))
}

pub const FORGOT_PASSWORD: &str = "forgot_password";
