//! AdminCreateUser, AdminGetUser, AdminDeleteUser, AdminSetUserPassword, AdminDisableUser,
//! AdminEnableUser, AdminResetUserPassword, AdminUpdateUserAttributes,
//! AdminDeleteUserAttributes.

use super::attributes::{self, WriteBy};
use super::shapes::*;
use super::sign_up::{insert_new_user, new_user, verified_alias};
use super::user_pools::load_pool;
use super::users::attribute_writes::{delete_attributes, mark_verified, update_attributes};
use super::users::codes::{FORGOT_PASSWORD, RESET_CODE_SECS, send_code};
use super::users::destinations::recovery_destination;
use super::users::lookup::require_user;
use super::users::password_policy::{
    PolicyWording, check_password_policy, generate_temporary_password,
};
use super::users::wire::{attribute_types, user_type};
use crate::cpu::hash_password;
use crate::crypto::password::StoredPassword;
use crate::mail::{self, Medium};
use crate::model::user::{User, UserStatus};
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};

/// Sends the invitation (username and temporary password) through the desired mediums the
/// user has an address for; when it has none of them, through whichever it has.
async fn send_invitation(
    ctx: &Ctx,
    pool: &UserPoolType,
    user: &User,
    password: &str,
    desired: &[String],
) -> ApiResult<()> {
    let (subject, email_template, sms_template) = mail::templates::invitation(pool);
    let wants = |m: &str| desired.iter().any(|d| d == m);
    let email = user.attr("email");
    let phone = user.attr("phone_number");
    let (mut by_email, mut by_sms) = (
        wants("EMAIL") && email.is_some(),
        wants("SMS") && phone.is_some(),
    );
    if !by_email && !by_sms {
        by_sms = phone.is_some();
        by_email = !by_sms && email.is_some();
    }
    for (medium, to) in [
        (Medium::Email, email.filter(|_| by_email)),
        (Medium::Sms, phone.filter(|_| by_sms)),
    ] {
        let Some(to) = to else { continue };
        let template = if medium == Medium::Email {
            &email_template
        } else {
            &sms_template
        };
        let (subject, body) = crate::triggers::custom_message::compose(
            ctx,
            pool,
            user,
            "CustomMessage_AdminCreateUser",
            crate::triggers::custom_message::Draft {
                medium,
                subject: (medium == Medium::Email).then(|| subject.clone()),
                template: template.clone(),
            },
            password,
        )
        .await?;
        crate::triggers::custom_message::send(
            ctx,
            pool,
            user,
            "CustomMessage_AdminCreateUser",
            mail::Message {
                pool_id: user.pool_id.clone(),
                username: user.username.clone(),
                to: to.to_string(),
                medium,
                kind: "invitation".into(),
                subject,
                body,
                code: Some(password.to_string()),
            },
        )
        .await?;
    }
    Ok(())
}

