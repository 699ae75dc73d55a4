//! ForgotPassword and ConfirmForgotPassword.

use super::shapes::*;
use super::users::codes::{FORGOT_PASSWORD, RESET_CODE_SECS, check_code, code_mismatch, send_code};
use super::users::destinations::{Destination, recovery_destination};
use super::users::lookup::resolve_user;
use super::users::password_policy::{PolicyWording, check_password_policy};
use super::users::public_call::{prevents_user_existence_errors, public_call};
use crate::cpu::hash_password;
use crate::model::user::UserStatus;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::store::user_writes::{Checked, SpendCode};

fn not_found() -> ApiError {
    ApiError::new(
        ErrorKind::UserNotFoundException,
        "Username/client id combination not found.",
    )
}

/// Sends a password-reset code (valid one hour) to the user's verified email or phone. With
/// the client's PreventUserExistenceErrors enabled, an unknown user gets the same answer as a
/// known one (and no message is stored).
pub async fn forgot_password(
    ctx: Ctx,
    input: ForgotPasswordRequest,
) -> ApiResult<ForgotPasswordResponse> {
    let (pool, client) = public_call(
        &ctx,
        &input.client_id,
        &input.username,
        input.secret_hash.as_deref(),
    )
    .await?;
    let mut found = resolve_user(&ctx, &pool, &input.username).await?;
    if found.is_none() {
        found = super::user_migration::migrate(
            &ctx,
            &pool,
            &input.client_id,
            &input.client_metadata.clone().unwrap_or_default(),
            &input.username,
            super::user_migration::Reason::ForgotPassword,
        )
        .await?;
    }
    let Some(user) = found else {
        if prevents_user_existence_errors(&client) {
            let dest = if input.username.starts_with('+') {
                Destination::sms(&input.username)
            } else if input.username.contains('@') {
                Destination::email(&input.username)
            } else {
                Destination::email(&format!("{}@example.com", input.username))
            };
            return Ok(ForgotPasswordResponse {
                code_delivery_details: Some(dest.details()),
            });
        }
        return Err(not_found());
    };
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
    let details = send_code(
        &ctx,
        &pool,
        &user,
        &dest,
        FORGOT_PASSWORD,
        "forgot_password",
        RESET_CODE_SECS,
    )
    .await?;
    Ok(ForgotPasswordResponse {
        code_delivery_details: Some(details),
    })
}

