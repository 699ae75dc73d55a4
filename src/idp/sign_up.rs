//! SignUp, ConfirmSignUp, ResendConfirmationCode, AdminConfirmSignUp.

use super::attributes::{self, WriteBy};
use super::challenge::Call;
use super::shapes::*;
use super::users::attribute_writes::mark_verified;
use super::users::codes::{CONFIRMATION_CODE_SECS, check_code, code_mismatch, send_code};
use super::users::destinations::{Destination, confirmation_destination};
use super::users::lookup::{
    is_alias_attribute, is_username_attribute, require_user, resolve_user, username_key,
    uses_username_attributes,
};
use super::users::password_policy::{PolicyWording, check_password_policy};
use super::users::public_call::{prevents_user_existence_errors, public_call};
use crate::cpu::hash_password;
use crate::ids;
use crate::model::user::{User, UserStatus};
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::store::user_writes::{Checked, SpendCode, Unique};
use crate::store::users::LookupAttr;
use crate::triggers::{self, Invocation, Trigger};
use serde_json::json;

const SIGN_UP: &str = "signup";

/// Decides the internal username of a new user and which attribute its sign-in name sets.
/// In pools with UsernameAttributes the name must be an email / phone number (it becomes that
/// attribute, the internal username is the sub); in alias pools it must not look like one.
pub(crate) fn internal_username(
    pool: &UserPoolType,
    name: &str,
    sub: &str,
) -> ApiResult<(String, Option<&'static str>)> {
    if uses_username_attributes(pool) {
        let email_ok = is_username_attribute(pool, "email");
        let phone_ok = is_username_attribute(pool, "phone_number");
        if email_ok && name.contains('@') {
            return Ok((sub.to_string(), Some("email")));
        }
        if phone_ok && name.starts_with('+') {
            return Ok((sub.to_string(), Some("phone_number")));
        }
        let message = match (email_ok, phone_ok) {
            (true, true) => "Username should be either an email or a phone number.",
            (true, false) => "Username should be an email.",
            _ => "Username should be a phone number.",
        };
        return Err(ApiError::invalid_parameter(message));
    }
    if is_alias_attribute(pool, "email") && name.contains('@') {
        return Err(ApiError::invalid_parameter(
            "Username cannot be of email format, since user pool is configured for email alias.",
        ));
    }
    if is_alias_attribute(pool, "phone_number") && name.starts_with('+') {
        return Err(ApiError::invalid_parameter(
            "Username cannot be of phone number format, since user pool is configured for phone number alias.",
        ));
    }
    Ok((name.to_string(), None))
}

/// Builds a new user (not stored) from a sign-in name and validated attributes, refusing a
/// name already taken: UsernameExistsException ("An account with the given email already
/// exists." in email-as-username pools).
pub(crate) async fn new_user(
    ctx: &Ctx,
    pool: &UserPoolType,
    name: &str,
    attrs: Vec<(String, String)>,
    status: UserStatus,
    existing_message: &str,
) -> ApiResult<(User, String, Vec<Unique>)> {
    let pool_id = pool.id.clone().unwrap_or_default();
    let sub = ids::uuid();
    let (username, name_attr) = internal_username(pool, name, &sub)?;
    let mut unique = Vec::new();
    if let Some(attr) = name_attr {
        let lookup = if attr == "email" {
            LookupAttr::Email
        } else {
            LookupAttr::PhoneNumber
        };
        unique.push(Unique {
            attr: lookup,
            value: name.to_string(),
            verified_only: false,
            take_over: false,
        });
        if !ctx
            .store
            .find_users_by_attr(&pool_id, lookup, name, false)
            .await?
            .is_empty()
        {
            return Err(ApiError::new(
                ErrorKind::UsernameExistsException,
                format!("An account with the given {attr} already exists."),
            ));
        }
    } else if ctx
        .store
        .get_user_by_key(&pool_id, &username_key(pool, name))
        .await?
        .is_some()
    {
        return Err(ApiError::new(
            ErrorKind::UsernameExistsException,
            existing_message,
        ));
    }
    let mut user = User::new(&pool_id, &username, &sub, status, ctx.clock.now_epoch());
    for (n, v) in attrs {
        user.set_attr(&n, &v);
    }
    if let Some(attr) = name_attr {
        user.set_attr(attr, name);
    }
    let key = username_key(pool, &username);
    Ok((user, key, unique))
}

