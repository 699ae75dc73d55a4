//! A pool's users: `GET /_dev/pools/{pool}/users` (prefix search through ListUsers' filter,
//! pages through its PaginationToken, the create-user form) and `GET .../user?username=`
//! (AdminGetUser, the user's groups and devices, their newest mail, and the action forms).

use super::actions::{CreateForm, UserAction};
use super::home::mail_table;
use super::html::{self, Nav, error_box, flag, notice_box, when_opt};
use super::pools::cli_env;
use super::{call, console_ctx};
use crate::idp::admin_users::admin_get_user;
use crate::idp::devices::admin_list_devices;
use crate::idp::groups::admin_list_groups_for_user;
use crate::idp::list_users::list_users;
use crate::idp::shapes::*;
use crate::idp::user_pools::describe_user_pool;
use crate::protocol::ApiError;
use crate::state::AppState;
use crate::store::mailbox::MailboxFilter;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

/// Users per page unless `limit` says otherwise (ListUsers answers at most 60).
const PAGE_SIZE: i32 = 50;
/// Messages shown on a user's page.
const USER_MAIL: u32 = 10;

/// What the users page can be asked for.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// A prefix to search for.
    #[serde(default)]
    pub q: String,
    /// The attribute searched: `auto` (email when `q` has an `@`, else username), or one of
    /// the attributes ListUsers filters on.
    #[serde(default)]
    pub by: String,
    pub limit: Option<i32>,
    /// ListUsers' PaginationToken of the page to show.
    #[serde(default)]
    pub page: String,
    pub done: Option<String>,
}

/// The attributes the search can use (ListUsers' filterable attributes, `^=`).
const SEARCHABLE: &[&str] = &[
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "sub",
];

/// ListUsers' filter for a prefix search: `email ^= "ada"`.
pub fn prefix_filter(by: &str, q: &str) -> Option<String> {
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    let attr = match by {
        b if SEARCHABLE.contains(&b) => b,
        _ if q.contains('@') => "email",
        _ => "username",
    };
    let quoted = q.replace('\\', "\\\\").replace('"', "\\\"");
    Some(format!("{attr} ^= \"{quoted}\""))
}

pub async fn list_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(pool_id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Response {
    let notice = match q.done.as_deref() {
        Some("deleted") => Some("The user was deleted."),
        _ => None,
    };
    render_list(&app, &headers, &pool_id, &q, notice, None).await
}

/// The users page, with the outcome of a failed create (its form values kept) if any.
pub(super) async fn render_list(
    app: &AppState,
    headers: &HeaderMap,
    pool_id: &str,
    q: &ListQuery,
    notice: Option<&str>,
    failed: Option<(&ApiError, &CreateForm)>,
) -> Response {
    let ctx = console_ctx(app, headers);
    let crumbs = [
        ("User pools", "/_dev/".to_string()),
        (pool_id, html::pool_href(pool_id)),
    ];
    let input = DescribeUserPoolRequest {
        user_pool_id: pool_id.to_string(),
    };
    let pool = match call(&ctx, "DescribeUserPool", input, describe_user_pool).await {
        Ok(out) => out.user_pool.unwrap_or_default(),
        Err(e) => return html::error_page(pool_id, &crumbs[..1], &e),
    };
    let limit = q.limit.unwrap_or(PAGE_SIZE).clamp(1, 60);
    let input = ListUsersRequest {
        user_pool_id: pool_id.to_string(),
        limit: Some(limit),
        filter: prefix_filter(&q.by, &q.q),
        pagination_token: (!q.page.is_empty()).then(|| q.page.clone()),
        ..Default::default()
    };
    let listed = call(&ctx, "ListUsers", input, list_users).await;
    let status = failed.map_or(StatusCode::OK, |(e, _)| e.status());
    let limit_text = limit.to_string();
    let limit_param = if q.limit.is_some() {
        limit_text.as_str()
    } else {
        ""
    };
    let base = html::users_href(pool_id);
    let body = html! {
        h1 { "Users of " (pool.name.as_deref().unwrap_or(pool_id)) }
        @if let Some(text) = notice { (notice_box(text)) }
        form method="get" action=(base) role="search" {
            label { "Starts with " input type="text" name="q" value=(q.q) placeholder="username or email"; }
            label { "in "
                select name="by" {
                    option value="auto" selected[!SEARCHABLE.contains(&q.by.as_str())] { "username or email" }
                    @for a in SEARCHABLE {
                        option value=(a) selected[q.by == *a] { (a) }
                    }
                }
            }
            @if q.limit.is_some() { input type="hidden" name="limit" value=(limit); }
            button type="submit" { "Search" }
            @if !q.q.is_empty() { " " a href=(base) { "show all" } }
        }
        p class="muted" {
            "About " (pool.estimated_number_of_users.unwrap_or(0)) " user(s) in the pool"
            @if let Some(attrs) = pool.username_attributes.as_ref().filter(|a| !a.is_empty()) {
                "; users sign in with their " (attrs.join(" or ")) " (the username is generated)"
            }
            "."
        }
        @match &listed {
            Ok(out) => {
                (user_table(pool_id, out.users.as_deref().unwrap_or_default()))
                p {
                    @if !q.page.is_empty() {
                        a href=(format!("{base}{}", html::query(&[("q", &q.q), ("by", &q.by), ("limit", limit_param)]))) { "« First page" }
                        " "
                    }
                    @if let Some(next) = &out.pagination_token {
                        a rel="next" href=(format!("{base}{}", html::query(&[("q", &q.q), ("by", &q.by), ("limit", limit_param), ("page", next)]))) { "Next page »" }
                    }
                }
            }
            Err(e) => (error_box(e)),
        }
        (create_form(pool_id, failed))
    };
    let title = format!("Users of {pool_id}");
    html::respond(status, html::page(&title, Nav::Pools, &crumbs, body))
}

fn attr_value<'a>(attrs: &'a [AttributeType], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|a| a.name == name)
        .and_then(|a| a.value.as_deref())
}

