//! The console's form posts: create a user, and per user set a password, confirm the sign-up,
//! enable, disable, sign out everywhere, delete. Each runs the API action's own handler
//! (through `call`, with the model validation first), then redirects to the page showing the
//! outcome; a refused action shows the page again with the AWS error and its HTTP status.

use super::users::{ListQuery, render_list, render_user};
use super::{call, console_ctx, html};
use crate::idp::admin_users::{
    admin_create_user, admin_delete_user, admin_disable_user, admin_enable_user,
    admin_set_user_password,
};
use crate::idp::shapes::*;
use crate::idp::sign_out::admin_user_global_sign_out;
use crate::idp::sign_up::admin_confirm_sign_up;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The create-user form (checkboxes are present when ticked).
#[derive(Debug, Default, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
    pub email_verified: Option<String>,
    #[serde(default)]
    pub phone_number: String,
    #[serde(default)]
    pub password: String,
    pub permanent: Option<String>,
    pub invite: Option<String>,
    /// More attributes, `name=value` one a line.
    #[serde(default)]
    pub attributes: String,
}

impl CreateForm {
    fn attributes(&self) -> ApiResult<Vec<AttributeType>> {
        let mut attrs = Vec::new();
        let mut add = |name: &str, value: &str| {
            attrs.push(AttributeType {
                name: name.to_string(),
                value: Some(value.to_string()),
            })
        };
        let email = self.email.trim();
        if !email.is_empty() {
            add("email", email);
            if self.email_verified.is_some() {
                add("email_verified", "true");
            }
        }
        let phone = self.phone_number.trim();
        if !phone.is_empty() {
            add("phone_number", phone);
        }
        for line in self
            .attributes
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            let Some((name, value)) = line.split_once('=') else {
                return Err(ApiError::invalid_parameter(format!(
                    "More attributes: \"{line}\" is not name=value."
                )));
            };
            add(name.trim(), value.trim());
        }
        Ok(attrs)
    }
}

/// AdminCreateUser, then AdminSetUserPassword when the password is to be permanent. The
/// password is also the temporary one, so the pool's policy refuses it before anything is
/// stored. Returns the new user's (internal) username.
async fn create(ctx: &Ctx, pool_id: &str, form: &CreateForm) -> ApiResult<String> {
    let password = (!form.password.is_empty()).then(|| form.password.clone());
    let input = AdminCreateUserRequest {
        user_pool_id: pool_id.to_string(),
        username: form.username.trim().to_string(),
        user_attributes: Some(form.attributes()?),
        temporary_password: password.clone(),
        message_action: form.invite.is_none().then(|| "SUPPRESS".to_string()),
        desired_delivery_mediums: form.invite.is_some().then(|| {
            let mut mediums = Vec::new();
            if !form.email.trim().is_empty() {
                mediums.push("EMAIL".to_string());
            }
            if !form.phone_number.trim().is_empty() || mediums.is_empty() {
                mediums.push("SMS".to_string());
            }
            mediums
        }),
        ..Default::default()
    };
    let created = call(ctx, "AdminCreateUser", input, admin_create_user).await?;
    let username = created
        .user
        .and_then(|u| u.username)
        .unwrap_or_else(|| form.username.trim().to_string());
    if let (Some(password), Some(_)) = (password, &form.permanent) {
        let input = AdminSetUserPasswordRequest {
            user_pool_id: pool_id.to_string(),
            username: username.clone(),
            password,
            permanent: Some(true),
        };
        call(ctx, "AdminSetUserPassword", input, admin_set_user_password).await?;
    }
    Ok(username)
}

/// `POST /_dev/pools/{pool}/users`.
pub async fn create_user(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(pool_id): Path<String>,
    Form(form): Form<CreateForm>,
) -> Response {
    let ctx = console_ctx(&app, &headers);
    match create(&ctx, &pool_id, &form).await {
        Ok(username) => redirect_to_user(&pool_id, &username, "created"),
        Err(e) => {
            let q = ListQuery::default();
            render_list(&app, &headers, &pool_id, &q, None, Some((&e, &form))).await
        }
    }
}

/// What a button on a user's page does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAction {
    SetPassword,
    Confirm,
    Enable,
    Disable,
    SignOut,
    Delete,
}