/// Stores a user made by [`new_user`], checking again, in the same transaction as the insert,
/// that the pool exists and that the username and the `unique` values are free: of many
/// concurrent requests for one name, one creates the user and the others get the error a
/// later request would.
pub(crate) async fn insert_new_user(
    ctx: &Ctx,
    user: &User,
    key: &str,
    unique: &[Unique],
    existing_message: &str,
) -> ApiResult<()> {
    match ctx.store.insert_user_checked(user, key, unique).await? {
        Checked::Done => Ok(()),
        Checked::PoolGone => Err(ApiError::resource_not_found(format!(
            "User pool {} does not exist.",
            user.pool_id
        ))),
        Checked::UsernameTaken => Err(ApiError::new(
            ErrorKind::UsernameExistsException,
            existing_message,
        )),
        Checked::Taken(i) => Err(unique_taken(&unique[i])),
        other => Err(ApiError::internal(format!(
            "insert_user_checked: {other:?}"
        ))),
    }
}

/// The error for a `Unique` value another user holds: AliasExistsException for a verified
/// alias, UsernameExistsException for an email / phone number used as username.
pub(crate) fn unique_taken(u: &Unique) -> ApiError {
    let attr = match u.attr {
        LookupAttr::Email => "email",
        LookupAttr::PhoneNumber => "phone_number",
        LookupAttr::PreferredUsername => "preferred_username",
    };
    let kind = if u.verified_only {
        ErrorKind::AliasExistsException
    } else {
        ErrorKind::UsernameExistsException
    };
    ApiError::new(
        kind,
        format!("An account with the given {attr} already exists."),
    )
}

/// The verified-alias claim marking `attribute` verified makes for `user` in an alias pool
/// (None when the attribute is not an alias or the user has no value for it).
pub(crate) fn verified_alias(
    pool: &UserPoolType,
    user: &User,
    attribute: &str,
    take_over: bool,
) -> Option<Unique> {
    let attr = match attribute {
        "email" => LookupAttr::Email,
        "phone_number" => LookupAttr::PhoneNumber,
        _ => return None,
    };
    if !is_alias_attribute(pool, attribute) {
        return None;
    }
    Some(Unique {
        attr,
        value: user.attr(attribute)?.to_string(),
        verified_only: true,
        take_over,
    })
}

pub async fn sign_up(ctx: Ctx, input: SignUpRequest) -> ApiResult<SignUpResponse> {
    let (pool, client) = public_call(
        &ctx,
        &input.client_id,
        &input.username,
        input.secret_hash.as_deref(),
    )
    .await?;
    if pool
        .admin_create_user_config
        .as_ref()
        .and_then(|c| c.allow_admin_create_user_only)
        == Some(true)
    {
        return Err(ApiError::not_authorized(
            "SignUp is not permitted for this user pool",
        ));
    }
    let attrs = attributes::validate(
        &pool,
        input.user_attributes.as_deref().unwrap_or_default(),
        WriteBy::Creation,
    )?;
    attributes::check_client_may_write(&client, &attrs)?;
    let password = input.password.as_deref();
    if password.is_none() && !super::user_auth::pool_allows_passwordless(&pool) {
        return Err(ApiError::invalid_parameter(
            "1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null",
        ));
    }
    let (mut user, key, mut unique) = new_user(
        &ctx,
        &pool,
        &input.username,
        attrs,
        UserStatus::Unconfirmed,
        "User already exists",
    )
    .await?;
    attributes::check_required(&pool, &user)?;
    match password {
        Some(password) => check_password_policy(&pool, password, PolicyWording::SignUp)?,
        None => super::user_auth::check_passwordless_sign_up(&pool, &client, &user)?,
    }
    // PreSignUp may refuse the sign-up (nothing is stored then) or confirm the user.
    let pre = triggers::run(
        &ctx,
        &pool,
        Invocation {
            trigger: Trigger::PreSignUp,
            source: "PreSignUp_SignUp",
            user_name: &user.username,
            client_id: Some(&input.client_id),
            request: json!({
                "userAttributes": triggers::user_attributes(&user.attributes),
                "validationData": triggers::attribute_map(input.validation_data.as_deref()),
                "clientMetadata": triggers::string_map(input.client_metadata.iter().flatten()),
            }),
            response: json!({
                "autoConfirmUser": false,
                "autoVerifyEmail": false,
                "autoVerifyPhone": false,
            }),
        },
    )
    .await?
    .unwrap_or_default();
    let auto_confirmed = triggers::flag(&pre, "autoConfirmUser");
    if auto_confirmed {
        user.status = UserStatus::Confirmed;
    }
    for (flag, attr) in [
        ("autoVerifyEmail", "email"),
        ("autoVerifyPhone", "phone_number"),
    ] {
        if triggers::flag(&pre, flag) && user.attr(attr).is_some() {
            user.set_attr(&format!("{attr}_verified"), "true");
            unique.extend(verified_alias(&pool, &user, attr, false));
        }
    }
    if let Some(password) = password {
        user.password = Some(hash_password(&user.pool_id, &user.username, password).await?);
    }
    insert_new_user(&ctx, &user, &key, &unique, "User already exists").await?;
    if auto_confirmed {
        return Ok(SignUpResponse {
            user_confirmed: true,
            code_delivery_details: None,
            user_sub: user.sub,
            session: None,
        });
    }
    let details = match confirmation_destination(&pool, &user) {
        Some(dest) => Some(
            send_code(
                &ctx,
                &pool,
                &user,
                &dest,
                SIGN_UP,
                "sign_up",
                CONFIRMATION_CODE_SECS,
            )
            .await?,
        ),
        None => None,
    };
    let call = sign_up_call(&pool, &input.client_id, &client);
    let session = super::user_auth::sign_up_session(&ctx, &call, &user).await?;
    Ok(SignUpResponse {
        user_confirmed: false,
        code_delivery_details: details,
        user_sub: user.sub,
        session,
    })
}

