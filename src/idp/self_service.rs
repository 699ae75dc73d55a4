//! Calls a signed-in user makes with its access token: GetUser, UpdateUserAttributes,
//! VerifyUserAttribute, GetUserAttributeVerificationCode, DeleteUserAttributes, DeleteUser,
//! ChangePassword.

use super::attributes::{self, WriteBy};
use super::shapes::*;
use super::user_pools::load_pool;
use super::users::attribute_writes::{delete_attributes, mark_verified, update_attributes};
use super::users::codes::{
    CONFIRMATION_CODE_SECS, check_code, code_mismatch, send_code, verify_purpose,
};
use super::users::destinations::Destination;
use super::users::password_policy::{PolicyWording, check_password_policy};
use super::users::wire::attribute_types;
use crate::cpu::{check_password, hash_password};
use crate::model::user::User;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};
use crate::store::user_writes::{Checked, SpendCode};
use crate::store::users::TokenUser;
use crate::tokens::verify::{AccessClaims, verify_access_token_user};

/// The scope Cognito's own user APIs require.
const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Verifies the token (and its scope) and loads the pool and user it was issued for.
pub(super) async fn signed_in(
    ctx: &Ctx,
    token: &str,
) -> ApiResult<(AccessClaims, UserPoolType, User)> {
    let (claims, pool, user) = signed_in_user(ctx, token).await?;
    Ok((claims, pool, user.user))
}

/// [`signed_in`] with what the token check read besides the user (its MFA settings).
async fn signed_in_user(
    ctx: &Ctx,
    token: &str,
) -> ApiResult<(AccessClaims, UserPoolType, TokenUser)> {
    let (claims, user) = verify_access_token_user(ctx, token).await?;
    if !claims.scopes.iter().any(|s| s == ADMIN_SCOPE) {
        return Err(ApiError::not_authorized(
            "Access Token does not have required scopes",
        ));
    }
    let pool = load_pool(ctx, &claims.pool_id).await?;
    // A token without a username names no user.
    let user = user.ok_or_else(ApiError::user_not_found)?;
    Ok((claims, pool, user))
}

pub async fn get_user(ctx: Ctx, input: GetUserRequest) -> ApiResult<GetUserResponse> {
    let (_, _, signed) = signed_in_user(&ctx, &input.access_token).await?;
    let user = signed.user;
    let (mfa_options, mfa_list, preferred) = super::mfa::settings_of(signed.mfa_doc.as_deref())?;
    Ok(GetUserResponse {
        username: user.username.clone(),
        user_attributes: attribute_types(&user),
        mfa_options,
        user_mfa_setting_list: mfa_list,
        preferred_mfa_setting: preferred,
    })
}

pub async fn update_user_attributes(
    ctx: Ctx,
    input: UpdateUserAttributesRequest,
) -> ApiResult<UpdateUserAttributesResponse> {
    let (claims, pool, mut user) = signed_in(&ctx, &input.access_token).await?;
    let attrs = attributes::validate(&pool, &input.user_attributes, WriteBy::Update)?;
    if let Some((_, client)) = ctx
        .store
        .get_client::<UserPoolClientType>(&claims.client_id)
        .await?
    {
        attributes::check_client_may_write(&client, &attrs)?;
    }
    let details = update_attributes(&ctx, &pool, &mut user, attrs).await?;
    Ok(UpdateUserAttributesResponse {
        code_delivery_details_list: (!details.is_empty()).then_some(details),
    })
}

fn contact_attribute(name: &str) -> ApiResult<&'static str> {
    match name {
        "email" => Ok("email"),
        "phone_number" => Ok("phone_number"),
        _ => Err(ApiError::invalid_parameter(format!(
            "Invalid attribute name: {name}. Only email and phone_number can be verified."
        ))),
    }
}

pub async fn get_user_attribute_verification_code(
    ctx: Ctx,
    input: GetUserAttributeVerificationCodeRequest,
) -> ApiResult<GetUserAttributeVerificationCodeResponse> {
    let (_, pool, user) = signed_in(&ctx, &input.access_token).await?;
    let attribute = contact_attribute(&input.attribute_name)?;
    // A value waiting for verification is the one a new code is for (assumption: AWS does
    // not document this case).
    let pending = ctx
        .store
        .get_pending_attribute(&user.pool_id, &user.username, attribute)
        .await?;
    let Some(dest) = pending
        .as_deref()
        .or(user.attr(attribute))
        .and_then(|v| Destination::for_attribute(attribute, v))
    else {
        return Err(ApiError::invalid_parameter(format!(
            "User does not have the attribute {attribute}"
        )));
    };
    let details = send_code(
        &ctx,
        &pool,
        &user,
        &dest,
        &verify_purpose(attribute),
        "verify_attribute",
        CONFIRMATION_CODE_SECS,
    )
    .await?;
    Ok(GetUserAttributeVerificationCodeResponse {
        code_delivery_details: Some(details),
    })
}

