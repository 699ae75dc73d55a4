//! The UserMigration trigger: a user unknown to the pool who signs in with a password, or asks
//! for a password reset, is looked up by the pool's function in the team's legacy store; the
//! user it answers is created on the spot (developer guide, "Migrate user Lambda trigger").
//! SRP sign-in cannot migrate (the password never reaches the server), as on Cognito.

use super::attributes::{self, WriteBy};
use super::challenge::Call;
use super::shapes::*;
use super::sign_up::{insert_new_user, new_user, verified_alias};
use super::users::attribute_writes::mark_verified;
use crate::model::user::{User, UserStatus};
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::triggers::{self, Invocation, Trigger};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Why the user is being migrated.
pub enum Reason<'a> {
    /// Sign-in with this password (it becomes the user's password).
    Authentication {
        password: &'a str,
    },
    ForgotPassword,
}

/// Asks the function for `username`; the created user, or `None` when the pool has no
/// UserMigration trigger or the function does not know the user either.
pub async fn migrate(
    ctx: &Ctx,
    pool: &UserPoolType,
    client_id: &str,
    client_metadata: &BTreeMap<String, String>,
    username: &str,
    reason: Reason<'_>,
) -> ApiResult<Option<User>> {
    if !triggers::configured(pool, Trigger::UserMigration) {
        return Ok(None);
    }
    let (source, mut request) = match &reason {
        Reason::Authentication { password } => (
            "UserMigration_Authentication",
            json!({"password": password}),
        ),
        Reason::ForgotPassword => ("UserMigration_ForgotPassword", json!({})),
    };
    request["validationData"] = triggers::string_map(client_metadata);
    request["clientMetadata"] = triggers::string_map(client_metadata);
    let answer = triggers::run(
        ctx,
        pool,
        Invocation {
            trigger: Trigger::UserMigration,
            source,
            user_name: username,
            client_id: Some(client_id),
            request,
            response: json!({
                "userAttributes": null,
                "finalUserStatus": null,
                "messageAction": null,
                "desiredDeliveryMediums": null,
                "forceAliasCreation": null,
                "enableSMSMFA": null,
            }),
        },
    )
    .await?
    .unwrap_or_default();
    let Some(given) = answer["userAttributes"].as_object() else {
        return Ok(None);
    };
    let given: Vec<AttributeType> = given
        .iter()
        .filter(|(name, _)| *name != "sub" && !name.starts_with("cognito:"))
        .filter_map(|(name, value)| {
            let value = match value {
                Value::String(s) => s.clone(),
                Value::Bool(_) | Value::Number(_) => value.to_string(),
                _ => return None,
            };
            Some(AttributeType {
                name: name.clone(),
                value: Some(value),
            })
        })
        .collect();
    let attrs = attributes::validate(pool, &given, WriteBy::Creation).map_err(|e| {
        ApiError::new(
            ErrorKind::InvalidLambdaResponseException,
            format!("Invalid user attributes from UserMigration: {}", e.message),
        )
    })?;
    let status = match (answer["finalUserStatus"].as_str(), &reason) {
        (Some("RESET_REQUIRED"), _) | (None, Reason::ForgotPassword) => UserStatus::ResetRequired,
        _ => UserStatus::Confirmed,
    };
    let (mut user, key, mut unique) =
        new_user(ctx, pool, username, attrs, status, "User already exists").await?;
    // A verified alias another user holds: AliasExistsException, or taken over with
    // forceAliasCreation, as AdminCreateUser's ForceAliasCreation does.
    let force = answer["forceAliasCreation"].as_bool() == Some(true);
    for attr in ["email", "phone_number"] {
        let flag = format!("{attr}_verified");
        if user.attr_is_true(&flag) {
            user.set_attr(&flag, "false");
            mark_verified(ctx, pool, &mut user, attr, force).await?;
            unique.extend(verified_alias(pool, &user, attr, force));
        }
    }
    if let Reason::Authentication { password } = reason {
        user.password =
            Some(crate::cpu::hash_password(&user.pool_id, &user.username, password).await?);
    }
    insert_new_user(ctx, &user, &key, &unique, "User already exists").await?;
    Ok(Some(user))
}

/// Migration during a password sign-in (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, the
/// hosted login).
pub async fn on_sign_in(
    ctx: &Ctx,
    call: &Call,
    username: &str,
    password: &str,
) -> ApiResult<Option<User>> {
    migrate(
        ctx,
        &call.pool,
        &call.client_id,
        &call.client_metadata,
        username,
        Reason::Authentication { password },
    )
    .await
}