/// The user a public call names, honouring the client's PreventUserExistenceErrors: when
/// enabled an unknown user is reported as `hidden` instead of UserNotFoundException.
async fn public_user(
    ctx: &Ctx,
    pool: &UserPoolType,
    client: &UserPoolClientType,
    name: &str,
    hidden: ApiError,
) -> ApiResult<User> {
    match resolve_user(ctx, pool, name).await? {
        Some(user) => Ok(user),
        None if prevents_user_existence_errors(client) => Err(hidden),
        None => Err(ApiError::new(
            ErrorKind::UserNotFoundException,
            "Username/client id combination not found.",
        )),
    }
}

fn cannot_confirm(status: UserStatus) -> ApiError {
    ApiError::not_authorized(format!(
        "User cannot be confirmed. Current status is {status}"
    ))
}

/// Writes a confirmed user, provided it is still UNCONFIRMED and, when `spend` is given, its
/// code is still live (and is spent by this write): of concurrent confirmations one
/// succeeds, the others get what a later call gets.
async fn store_confirmed(
    ctx: &Ctx,
    user: &User,
    spend: Option<SpendCode<'_>>,
    unique: &[Unique],
) -> ApiResult<()> {
    match ctx
        .store
        .update_user_checked(user, Some(UserStatus::Unconfirmed), spend, unique)
        .await?
    {
        Checked::Done => Ok(()),
        Checked::StatusChanged(status) => Err(cannot_confirm(status)),
        Checked::UserGone => Err(ApiError::user_not_found()),
        Checked::CodeRejected => match spend {
            // Why the code no longer counts (spent: mismatch; expired meanwhile: expired).
            Some(spend) => {
                check_code(ctx, user, spend.purpose, spend.code).await?;
                Err(code_mismatch())
            }
            None => Err(code_mismatch()),
        },
        Checked::Taken(i) => Err(unique_taken(&unique[i])),
        other => Err(ApiError::internal(format!(
            "update_user_checked: {other:?}"
        ))),
    }
}

pub async fn confirm_sign_up(
    ctx: Ctx,
    input: ConfirmSignUpRequest,
) -> ApiResult<ConfirmSignUpResponse> {
    let (pool, client) = public_call(
        &ctx,
        &input.client_id,
        &input.username,
        input.secret_hash.as_deref(),
    )
    .await?;
    let mut user = public_user(&ctx, &pool, &client, &input.username, code_mismatch()).await?;
    if user.status != UserStatus::Unconfirmed {
        return Err(cannot_confirm(user.status));
    }
    // The code first, so a wrong code never reveals an alias conflict.
    if let Err(e) = check_code(&ctx, &user, SIGN_UP, &input.confirmation_code).await {
        // A concurrent confirmation may have spent the code: answer as a later call would.
        if let Some(now) = ctx.store.get_user(&user.pool_id, &user.username).await?
            && now.status != UserStatus::Unconfirmed
        {
            return Err(cannot_confirm(now.status));
        }
        return Err(e);
    }
    let force = input.force_alias_creation == Some(true);
    let verified_attr = confirmation_destination(&pool, &user).map(|d| d.attribute);
    let mut unique = Vec::new();
    if let Some(attr) = verified_attr {
        mark_verified(&ctx, &pool, &mut user, attr, force).await?;
        unique.extend(verified_alias(&pool, &user, attr, force));
    }
    user.status = UserStatus::Confirmed;
    user.modified = ctx.clock.now_epoch();
    let spend = SpendCode {
        purpose: SIGN_UP,
        code: &input.confirmation_code,
        now: user.modified,
    };
    store_confirmed(&ctx, &user, Some(spend), &unique).await?;
    post_confirmation(
        &ctx,
        &pool,
        &user,
        "PostConfirmation_ConfirmSignUp",
        Some(&input.client_id),
        input.client_metadata.as_ref(),
    )
    .await?;
    // A Session InitiateAuth USER_AUTH signs in with: SignUp's exchanged for it, or a new one
    // when the request gave none. Amplify v6's confirmSignUp sends no Session and its
    // autoSignIn passes on the one this returns (AWS: "You can automatically sign users in with
    // the one-time password that they provided in a successful ConfirmSignUp request").
    let call = sign_up_call(&pool, &input.client_id, &client);
    let given = input.session.as_deref().filter(|s| !s.is_empty());
    let session = super::user_auth::confirm_sign_up_session(&ctx, &call, &user, given).await?;
    Ok(ConfirmSignUpResponse { session })
}