pub async fn verify_user_attribute(
    ctx: Ctx,
    input: VerifyUserAttributeRequest,
) -> ApiResult<serde_json::Value> {
    let (_, pool, mut user) = signed_in(&ctx, &input.access_token).await?;
    let attribute = contact_attribute(&input.attribute_name)?;
    let purpose = verify_purpose(attribute);
    check_code(&ctx, &user, &purpose, &input.code).await?;
    // A value waiting for verification (AttributesRequireVerificationBeforeUpdate) replaces
    // the original now.
    let pending = ctx
        .store
        .get_pending_attribute(&user.pool_id, &user.username, attribute)
        .await?;
    if let Some(value) = &pending {
        user.set_attr(attribute, value);
    }
    mark_verified(&ctx, &pool, &mut user, attribute, false).await?;
    user.modified = ctx.clock.now_epoch();
    // Spending the code, the alias check and the write are one step: of concurrent requests
    // with one code one succeeds, and no two users end up holding one verified alias.
    let unique: Vec<_> = crate::idp::sign_up::verified_alias(&pool, &user, attribute, false)
        .into_iter()
        .collect();
    let spend = SpendCode {
        purpose: &purpose,
        code: &input.code,
        now: user.modified,
    };
    match ctx
        .store
        .update_user_checked(&user, None, Some(spend), &unique)
        .await?
    {
        Checked::Done => {}
        Checked::UserGone => return Err(ApiError::user_not_found()),
        Checked::CodeRejected => {
            check_code(&ctx, &user, &purpose, &input.code).await?;
            return Err(code_mismatch());
        }
        Checked::Taken(i) => return Err(crate::idp::sign_up::unique_taken(&unique[i])),
        other => {
            return Err(ApiError::internal(format!(
                "update_user_checked: {other:?}"
            )));
        }
    }
    if pending.is_some() {
        ctx.store
            .delete_pending_attribute(&user.pool_id, &user.username, attribute)
            .await?;
    }
    Ok(serde_json::json!({}))
}

pub async fn delete_user_attributes(
    ctx: Ctx,
    input: DeleteUserAttributesRequest,
) -> ApiResult<serde_json::Value> {
    let (_, pool, mut user) = signed_in(&ctx, &input.access_token).await?;
    delete_attributes(&ctx, &pool, &mut user, &input.user_attribute_names).await?;
    Ok(serde_json::json!({}))
}

pub async fn delete_user(ctx: Ctx, input: DeleteUserRequest) -> ApiResult<serde_json::Value> {
    let (_, _, user) = signed_in(&ctx, &input.access_token).await?;
    if !ctx.store.delete_user(&user.pool_id, &user.username).await? {
        return Err(ApiError::user_not_found());
    }
    ctx.store
        .revoke_user_token_families(&user.pool_id, &user.username, ctx.clock.now_epoch())
        .await?;
    Ok(serde_json::json!({}))
}