pub async fn admin_create_user(
    ctx: Ctx,
    input: AdminCreateUserRequest,
) -> ApiResult<AdminCreateUserResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let attrs = attributes::validate(
        &pool,
        input.user_attributes.as_deref().unwrap_or_default(),
        WriteBy::Creation,
    )?;
    let action = input.message_action.as_deref();
    let password = match input.temporary_password.as_deref() {
        Some(p) => {
            check_password_policy(&pool, p, PolicyWording::Admin)?;
            p.to_string()
        }
        None => generate_temporary_password(&pool),
    };
    let now = ctx.clock.now_epoch();
    let user = if action == Some("RESEND") {
        let mut user = require_user(&ctx, &pool, &input.username).await?;
        if user.status != UserStatus::ForceChangePassword {
            return Err(ApiError::new(
                ErrorKind::UnsupportedUserStateException,
                format!("User status is {}", user.status),
            ));
        }
        user.password = Some(hash_password(&user.pool_id, &user.username, &password).await?);
        user.modified = now;
        ctx.store.save_user(&user).await?;
        user
    } else {
        let (mut user, key, mut unique) = new_user(
            &ctx,
            &pool,
            &input.username,
            attrs,
            UserStatus::ForceChangePassword,
            "User account already exists",
        )
        .await?;
        // Aliases stay unique among verified users.
        let force = input.force_alias_creation == Some(true);
        for attr in ["email", "phone_number"] {
            let flag = format!("{attr}_verified");
            if user.attr_is_true(&flag) {
                user.set_attr(&flag, "false");
                mark_verified(&ctx, &pool, &mut user, attr, force).await?;
                unique.extend(verified_alias(&pool, &user, attr, force));
            }
        }
        // PreSignUp may refuse the creation; nothing is stored then.
        crate::triggers::run(
            &ctx,
            &pool,
            crate::triggers::Invocation {
                trigger: crate::triggers::Trigger::PreSignUp,
                source: "PreSignUp_AdminCreateUser",
                user_name: &user.username,
                client_id: None,
                request: serde_json::json!({
                    "userAttributes": crate::triggers::user_attributes(&user.attributes),
                    "validationData": crate::triggers::attribute_map(
                        input.validation_data.as_deref()
                    ),
                    "clientMetadata": crate::triggers::string_map(
                        input.client_metadata.iter().flatten()
                    ),
                }),
                response: serde_json::json!({
                    "autoConfirmUser": false,
                    "autoVerifyEmail": false,
                    "autoVerifyPhone": false,
                }),
            },
        )
        .await?;
        // A password nobody is told (no invitation, none given) cannot be used: it gets no
        // verifier, saving the g^x (the user signs in after AdminSetUserPassword or a reset).
        user.password = Some(
            if action == Some("SUPPRESS") && input.temporary_password.is_none() {
                StoredPassword::unusable()
            } else {
                hash_password(&user.pool_id, &user.username, &password).await?
            },
        );
        insert_new_user(&ctx, &user, &key, &unique, "User account already exists").await?;
        user
    };
    if action != Some("SUPPRESS") {
        let desired = input
            .desired_delivery_mediums
            .clone()
            .unwrap_or_else(|| vec!["SMS".to_string()]);
        send_invitation(&ctx, &pool, &user, &password, &desired).await?;
    }
    Ok(AdminCreateUserResponse {
        user: Some(user_type(&user)),
    })
}

pub async fn admin_get_user(
    ctx: Ctx,
    input: AdminGetUserRequest,
) -> ApiResult<AdminGetUserResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let user = require_user(&ctx, &pool, &input.username).await?;
    let (mfa_options, mfa_list, preferred) = super::mfa::user_settings(&ctx, &user).await?;
    Ok(AdminGetUserResponse {
        username: user.username.clone(),
        user_attributes: Some(attribute_types(&user)),
        user_create_date: Some(user.created),
        user_last_modified_date: Some(user.modified),
        enabled: Some(user.enabled),
        user_status: Some(user.status.as_str().to_string()),
        mfa_options,
        user_mfa_setting_list: mfa_list,
        preferred_mfa_setting: preferred,
    })
}

pub async fn admin_delete_user(
    ctx: Ctx,
    input: AdminDeleteUserRequest,
) -> ApiResult<serde_json::Value> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let user = require_user(&ctx, &pool, &input.username).await?;
    // Of concurrent deletes of one user, one deletes it; the others find no user.
    if !ctx.store.delete_user(&user.pool_id, &user.username).await? {
        return Err(ApiError::user_not_found());
    }
    ctx.store
        .revoke_user_token_families(&user.pool_id, &user.username, ctx.clock.now_epoch())
        .await?;
    Ok(serde_json::json!({}))
}

pub async fn admin_set_user_password(
    ctx: Ctx,
    input: AdminSetUserPasswordRequest,
) -> ApiResult<serde_json::Value> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let mut user = require_user(&ctx, &pool, &input.username).await?;
    check_password_policy(&pool, &input.password, PolicyWording::Admin)?;
    user.password = Some(hash_password(&user.pool_id, &user.username, &input.password).await?);
    user.status = if input.permanent == Some(true) {
        UserStatus::Confirmed
    } else {
        UserStatus::ForceChangePassword
    };
    user.modified = ctx.clock.now_epoch();
    ctx.store.save_user(&user).await?;
    Ok(serde_json::json!({}))
}

async fn set_enabled(
    ctx: &Ctx,
    pool_id: &str,
    name: &str,
    enabled: bool,
) -> ApiResult<serde_json::Value> {
    let pool = load_pool(ctx, pool_id).await?;
    let mut user = require_user(ctx, &pool, name).await?;
    user.enabled = enabled;
    user.modified = ctx.clock.now_epoch();
    ctx.store.save_user(&user).await?;
    if !enabled {
        // A disabled user's tokens stop working (refresh and Cognito's own APIs).
        ctx.store
            .revoke_user_token_families(&user.pool_id, &user.username, user.modified)
            .await?;
    }
    Ok(serde_json::json!({}))
}