const ALL: [UserAction; 6] = [
    UserAction::SetPassword,
    UserAction::Confirm,
    UserAction::Enable,
    UserAction::Disable,
    UserAction::SignOut,
    UserAction::Delete,
];

impl UserAction {
    /// The last segment of the action's URL (also its `done=` value).
    pub fn path(self) -> &'static str {
        match self {
            UserAction::SetPassword => "set-password",
            UserAction::Confirm => "confirm",
            UserAction::Enable => "enable",
            UserAction::Disable => "disable",
            UserAction::SignOut => "sign-out",
            UserAction::Delete => "delete",
        }
    }

    fn from_path(path: &str) -> Option<Self> {
        ALL.into_iter().find(|a| a.path() == path)
    }

    /// What the user's page says after a `done=` redirect (fixed texts: a link elsewhere
    /// cannot make the console say something else).
    pub fn done_text(done: &str) -> Option<&'static str> {
        Some(match done {
            "created" => "User created.",
            "set-password" => "Password set.",
            "confirm" => "Sign-up confirmed.",
            "enable" => "User enabled.",
            "disable" => "User disabled; their refresh tokens are revoked.",
            "sign-out" => {
                "Signed out everywhere: every refresh token and access token of the user is revoked."
            }
            _ => return None,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    permanent: Option<String>,
    confirm: Option<String>,
}

async fn run(ctx: &Ctx, pool_id: &str, action: UserAction, form: ActionForm) -> ApiResult<()> {
    let pool = pool_id.to_string();
    let username = form.username.clone();
    match action {
        UserAction::SetPassword => {
            let input = AdminSetUserPasswordRequest {
                user_pool_id: pool,
                username,
                password: form.password,
                permanent: Some(form.permanent.is_some()),
            };
            call(ctx, "AdminSetUserPassword", input, admin_set_user_password).await?;
        }
        UserAction::Confirm => {
            let input = AdminConfirmSignUpRequest {
                user_pool_id: pool,
                username,
                client_metadata: None,
            };
            call(ctx, "AdminConfirmSignUp", input, admin_confirm_sign_up).await?;
        }
        UserAction::Enable => {
            let input = AdminEnableUserRequest {
                user_pool_id: pool,
                username,
            };
            call(ctx, "AdminEnableUser", input, admin_enable_user).await?;
        }
        UserAction::Disable => {
            let input = AdminDisableUserRequest {
                user_pool_id: pool,
                username,
            };
            call(ctx, "AdminDisableUser", input, admin_disable_user).await?;
        }
        UserAction::SignOut => {
            let input = AdminUserGlobalSignOutRequest {
                user_pool_id: pool,
                username,
            };
            call(
                ctx,
                "AdminUserGlobalSignOut",
                input,
                admin_user_global_sign_out,
            )
            .await?;
        }
        UserAction::Delete => {
            if form.confirm.is_none() {
                return Err(ApiError::invalid_parameter(
                    "Tick \u{201c}really\u{201d} to delete the user: the console asks first.",
                ));
            }
            let input = AdminDeleteUserRequest {
                user_pool_id: pool,
                username,
            };
            call(ctx, "AdminDeleteUser", input, admin_delete_user).await?;
        }
    }
    Ok(())
}

/// `POST /_dev/pools/{pool}/user/{action}` with the form's `username`.
pub async fn user_action(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((pool_id, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Response {
    let Some(action) = UserAction::from_path(&action) else {
        let e = ApiError::resource_not_found(format!("The console has no user action {action}."));
        return html::error_page("Unknown action", &[("User pools", "/_dev/".into())], &e);
    };
    let ctx = console_ctx(&app, &headers);
    let username = form.username.clone();
    match run(&ctx, &pool_id, action, form).await {
        Ok(()) if action == UserAction::Delete => Redirect::to(&format!(
            "{}{}",
            html::users_href(&pool_id),
            html::query(&[("done", "deleted")])
        ))
        .into_response(),
        Ok(()) => redirect_to_user(&pool_id, &username, action.path()),
        Err(e) => render_user(&app, &headers, &pool_id, &username, None, Some(&e)).await,
    }
}

fn redirect_to_user(pool_id: &str, username: &str, done: &str) -> Response {
    let href = format!(
        "{}/user{}",
        html::pool_href(pool_id),
        html::query(&[("username", username), ("done", done)])
    );
    Redirect::to(&href).into_response()
}