/// The sign-in context a sign-up Session is opened in.
fn sign_up_call(pool: &UserPoolType, client_id: &str, client: &UserPoolClientType) -> Call {
    Call {
        pool_id: pool.id.clone().unwrap_or_default(),
        pool: pool.clone(),
        client_id: client_id.to_string(),
        client: client.clone(),
        rotated_secrets: Vec::new(),
        admin: false,
        client_metadata: Default::default(),
        device_key: None,
    }
}

/// PostConfirmation runs once the confirmation is stored. As on Cognito, a failing function
/// fails the call but the user stays confirmed.
pub(super) async fn post_confirmation(
    ctx: &Ctx,
    pool: &UserPoolType,
    user: &User,
    source: &str,
    client_id: Option<&str>,
    client_metadata: Option<&std::collections::BTreeMap<String, String>>,
) -> ApiResult<()> {
    triggers::run(
        ctx,
        pool,
        Invocation {
            trigger: Trigger::PostConfirmation,
            source,
            user_name: &user.username,
            client_id,
            request: json!({
                "userAttributes": triggers::stored_user_attributes(user),
                "clientMetadata": triggers::string_map(client_metadata.into_iter().flatten()),
            }),
            response: json!({}),
        },
    )
    .await?;
    Ok(())
}

pub async fn resend_confirmation_code(
    ctx: Ctx,
    input: ResendConfirmationCodeRequest,
) -> ApiResult<ResendConfirmationCodeResponse> {
    let (pool, client) = public_call(
        &ctx,
        &input.client_id,
        &input.username,
        input.secret_hash.as_deref(),
    )
    .await?;
    let user = match resolve_user(&ctx, &pool, &input.username).await? {
        Some(user) => user,
        None if prevents_user_existence_errors(&client) => {
            // Answer as if a code went out, to the name given when it looks like an address.
            let dest = if input.username.contains('@') {
                Destination::email(&input.username)
            } else {
                Destination::sms(&input.username)
            };
            return Ok(ResendConfirmationCodeResponse {
                code_delivery_details: Some(dest.details()),
            });
        }
        None => {
            return Err(ApiError::new(
                ErrorKind::UserNotFoundException,
                "Username/client id combination not found.",
            ));
        }
    };
    if user.status != UserStatus::Unconfirmed {
        return Err(ApiError::invalid_parameter("User is already confirmed."));
    }
    let Some(dest) = confirmation_destination(&pool, &user) else {
        return Err(ApiError::invalid_parameter(
            "Cannot resend codes. Auto verification not turned on.",
        ));
    };
    let details = send_code(
        &ctx,
        &pool,
        &user,
        &dest,
        SIGN_UP,
        "resend_code",
        CONFIRMATION_CODE_SECS,
    )
    .await?;
    Ok(ResendConfirmationCodeResponse {
        code_delivery_details: Some(details),
    })
}

pub async fn admin_confirm_sign_up(
    ctx: Ctx,
    input: AdminConfirmSignUpRequest,
) -> ApiResult<serde_json::Value> {
    let pool = super::user_pools::load_pool(&ctx, &input.user_pool_id).await?;
    let mut user = require_user(&ctx, &pool, &input.username).await?;
    if user.status != UserStatus::Unconfirmed {
        return Err(cannot_confirm(user.status));
    }
    user.status = UserStatus::Confirmed;
    user.modified = ctx.clock.now_epoch();
    store_confirmed(&ctx, &user, None, &[]).await?;
    ctx.store
        .delete_code(&user.pool_id, &user.username, SIGN_UP)
        .await?;
    post_confirmation(
        &ctx,
        &pool,
        &user,
        "PostConfirmation_ConfirmSignUp",
        None,
        input.client_metadata.as_ref(),
    )
    .await?;
    Ok(serde_json::json!({}))
}

#[cfg(test)]
mod tests;