pub async fn admin_disable_user(
    ctx: Ctx,
    input: AdminDisableUserRequest,
) -> ApiResult<serde_json::Value> {
    set_enabled(&ctx, &input.user_pool_id, &input.username, false).await
}

pub async fn admin_enable_user(
    ctx: Ctx,
    input: AdminEnableUserRequest,
) -> ApiResult<serde_json::Value> {
    set_enabled(&ctx, &input.user_pool_id, &input.username, true).await
}

/// Puts the user in RESET_REQUIRED and sends a password-reset code (as ForgotPassword does);
/// ConfirmForgotPassword with that code sets the new password.
pub async fn admin_reset_user_password(
    ctx: Ctx,
    input: AdminResetUserPasswordRequest,
) -> ApiResult<serde_json::Value> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let mut user = require_user(&ctx, &pool, &input.username).await?;
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    // A user who never chose a password (temporary one from AdminCreateUser) cannot reset it:
    // AWS's answer as Amplify users report it (amplify-flutter #3048, amplify-js #1340).
    if user.status == UserStatus::ForceChangePassword {
        return Err(ApiError::not_authorized(
            "User password cannot be reset in the current state.",
        ));
    }
    let dest = recovery_destination(&pool, &user)?;
    if user.status != UserStatus::Unconfirmed {
        user.status = UserStatus::ResetRequired;
    }
    user.modified = ctx.clock.now_epoch();
    ctx.store.save_user(&user).await?;
    send_code(
        &ctx,
        &pool,
        &user,
        &dest,
        FORGOT_PASSWORD,
        "forgot_password",
        RESET_CODE_SECS,
    )
    .await?;
    Ok(serde_json::json!({}))
}

pub async fn admin_update_user_attributes(
    ctx: Ctx,
    input: AdminUpdateUserAttributesRequest,
) -> ApiResult<serde_json::Value> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let mut user = require_user(&ctx, &pool, &input.username).await?;
    let attrs = attributes::validate(&pool, &input.user_attributes, WriteBy::Update)?;
    update_attributes(&ctx, &pool, &mut user, attrs).await?;
    Ok(serde_json::json!({}))
}