pub async fn change_password(
    ctx: Ctx,
    input: ChangePasswordRequest,
) -> ApiResult<serde_json::Value> {
    let (_, pool, mut user) = signed_in(&ctx, &input.access_token).await?;
    let previous_ok = match (&input.previous_password, &user.password) {
        (Some(prev), Some(stored)) => {
            check_password(&user.pool_id, &user.username, prev, stored).await?
        }
        _ => false,
    };
    if !previous_ok {
        return Err(ApiError::not_authorized("Incorrect username or password."));
    }
    check_password_policy(&pool, &input.proposed_password, PolicyWording::Change)?;
    user.password =
        Some(hash_password(&user.pool_id, &user.username, &input.proposed_password).await?);
    user.modified = ctx.clock.now_epoch();
    ctx.store.save_user(&user).await?;
    Ok(serde_json::json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idp::admin_users::admin_create_user;
    use crate::idp::auth::admin_initiate_auth;
    use crate::testkit::*;
    use std::collections::BTreeMap;

    /// A confirmed user "kim" (email verified) and an access token for it.
    async fn signed_in_kim(ctx: &Ctx) -> (UserPoolType, String) {
        signed_in_kim_in(ctx, |_| {}).await
    }

    async fn signed_in_kim_in(
        ctx: &Ctx,
        adjust: impl FnOnce(&mut UserPoolType),
    ) -> (UserPoolType, String) {
        let pool = pool(ctx, adjust).await;
        let pool_id = pool.id.clone().unwrap();
        let client = client_with(ctx, &pool, |c| {
            c.explicit_auth_flows = Some(vec![
                "ALLOW_ADMIN_USER_PASSWORD_AUTH".into(),
                "ALLOW_REFRESH_TOKEN_AUTH".into(),
            ]);
        })
        .await;
        admin_create_user(
            ctx.clone(),
            AdminCreateUserRequest {
                user_pool_id: pool_id.clone(),
                username: "kim".into(),
                user_attributes: Some(vec![
                    attr("email", "kim@example.com"),
                    attr("email_verified", "true"),
                ]),
                message_action: Some("SUPPRESS".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        crate::idp::admin_users::admin_set_user_password(
            ctx.clone(),
            AdminSetUserPasswordRequest {
                user_pool_id: pool_id.clone(),
                username: "kim".into(),
                password: "Passw0rd!".into(),
                permanent: Some(true),
            },
        )
        .await
        .unwrap();
        let out = admin_initiate_auth(
            ctx.clone(),
            AdminInitiateAuthRequest {
                user_pool_id: pool_id,
                client_id: client.client_id.clone().unwrap(),
                auth_flow: "ADMIN_USER_PASSWORD_AUTH".into(),
                auth_parameters: Some(BTreeMap::from([
                    ("USERNAME".to_string(), "kim".to_string()),
                    ("PASSWORD".to_string(), "Passw0rd!".to_string()),
                ])),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        (
            pool,
            out.authentication_result.unwrap().access_token.unwrap(),
        )
    }

    #[tokio::test]
    async fn an_email_change_waits_for_verification_when_the_pool_requires_it() {
        let ctx = ctx().await;
        let (pool, token) = signed_in_kim_in(&ctx, |p| {
            p.user_attribute_update_settings = Some(UserAttributeUpdateSettingsType {
                attributes_require_verification_before_update: Some(vec!["email".into()]),
            });
        })
        .await;
        let pool_id = pool.id.clone().unwrap();
        let stored = |ctx: Ctx| {
            let pool_id = pool_id.clone();
            async move { ctx.store.get_user(&pool_id, "kim").await.unwrap().unwrap() }
        };
        let out = update_user_attributes(
            ctx.clone(),
            UpdateUserAttributesRequest {
                access_token: token.clone(),
                user_attributes: vec![attr("email", "kim.new@example.com")],
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let details = out.code_delivery_details_list.unwrap();
        assert_eq!(details[0].destination.as_deref(), Some("k***@e***"));
        // The code went to the new address; the original is still the user's, verified.
        let code = latest_code(&ctx, "kim.new@example.com").await;
        let user = stored(ctx.clone()).await;
        assert_eq!(user.attr("email"), Some("kim@example.com"));
        assert!(user.attr_is_true("email_verified"));
        let verify = |code: &str| VerifyUserAttributeRequest {
            access_token: token.clone(),
            attribute_name: "email".into(),
            code: code.into(),
        };
        verify_user_attribute(ctx.clone(), verify(&code))
            .await
            .unwrap();
        let user = stored(ctx.clone()).await;
        assert_eq!(user.attr("email"), Some("kim.new@example.com"));
        assert!(user.attr_is_true("email_verified"));
        assert_eq!(
            ctx.store
                .get_pending_attribute(&pool_id, "kim", "email")
                .await
                .unwrap(),
            None
        );

        // An admin marking the new value verified in the same request updates it at once.
        crate::idp::admin_users::admin_update_user_attributes(
            ctx.clone(),
            AdminUpdateUserAttributesRequest {
                user_pool_id: pool_id.clone(),
                username: "kim".into(),
                user_attributes: vec![
                    attr("email", "kim.third@example.com"),
                    attr("email_verified", "true"),
                ],
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let user = stored(ctx.clone()).await;
        assert_eq!(user.attr("email"), Some("kim.third@example.com"));
        assert!(user.attr_is_true("email_verified"));
    }

    #[tokio::test]
    async fn profile_email_change_and_verification() {
        let ctx = ctx().await;
        let (pool, token) = signed_in_kim(&ctx).await;
        let me = get_user(
            ctx.clone(),
            GetUserRequest {
                access_token: token.clone(),
            },
        )
        .await
        .unwrap();
        assert_eq!(me.username, "kim");
        assert!(
            me.user_attributes
                .iter()
                .any(|a| a.name == "email_verified" && a.value.as_deref() == Some("true"))
        );
        assert_eq!(
            kind(
                get_user(
                    ctx.clone(),
                    GetUserRequest {
                        access_token: "garbage".into()
                    }
                )
                .await
            ),
            "NotAuthorizedException"
        );

        let out = update_user_attributes(
            ctx.clone(),
            UpdateUserAttributesRequest {
                access_token: token.clone(),
                user_attributes: vec![attr("email", "kim2@example.com"), attr("given_name", "Kim")],
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let list = out.code_delivery_details_list.unwrap();
        assert_eq!(list[0].destination.as_deref(), Some("k***@e***"));
        assert_eq!(list[0].attribute_name.as_deref(), Some("email"));
        let user = ctx
            .store
            .get_user(pool.id.as_deref().unwrap(), "kim")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.attr("email_verified"), Some("false"));
        let code = latest_code(&ctx, "kim2@example.com").await;
        let verify = |c: &str| VerifyUserAttributeRequest {
            access_token: token.clone(),
            attribute_name: "email".into(),
            code: c.into(),
        };
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert_eq!(
            kind(verify_user_attribute(ctx.clone(), verify(wrong)).await),
            "CodeMismatchException"
        );
        verify_user_attribute(ctx.clone(), verify(&code))
            .await
            .unwrap();
        let user = ctx
            .store
            .get_user(pool.id.as_deref().unwrap(), "kim")
            .await
            .unwrap()
            .unwrap();
        assert!(user.attr_is_true("email_verified"));

        let out = get_user_attribute_verification_code(
            ctx.clone(),
            GetUserAttributeVerificationCodeRequest {
                access_token: token.clone(),
                attribute_name: "email".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            out.code_delivery_details
                .unwrap()
                .delivery_medium
                .as_deref(),
            Some("EMAIL")
        );
        assert_eq!(
            latest(&ctx, "kim2@example.com").await.kind,
            "verify_attribute"
        );
        assert_eq!(
            kind(
                get_user_attribute_verification_code(
                    ctx.clone(),
                    GetUserAttributeVerificationCodeRequest {
                        access_token: token.clone(),
                        attribute_name: "phone_number".into(),
                        ..Default::default()
                    },
                )
                .await
            ),
            "InvalidParameterException"
        );

        delete_user_attributes(
            ctx.clone(),
            DeleteUserAttributesRequest {
                access_token: token.clone(),
                user_attribute_names: vec!["given_name".into()],
            },
        )
        .await
        .unwrap();
        let user = ctx
            .store
            .get_user(pool.id.as_deref().unwrap(), "kim")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.attr("given_name"), None);
    }

    #[tokio::test]
    async fn change_password_and_delete_user() {
        let ctx = ctx().await;
        let (pool, token) = signed_in_kim(&ctx).await;
        let pool_id = pool.id.clone().unwrap();
        let change = |prev: &str, new: &str| ChangePasswordRequest {
            access_token: token.clone(),
            previous_password: Some(prev.into()),
            proposed_password: new.into(),
        };
        let e = change_password(ctx.clone(), change("Wrong0ne!", "NewPassw0rd!"))
            .await
            .unwrap_err();
        assert_eq!(e.kind.name(), "NotAuthorizedException");
        assert_eq!(e.message, "Incorrect username or password.");
        let e = change_password(ctx.clone(), change("Passw0rd!", "short"))
            .await
            .unwrap_err();
        assert_eq!(e.kind.name(), "InvalidPasswordException");
        assert_eq!(
            e.message,
            "Password does not conform to policy: Password not long enough"
        );
        change_password(ctx.clone(), change("Passw0rd!", "NewPassw0rd!"))
            .await
            .unwrap();
        let user = ctx.store.get_user(&pool_id, "kim").await.unwrap().unwrap();
        assert!(
            check_password(
                &pool_id,
                "kim",
                "NewPassw0rd!",
                user.password.as_ref().unwrap()
            )
            .await
            .unwrap()
        );
        delete_user(
            ctx.clone(),
            DeleteUserRequest {
                access_token: token.clone(),
            },
        )
        .await
        .unwrap();
        assert!(ctx.store.get_user(&pool_id, "kim").await.unwrap().is_none());
        assert_eq!(
            kind(
                get_user(
                    ctx.clone(),
                    GetUserRequest {
                        access_token: token
                    }
                )
                .await
            ),
            "UserNotFoundException"
        );
    }
}