fn user_table(pool_id: &str, users: &[UserType]) -> Markup {
    html! {
        @if users.is_empty() {
            p class="muted" id="no-users" { "No users match." }
        } @else {
            table id="users" {
                thead { tr {
                    th { "Username" } th { "Status" } th { "Enabled" } th { "Email" }
                    th { "Attributes" } th { "Created" }
                } }
                tbody {
                    @for u in users {
                        @let name = u.username.as_deref().unwrap_or_default();
                        @let attrs = u.attributes.as_deref().unwrap_or_default();
                        tr {
                            td { a href=(html::user_href(pool_id, name)) { (name) } }
                            td { (u.user_status.as_deref().unwrap_or_default()) }
                            td { (flag(u.enabled.unwrap_or(true), "enabled", "disabled")) }
                            td { (attr_value(attrs, "email").unwrap_or_default()) }
                            td class="muted" {
                                @for a in attrs.iter().filter(|a| a.name != "sub" && a.name != "email") {
                                    div { (a.name) " = " (a.value.as_deref().unwrap_or_default()) }
                                }
                            }
                            td class="muted" { (when_opt(u.user_create_date)) }
                        }
                    }
                }
            }
        }
    }
}

fn create_form(pool_id: &str, failed: Option<(&ApiError, &CreateForm)>) -> Markup {
    let empty = CreateForm::default();
    let (error, f) = match failed {
        Some((e, f)) => (Some(e), f),
        None => (None, &empty),
    };
    let fresh = failed.is_none();
    html! {
        h2 id="create" { "Create a user" }
        @if let Some(e) = error { (error_box(e)) }
        form method="post" action=(html::users_href(pool_id)) {
            fieldset {
                div {
                    label { "Username " input type="text" name="username" required value=(f.username); }
                    label { "Email " input type="text" name="email" value=(f.email); }
                    label { input type="checkbox" name="email_verified" value="on" checked[fresh || f.email_verified.is_some()]; " email verified" }
                }
                div {
                    label { "Phone " input type="text" name="phone_number" value=(f.phone_number) placeholder="+15555550100"; }
                    label { "Password " input type="password" name="password" autocomplete="new-password"; }
                    label { input type="checkbox" name="permanent" value="on" checked[fresh || f.permanent.is_some()]; " permanent (CONFIRMED, no new password on first sign-in)" }
                }
                div {
                    label { input type="checkbox" name="invite" value="on" checked[f.invite.is_some()]; " send the invitation (to the mailbox)" }
                }
                div {
                    label for="more-attributes" { "More attributes, one " code { "name=value" } " a line (e.g. " code { "custom:plan=pro" } ")" }
                    textarea id="more-attributes" name="attributes" rows="3" { (f.attributes) }
                }
                p class="muted" {
                    "AdminCreateUser (invitation suppressed unless asked); with a permanent password then AdminSetUserPassword. "
                    "Without a password the pool makes a temporary one."
                }
                button type="submit" { "Create user" }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct UserQuery {
    #[serde(default)]
    pub username: String,
    pub done: Option<String>,
}

pub async fn user_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(pool_id): Path<String>,
    Query(q): Query<UserQuery>,
) -> Response {
    let notice = q.done.as_deref().and_then(UserAction::done_text);
    render_user(&app, &headers, &pool_id, &q.username, notice, None).await
}

/// A user's page, with the outcome of an action if any.
pub(super) async fn render_user(
    app: &AppState,
    headers: &HeaderMap,
    pool_id: &str,
    username: &str,
    notice: Option<&str>,
    failed: Option<&ApiError>,
) -> Response {
    let ctx = console_ctx(app, headers);
    let crumbs = [
        ("User pools", "/_dev/".to_string()),
        (pool_id, html::pool_href(pool_id)),
        ("Users", html::users_href(pool_id)),
    ];
    let input = AdminGetUserRequest {
        user_pool_id: pool_id.to_string(),
        username: username.to_string(),
    };
    let user = match call(&ctx, "AdminGetUser", input, admin_get_user).await {
        Ok(u) => u,
        Err(e) => {
            let title = if username.is_empty() {
                "User"
            } else {
                username
            };
            return html::error_page(title, &crumbs, &e);
        }
    };
    // Actions and lookups use the internal username from here on (an alias may have found it).
    let name = user.username.clone();
    let groups = call(
        &ctx,
        "AdminListGroupsForUser",
        AdminListGroupsForUserRequest {
            user_pool_id: pool_id.to_string(),
            username: name.clone(),
            limit: Some(60),
            next_token: None,
        },
        admin_list_groups_for_user,
    )
    .await
    .map(|out| out.groups.unwrap_or_default());
    let devices = call(
        &ctx,
        "AdminListDevices",
        AdminListDevicesRequest {
            user_pool_id: pool_id.to_string(),
            username: name.clone(),
            limit: Some(60),
            pagination_token: None,
        },
        admin_list_devices,
    )
    .await
    .map(|out| out.devices.unwrap_or_default());
    let filter = MailboxFilter {
        pool: Some(pool_id.to_string()),
        username: Some(name.clone()),
        ..Default::default()
    };
    let mail = app
        .store
        .list_messages(&filter, true, USER_MAIL)
        .await
        .map_err(ApiError::from);
    let attrs = user.user_attributes.clone().unwrap_or_default();
    let status = user.user_status.clone().unwrap_or_default();
    let enabled = user.enabled.unwrap_or(true);
    let summary: Vec<(&str, String)> = vec![
        ("Username", name.clone()),
        (
            "sub",
            attr_value(&attrs, "sub").unwrap_or_default().to_string(),
        ),
        ("Created", when_opt(user.user_create_date)),
        ("Last modified", when_opt(user.user_last_modified_date)),
        (
            "MFA",
            match &user.user_mfa_setting_list {
                Some(l) if !l.is_empty() => format!(
                    "{} (preferred: {})",
                    l.join(", "),
                    user.preferred_mfa_setting.as_deref().unwrap_or("none")
                ),
                _ => "none".to_string(),
            },
        ),
    ];
    let body = html! {
        h1 { (name) " " (flag(enabled, "enabled", "disabled")) " " span class="pill" id="status" { (status) } }
        @if let Some(text) = notice { (notice_box(text)) }
        @if let Some(e) = failed { (error_box(e)) }
        table class="kv" {
            tr { th { "Status" } td { (status) } }
            tr { th { "Enabled" } td { (enabled) } }
            @for (k, v) in &summary { tr { th { (k) } td { (v) } } }
        }
        h2 { "Attributes" }
        table id="attributes" {
            thead { tr { th { "Name" } th { "Value" } } }
            tbody {
                @for a in &attrs {
                    tr { td class="mono" { (a.name) } td { (a.value.as_deref().unwrap_or_default()) } }
                }
            }
        }
        h2 { "Groups" }
        @match &groups {
            Ok(g) if g.is_empty() => p class="muted" { "In no group." },
            Ok(g) => ul { @for group in g { li { (group.group_name.as_deref().unwrap_or_default()) } } },
            Err(e) => (error_box(e)),
        }
        h2 { "Devices" }
        @match &devices {
            Ok(d) if d.is_empty() => p class="muted" { "No remembered or tracked devices." },
            Ok(d) => (device_table(d)),
            Err(e) => (error_box(e)),
        }
        (actions(pool_id, &name, &status, enabled))
        h2 { "Mail" }
        p class="muted" {
            a href=(format!("/_dev/mailbox{}", html::query(&[("pool", pool_id), ("username", &name)]))) { "All of this user's mail" }
        }
        @match &mail {
            Ok(m) => (mail_table(m, false)),
            Err(e) => (error_box(e)),
        }
        h2 { "AWS CLI" }
        pre { (cli_env(&ctx, pool_id)) " aws cognito-idp admin-get-user --user-pool-id " (pool_id)
              " --username '" (name.replace('\'', r"'\''")) "' --endpoint-url " (ctx.base_url) }
    };
    let status_code = failed.map_or(StatusCode::OK, ApiError::status);
    html::respond(status_code, html::page(&name, Nav::Pools, &crumbs, body))
}

fn device_table(devices: &[DeviceType]) -> Markup {
    html! {
        table {
            thead { tr { th { "Device key" } th { "Name" } th { "Remembered" } th { "Last sign-in" } th { "Created" } } }
            tbody {
                @for d in devices {
                    @let attrs = d.device_attributes.as_deref().unwrap_or_default();
                    tr {
                        td class="mono" { (d.device_key.as_deref().unwrap_or_default()) }
                        td { (attr_value(attrs, "device_name").unwrap_or_default()) }
                        td { (attr_value(attrs, "device_status").unwrap_or_default()) }
                        td class="muted" { (when_opt(d.device_last_authenticated_date)) }
                        td class="muted" { (when_opt(d.device_create_date)) }
                    }
                }
            }
        }
    }
}

/// One button posting `action` for the user.
fn button(pool_id: &str, username: &str, action: UserAction, label: &str) -> Markup {
    html! {
        form class="inline" method="post" action=(html::action_href(pool_id, action.path())) {
            input type="hidden" name="username" value=(username);
            button type="submit" { (label) }
        }
    }
}

fn actions(pool_id: &str, username: &str, status: &str, enabled: bool) -> Markup {
    html! {
        h2 id="actions" { "Actions" }
        fieldset {
            legend { "Set a password (AdminSetUserPassword)" }
            form method="post" action=(html::action_href(pool_id, UserAction::SetPassword.path())) {
                input type="hidden" name="username" value=(username);
                label { "New password " input type="password" name="password" required autocomplete="new-password"; }
                label { input type="checkbox" name="permanent" value="on" checked; " permanent" }
                button type="submit" { "Set password" }
            }
        }
        fieldset {
            legend { "Account" }
            @if status == "UNCONFIRMED" {
                (button(pool_id, username, UserAction::Confirm, "Confirm sign-up"))
            }
            @if enabled {
                (button(pool_id, username, UserAction::Disable, "Disable"))
            } @else {
                (button(pool_id, username, UserAction::Enable, "Enable"))
            }
            (button(pool_id, username, UserAction::SignOut, "Sign out everywhere"))
            form class="inline" method="post" action=(html::action_href(pool_id, UserAction::Delete.path())) {
                input type="hidden" name="username" value=(username);
                label { input type="checkbox" name="confirm" value="on" required; " really" }
                button type="submit" class="danger" { "Delete user" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_filters() {
        assert_eq!(prefix_filter("auto", " "), None);
        assert_eq!(
            prefix_filter("auto", "ada@ex"),
            Some(r#"email ^= "ada@ex""#.into())
        );
        assert_eq!(prefix_filter("", "ad"), Some(r#"username ^= "ad""#.into()));
        assert_eq!(
            prefix_filter("name", r#"a"b\"#),
            Some(r#"name ^= "a\"b\\""#.into())
        );
        // Not a filterable attribute: treated as auto, never pasted into the filter.
        assert_eq!(
            prefix_filter("x = \"y\" or", "q"),
            Some(r#"username ^= "q""#.into())
        );
    }
}
