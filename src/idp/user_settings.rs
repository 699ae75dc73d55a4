//! The legacy per-user MFA settings: SetUserSettings and AdminSetUserSettings, which AWS keeps
//! for SMS MFA only (MFAOptions `{DeliveryMedium: SMS, AttributeName: phone_number}` turns SMS
//! MFA on, an empty list turns it off), and AdminDeleteSoftwareToken, which removes a user's
//! TOTP authenticator.

use super::mfa::{SOFTWARE_TOKEN_MFA, save_user_factors, set_preference, token_user, user_factors};
use super::shapes::*;
use super::user_pools::load_pool;
use super::users::lookup::require_user;
use crate::model::user::User;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};

/// Applies MFAOptions as SMS MFA on or off; other media are not settable this way ("You can
/// use it to configure only SMS MFA", SetUserSettings).
async fn apply_mfa_options(ctx: &Ctx, user: &User, options: &[MFAOptionType]) -> ApiResult<()> {
    for o in options {
        if o.delivery_medium.as_deref() != Some("SMS")
            || o.attribute_name
                .as_deref()
                .is_some_and(|a| a != "phone_number")
        {
            return Err(ApiError::invalid_parameter(
                "Only SMS MFA with the phone_number attribute can be set with MFAOptions.",
            ));
        }
    }
    let sms = SMSMfaSettingsType {
        enabled: Some(!options.is_empty()),
        preferred_mfa: None,
    };
    set_preference(ctx, user, Some(sms), None, None).await
}

pub async fn set_user_settings(
    ctx: Ctx,
    input: SetUserSettingsRequest,
) -> ApiResult<SetUserSettingsResponse> {
    let user = token_user(&ctx, &input.access_token).await?;
    apply_mfa_options(&ctx, &user, &input.mfa_options).await?;
    Ok(SetUserSettingsResponse {})
}

pub async fn admin_set_user_settings(
    ctx: Ctx,
    input: AdminSetUserSettingsRequest,
) -> ApiResult<AdminSetUserSettingsResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let user = require_user(&ctx, &pool, &input.username).await?;
    apply_mfa_options(&ctx, &user, &input.mfa_options).await?;
    Ok(AdminSetUserSettingsResponse {})
}

pub async fn admin_delete_software_token(
    ctx: Ctx,
    input: AdminDeleteSoftwareTokenRequest,
) -> ApiResult<AdminDeleteSoftwareTokenResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let user = require_user(&ctx, &pool, &input.username).await?;
    let mut f = user_factors(&ctx, &user).await?;
    f.software_token = false;
    f.totp_secret = None;
    f.pending_secret = None;
    f.friendly_device_name = None;
    f.last_totp_step = None;
    if f.preferred.as_deref() == Some(SOFTWARE_TOKEN_MFA) {
        f.preferred = None;
    }
    save_user_factors(&ctx, &user, &f).await?;
    Ok(AdminDeleteSoftwareTokenResponse {})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{attr, ctx, kind, pool};

    #[tokio::test]
    async fn mfa_options_switch_sms_mfa_and_the_token_can_be_deleted() {
        let ctx = ctx().await;
        let p = pool(&ctx, |_| {}).await;
        let pool_id = p.id.clone().unwrap();
        super::super::admin_users::admin_create_user(
            ctx.clone(),
            AdminCreateUserRequest {
                user_pool_id: pool_id.clone(),
                username: "bob".into(),
                message_action: Some("SUPPRESS".into()),
                user_attributes: Some(vec![attr("phone_number", "+15550100")]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let set = |options: Vec<MFAOptionType>| {
            admin_set_user_settings(
                ctx.clone(),
                AdminSetUserSettingsRequest {
                    user_pool_id: pool_id.clone(),
                    username: "bob".into(),
                    mfa_options: options,
                },
            )
        };
        let sms = MFAOptionType {
            delivery_medium: Some("SMS".into()),
            attribute_name: Some("phone_number".into()),
        };
        set(vec![sms.clone()]).await.unwrap();
        let user = ctx.store.get_user(&pool_id, "bob").await.unwrap().unwrap();
        assert!(user_factors(&ctx, &user).await.unwrap().sms);
        set(vec![]).await.unwrap();
        assert!(!user_factors(&ctx, &user).await.unwrap().sms);
        let email = MFAOptionType {
            delivery_medium: Some("EMAIL".into()),
            attribute_name: Some("email".into()),
        };
        assert_eq!(kind(set(vec![email]).await), "InvalidParameterException");

        let mut f = user_factors(&ctx, &user).await.unwrap();
        f.software_token = true;
        f.totp_secret = Some("JBSWY3DPEHPK3PXP".into());
        f.preferred = Some(SOFTWARE_TOKEN_MFA.into());
        save_user_factors(&ctx, &user, &f).await.unwrap();
        admin_delete_software_token(
            ctx.clone(),
            AdminDeleteSoftwareTokenRequest {
                user_pool_id: pool_id.clone(),
                username: "bob".into(),
            },
        )
        .await
        .unwrap();
        let f = user_factors(&ctx, &user).await.unwrap();
        assert!(!f.software_token && f.totp_secret.is_none() && f.preferred.is_none());
        let r = admin_delete_software_token(
            ctx.clone(),
            AdminDeleteSoftwareTokenRequest {
                user_pool_id: pool_id,
                username: "nobody".into(),
            },
        )
        .await;
        assert_eq!(kind(r), "UserNotFoundException");
    }
}