pub async fn confirm_forgot_password(
    ctx: Ctx,
    input: ConfirmForgotPasswordRequest,
) -> ApiResult<serde_json::Value> {
    let (pool, client) = public_call(
        &ctx,
        &input.client_id,
        &input.username,
        input.secret_hash.as_deref(),
    )
    .await?;
    let Some(mut user) = resolve_user(&ctx, &pool, &input.username).await? else {
        if prevents_user_existence_errors(&client) {
            return Err(code_mismatch());
        }
        return Err(not_found());
    };
    check_code(&ctx, &user, FORGOT_PASSWORD, &input.confirmation_code).await?;
    check_password_policy(&pool, &input.password, PolicyWording::Change)?;
    user.password = Some(hash_password(&user.pool_id, &user.username, &input.password).await?);
    if matches!(
        user.status,
        UserStatus::ResetRequired | UserStatus::ForceChangePassword
    ) {
        user.status = UserStatus::Confirmed;
    }
    user.modified = ctx.clock.now_epoch();
    // Spending the code and setting the password are one write: of concurrent requests with
    // one code, one sets its password and the others get what a later request would.
    let spend = SpendCode {
        purpose: FORGOT_PASSWORD,
        code: &input.confirmation_code,
        now: user.modified,
    };
    match ctx
        .store
        .update_user_checked(&user, None, Some(spend), &[])
        .await?
    {
        Checked::Done => {}
        Checked::UserGone => return Err(not_found()),
        Checked::CodeRejected => {
            check_code(&ctx, &user, FORGOT_PASSWORD, &input.confirmation_code).await?;
            return Err(code_mismatch());
        }
        other => {
            return Err(ApiError::internal(format!(
                "update_user_checked: {other:?}"
            )));
        }
    }
    super::sign_up::post_confirmation(
        &ctx,
        &pool,
        &user,
        "PostConfirmation_ConfirmForgotPassword",
        Some(&input.client_id),
        input.client_metadata.as_ref(),
    )
    .await?;
    Ok(serde_json::json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::password::check_password;
    use crate::idp::sign_up::{confirm_sign_up, sign_up};
    use crate::testkit::*;

    async fn confirmed_user(ctx: &Ctx, client: &UserPoolClientType, name: &str, email: &str) {
        sign_up(
            ctx.clone(),
            SignUpRequest {
                client_id: client.client_id.clone().unwrap(),
                secret_hash: hash(client, name),
                username: name.into(),
                password: Some("Passw0rd!".into()),
                user_attributes: Some(vec![attr("email", email)]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let code = latest_code(ctx, email).await;
        confirm_sign_up(
            ctx.clone(),
            ConfirmSignUpRequest {
                client_id: client.client_id.clone().unwrap(),
                secret_hash: hash(client, name),
                username: name.into(),
                confirmation_code: code,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }

    fn forgot(client: &UserPoolClientType, name: &str) -> ForgotPasswordRequest {
        ForgotPasswordRequest {
            client_id: client.client_id.clone().unwrap(),
            secret_hash: hash(client, name),
            username: name.into(),
            ..Default::default()
        }
    }

    fn reset(
        client: &UserPoolClientType,
        name: &str,
        code: &str,
        pw: &str,
    ) -> ConfirmForgotPasswordRequest {
        ConfirmForgotPasswordRequest {
            client_id: client.client_id.clone().unwrap(),
            secret_hash: hash(client, name),
            username: name.into(),
            confirmation_code: code.into(),
            password: pw.into(),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn forgot_and_confirm_with_secret_hash() {
        let ctx = ctx().await;
        let pool = pool(&ctx, |_| {}).await;
        let pool_id = pool.id.clone().unwrap();
        let client = client(&ctx, &pool, true).await;
        confirmed_user(&ctx, &client, "hank", "hank@example.com").await;
        let mut r = forgot(&client, "hank");
        r.secret_hash = None;
        assert_eq!(
            kind(forgot_password(ctx.clone(), r).await),
            "NotAuthorizedException"
        );
        let out = forgot_password(ctx.clone(), forgot(&client, "hank"))
            .await
            .unwrap();
        let d = out.code_delivery_details.unwrap();
        assert_eq!(d.destination.as_deref(), Some("h***@e***"));
        assert_eq!(d.delivery_medium.as_deref(), Some("EMAIL"));
        let m = latest(&ctx, "hank@example.com").await;
        assert_eq!(m.kind, "forgot_password");
        let code = m.code.unwrap();
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert_eq!(
            kind(
                confirm_forgot_password(ctx.clone(), reset(&client, "hank", wrong, "NewPassw0rd!"))
                    .await
            ),
            "CodeMismatchException"
        );
        let e = confirm_forgot_password(ctx.clone(), reset(&client, "hank", &code, "short"))
            .await
            .unwrap_err();
        assert_eq!(e.kind.name(), "InvalidPasswordException");
        assert_eq!(
            e.message,
            "Password does not conform to policy: Password not long enough"
        );
        // Reset codes live one hour.
        ctx.clock.advance(3601);
        assert_eq!(
            kind(
                confirm_forgot_password(ctx.clone(), reset(&client, "hank", &code, "NewPassw0rd!"))
                    .await
            ),
            "ExpiredCodeException"
        );
        ctx.clock.advance(-3601);
        confirm_forgot_password(ctx.clone(), reset(&client, "hank", &code, "NewPassw0rd!"))
            .await
            .unwrap();
        let u = ctx.store.get_user(&pool_id, "hank").await.unwrap().unwrap();
        assert!(check_password(
            &pool_id,
            "hank",
            "NewPassw0rd!",
            u.password.as_ref().unwrap()
        ));
        assert_eq!(u.status, UserStatus::Confirmed);
        // The code is used up.
        assert_eq!(
            kind(
                confirm_forgot_password(ctx.clone(), reset(&client, "hank", &code, "Other0ne!!"))
                    .await
            ),
            "CodeMismatchException"
        );
    }

    #[tokio::test]
    async fn unknown_users_and_unverified_contacts() {
        let ctx = ctx().await;
        let pool = pool(&ctx, |_| {}).await;
        let client = client(&ctx, &pool, false).await;
        let e = forgot_password(ctx.clone(), forgot(&client, "nobody"))
            .await
            .unwrap_err();
        assert_eq!(e.kind.name(), "UserNotFoundException");
        let hiding = client_with(&ctx, &pool, |c| {
            c.prevent_user_existence_errors = Some("ENABLED".into())
        })
        .await;
        let out = forgot_password(ctx.clone(), forgot(&hiding, "nobody@example.com"))
            .await
            .unwrap();
        assert_eq!(
            out.code_delivery_details.unwrap().destination.as_deref(),
            Some("n***@e***")
        );
        assert!(
            ctx.store
                .list_messages(&Default::default(), false, 10)
                .await
                .unwrap()
                .is_empty()
        );
        // An unconfirmed user's email is not verified: no reset.
        sign_up(
            ctx.clone(),
            SignUpRequest {
                client_id: client.client_id.clone().unwrap(),
                username: "ivy".into(),
                password: Some("Passw0rd!".into()),
                user_attributes: Some(vec![attr("email", "ivy@example.com")]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let e = forgot_password(ctx.clone(), forgot(&client, "ivy"))
            .await
            .unwrap_err();
        assert_eq!(e.kind.name(), "InvalidParameterException");
        assert_eq!(
            e.message,
            "Cannot reset password for the user as there is no registered/verified email or phone_number"
        );
    }
}