pub async fn admin_delete_user_attributes(
    ctx: Ctx,
    input: AdminDeleteUserAttributesRequest,
) -> ApiResult<serde_json::Value> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let mut user = require_user(&ctx, &pool, &input.username).await?;
    delete_attributes(&ctx, &pool, &mut user, &input.user_attribute_names).await?;
    Ok(serde_json::json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::password::check_password;
    use crate::testkit::*;

    fn create(pool: &UserPoolType, name: &str) -> AdminCreateUserRequest {
        AdminCreateUserRequest {
            user_pool_id: pool.id.clone().unwrap(),
            username: name.into(),
            user_attributes: Some(vec![attr("email", &format!("{name}@example.com"))]),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn create_get_set_password_delete() {
        let ctx = ctx().await;
        let pool = pool(&ctx, |_| {}).await;
        let pool_id = pool.id.clone().unwrap();
        let mut r = create(&pool, "frank");
        r.temporary_password = Some("weak".into());
        let e = admin_create_user(ctx.clone(), r.clone()).await.unwrap_err();
        assert_eq!(e.kind.name(), "InvalidPasswordException");
        assert_eq!(
            e.message,
            "Password did not conform with password policy: Password not long enough"
        );
        r.temporary_password = Some("Temp0rary!".into());
        let out = admin_create_user(ctx.clone(), r.clone())
            .await
            .unwrap()
            .user
            .unwrap();
        assert_eq!(out.user_status.as_deref(), Some("FORCE_CHANGE_PASSWORD"));
        assert_eq!(out.username.as_deref(), Some("frank"));
        assert_eq!(out.enabled, Some(true));
        // Default DesiredDeliveryMediums is SMS; with no phone the invitation goes by email.
        let m = latest(&ctx, "frank@example.com").await;
        assert_eq!(m.kind, "invitation");
        assert_eq!(m.code.as_deref(), Some("Temp0rary!"));
        assert_eq!(
            m.body,
            "Your username is frank and temporary password is Temp0rary!. "
        );
        assert_eq!(
            kind(admin_create_user(ctx.clone(), r).await),
            "UsernameExistsException"
        );

        let g = admin_get_user(
            ctx.clone(),
            AdminGetUserRequest {
                user_pool_id: pool_id.clone(),
                username: "frank".into(),
            },
        )
        .await
        .unwrap();
        assert_eq!(g.user_status.as_deref(), Some("FORCE_CHANGE_PASSWORD"));
        let attrs = g.user_attributes.unwrap();
        assert_eq!(attrs[0].name, "sub");
        assert!(
            attrs
                .iter()
                .any(|a| a.name == "email" && a.value.as_deref() == Some("frank@example.com"))
        );

        let set = |p: &str, permanent| AdminSetUserPasswordRequest {
            user_pool_id: pool_id.clone(),
            username: "frank".into(),
            password: p.into(),
            permanent: Some(permanent),
        };
        assert_eq!(
            kind(admin_set_user_password(ctx.clone(), set("nope", true)).await),
            "InvalidPasswordException"
        );
        admin_set_user_password(ctx.clone(), set("Perm4nent!", true))
            .await
            .unwrap();
        let u = ctx
            .store
            .get_user(&pool_id, "frank")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(u.status, UserStatus::Confirmed);
        assert!(check_password(
            &pool_id,
            "frank",
            "Perm4nent!",
            u.password.as_ref().unwrap()
        ));
        admin_set_user_password(ctx.clone(), set("Temp4rary!", false))
            .await
            .unwrap();
        let u = ctx
            .store
            .get_user(&pool_id, "frank")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(u.status, UserStatus::ForceChangePassword);

        let del = AdminDeleteUserRequest {
            user_pool_id: pool_id.clone(),
            username: "frank".into(),
        };
        admin_delete_user(ctx.clone(), del.clone()).await.unwrap();
        assert_eq!(
            kind(admin_delete_user(ctx.clone(), del).await),
            "UserNotFoundException"
        );
        assert_eq!(
            kind(
                admin_get_user(
                    ctx.clone(),
                    AdminGetUserRequest {
                        user_pool_id: pool_id,
                        username: "frank".into()
                    }
                )
                .await
            ),
            "UserNotFoundException"
        );
        assert_eq!(
            kind(
                admin_get_user(
                    ctx.clone(),
                    AdminGetUserRequest {
                        user_pool_id: "us-east-1_nope12345".into(),
                        username: "x".into()
                    }
                )
                .await
            ),
            "ResourceNotFoundException"
        );
    }

    #[tokio::test]
    async fn create_suppress_resend_and_generated_password() {
        let ctx = ctx().await;
        let pool = pool(&ctx, |_| {}).await;
        let mut r = create(&pool, "gina");
        r.message_action = Some("SUPPRESS".into());
        admin_create_user(ctx.clone(), r.clone()).await.unwrap();
        assert!(
            ctx.store
                .list_messages(&Default::default(), false, 10)
                .await
                .unwrap()
                .is_empty()
        );
        r.message_action = Some("RESEND".into());
        r.desired_delivery_mediums = Some(vec!["EMAIL".into()]);
        admin_create_user(ctx.clone(), r.clone()).await.unwrap();
        let m = latest(&ctx, "gina@example.com").await;
        let temp = m.code.unwrap();
        check_password_policy(&pool, &temp, PolicyWording::Admin).unwrap();
        let u = ctx
            .store
            .get_user(pool.id.as_deref().unwrap(), "gina")
            .await
            .unwrap()
            .unwrap();
        assert!(check_password(
            pool.id.as_deref().unwrap(),
            "gina",
            &temp,
            u.password.as_ref().unwrap()
        ));
        let mut missing = create(&pool, "nobody");
        missing.message_action = Some("RESEND".into());
        assert_eq!(
            kind(admin_create_user(ctx.clone(), missing).await),
            "UserNotFoundException"
        );
    }

    #[tokio::test]
    async fn disable_enable_reset_update_delete_attributes() {
        let ctx = ctx().await;
        let pool = pool(&ctx, |_| {}).await;
        let pool_id = pool.id.clone().unwrap();
        let mut r = create(&pool, "jack");
        r.message_action = Some("SUPPRESS".into());
        r.user_attributes = Some(vec![
            attr("email", "jack@example.com"),
            attr("email_verified", "true"),
            attr("given_name", "Jack"),
        ]);
        admin_create_user(ctx.clone(), r).await.unwrap();
        let get = || async { ctx.store.get_user(&pool_id, "jack").await.unwrap().unwrap() };
        admin_disable_user(
            ctx.clone(),
            AdminDisableUserRequest {
                user_pool_id: pool_id.clone(),
                username: "jack".into(),
            },
        )
        .await
        .unwrap();
        assert!(!get().await.enabled);
        let reset = AdminResetUserPasswordRequest {
            user_pool_id: pool_id.clone(),
            username: "jack".into(),
            ..Default::default()
        };
        assert_eq!(
            kind(admin_reset_user_password(ctx.clone(), reset.clone()).await),
            "NotAuthorizedException"
        );
        admin_enable_user(
            ctx.clone(),
            AdminEnableUserRequest {
                user_pool_id: pool_id.clone(),
                username: "jack".into(),
            },
        )
        .await
        .unwrap();
        assert!(get().await.enabled);
        // Still on the temporary password: nothing to reset yet, as on AWS.
        let refused = admin_reset_user_password(ctx.clone(), reset.clone())
            .await
            .unwrap_err();
        assert_eq!(
            (refused.kind.name(), refused.message.as_str()),
            (
                "NotAuthorizedException",
                "User password cannot be reset in the current state."
            )
        );
        admin_set_user_password(
            ctx.clone(),
            AdminSetUserPasswordRequest {
                user_pool_id: pool_id.clone(),
                username: "jack".into(),
                password: "Passw0rd!".into(),
                permanent: Some(true),
            },
        )
        .await
        .unwrap();
        admin_reset_user_password(ctx.clone(), reset).await.unwrap();
        assert_eq!(get().await.status, UserStatus::ResetRequired);
        let m = latest(&ctx, "jack@example.com").await;
        assert_eq!(m.kind, "forgot_password");
        assert!(
            ctx.store
                .get_code(&pool_id, "jack", FORGOT_PASSWORD)
                .await
                .unwrap()
                .is_some()
        );

        // A new email becomes unverified and (email auto-verified) gets a code.
        let upd = |attrs: Vec<AttributeType>| AdminUpdateUserAttributesRequest {
            user_pool_id: pool_id.clone(),
            username: "jack".into(),
            user_attributes: attrs,
            ..Default::default()
        };
        admin_update_user_attributes(ctx.clone(), upd(vec![attr("email", "jack2@example.com")]))
            .await
            .unwrap();
        let u = get().await;
        assert_eq!(u.attr("email"), Some("jack2@example.com"));
        assert_eq!(u.attr("email_verified"), Some("false"));
        let m = latest(&ctx, "jack2@example.com").await;
        assert_eq!(m.kind, "verify_attribute");
        admin_update_user_attributes(
            ctx.clone(),
            upd(vec![
                attr("email", "jack3@example.com"),
                attr("email_verified", "true"),
            ]),
        )
        .await
        .unwrap();
        assert!(get().await.attr_is_true("email_verified"));
        assert_eq!(
            kind(
                admin_update_user_attributes(ctx.clone(), upd(vec![attr("custom:nope", "1")]))
                    .await
            ),
            "InvalidParameterException"
        );
        assert_eq!(
            kind(admin_update_user_attributes(ctx.clone(), upd(vec![attr("sub", "x")])).await),
            "InvalidParameterException"
        );

        let del = |names: &[&str]| AdminDeleteUserAttributesRequest {
            user_pool_id: pool_id.clone(),
            username: "jack".into(),
            user_attribute_names: names.iter().map(|s| s.to_string()).collect(),
        };
        admin_delete_user_attributes(ctx.clone(), del(&["given_name", "email"]))
            .await
            .unwrap();
        let u = get().await;
        assert_eq!(u.attr("given_name"), None);
        assert_eq!(u.attr("email_verified"), None);
        assert_eq!(
            kind(admin_delete_user_attributes(ctx.clone(), del(&["sub"])).await),
            "InvalidParameterException"
        );
        let missing = AdminDisableUserRequest {
            user_pool_id: pool_id.clone(),
            username: "nobody".into(),
        };
        assert_eq!(
            kind(admin_disable_user(ctx.clone(), missing).await),
            "UserNotFoundException"
        );
    }

    #[tokio::test]
    async fn describe_user_pool_counts_users() {
        let ctx = ctx().await;
        let pool = pool(&ctx, |_| {}).await;
        let pool_id = pool.id.clone().unwrap();
        for name in ["u1", "u2"] {
            let mut r = create(&pool, name);
            r.message_action = Some("SUPPRESS".into());
            admin_create_user(ctx.clone(), r).await.unwrap();
        }
        let d = crate::idp::user_pools::describe_user_pool(
            ctx.clone(),
            DescribeUserPoolRequest {
                user_pool_id: pool_id,
            },
        )
        .await
        .unwrap();
        assert_eq!(d.user_pool.unwrap().estimated_number_of_users, Some(2));
    }
}
