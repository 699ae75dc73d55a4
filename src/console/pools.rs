//! `GET /_dev/pools/{pool}`: one pool — its settings (ID, name, region, MFA, policies), app
//! clients with their flows and a hosted-login link, domains, groups, the JWKS and OIDC
//! discovery links, and `aws cognito-idp` lines that reach this emulator.

use super::html::{self, Nav, error_box, json_block, when_opt};
use super::{call, console_ctx};
use crate::idp::clients::{describe_user_pool_client, list_user_pool_clients};
use crate::idp::groups::list_groups;
use crate::idp::shapes::*;
use crate::idp::user_pools::{describe_user_pool, region_of};
use crate::protocol::ApiResult;
use crate::protocol::ctx::Ctx;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, html};

/// Most app clients and groups the page lists.
const MAX_LISTED: i32 = 60;

pub async fn page(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(pool_id): Path<String>,
) -> Response {
    let ctx = console_ctx(&app, &headers);
    let crumbs = [("User pools", "/_dev/".to_string())];
    let input = DescribeUserPoolRequest {
        user_pool_id: pool_id.clone(),
    };
    let pool = match call(&ctx, "DescribeUserPool", input, describe_user_pool).await {
        Ok(out) => out.user_pool.unwrap_or_default(),
        Err(e) => return html::error_page(&pool_id, &crumbs, &e),
    };
    let clients = clients(&ctx, &pool_id).await;
    let groups = call(
        &ctx,
        "ListGroups",
        ListGroupsRequest {
            user_pool_id: pool_id.clone(),
            limit: Some(MAX_LISTED),
            next_token: None,
        },
        list_groups,
    )
    .await
    .map(|out| out.groups.unwrap_or_default());
    let name = pool.name.clone().unwrap_or_else(|| pool_id.clone());
    let body = html! {
        h1 { (name) " " span class="muted mono" { (pool_id) } }
        p {
            a href=(html::users_href(&pool_id)) { "Users (" (pool.estimated_number_of_users.unwrap_or(0)) ")" }
            " · "
            a href=(format!("/_dev/mailbox{}", html::query(&[("pool", &pool_id)]))) { "Mail of this pool" }
            " · "
            a href=(format!("/{}/.well-known/jwks.json", html::segment(&pool_id))) { "JWKS" }
            " · "
            a href=(format!("/{}/.well-known/openid-configuration", html::segment(&pool_id))) { "OpenID discovery" }
        }
        (settings(&ctx, &pool))
        h2 { "App clients" }
        @match &clients {
            Ok(list) => (client_table(&ctx, list)),
            Err(e) => (error_box(e)),
        }
        (domains(&pool))
        h2 { "Groups" }
        @match &groups {
            Ok(list) if list.is_empty() => p class="muted" { "No groups." },
            Ok(list) => (group_table(list)),
            Err(e) => (error_box(e)),
        }
        (cli(&ctx, &pool_id, clients.as_deref().ok().unwrap_or_default()))
        details {
            summary { "Everything DescribeUserPool answers" }
            (json_block(&pool))
        }
    };
    html::respond(StatusCode::OK, html::page(&name, Nav::Pools, &crumbs, body))
}

async fn clients(ctx: &Ctx, pool_id: &str) -> ApiResult<Vec<UserPoolClientType>> {
    let input = ListUserPoolClientsRequest {
        user_pool_id: pool_id.to_string(),
        max_results: Some(MAX_LISTED),
        ..Default::default()
    };
    let listed = call(ctx, "ListUserPoolClients", input, list_user_pool_clients).await?;
    let mut clients = Vec::new();
    for c in listed.user_pool_clients.into_iter().flatten() {
        let input = DescribeUserPoolClientRequest {
            user_pool_id: pool_id.to_string(),
            client_id: c.client_id.unwrap_or_default(),
        };
        let out = call(
            ctx,
            "DescribeUserPoolClient",
            input,
            describe_user_pool_client,
        )
        .await?;
        clients.extend(out.user_pool_client);
    }
    Ok(clients)
}

fn list(items: Option<&Vec<String>>) -> String {
    match items {
        Some(v) if !v.is_empty() => v.join(", "),
        _ => "—".to_string(),
    }
}

fn password_policy(p: &PasswordPolicyType) -> String {
    let mut parts = vec![format!(
        "at least {} characters",
        p.minimum_length.unwrap_or(8)
    )];
    for (on, what) in [
        (p.require_uppercase, "an uppercase letter"),
        (p.require_lowercase, "a lowercase letter"),
        (p.require_numbers, "a number"),
        (p.require_symbols, "a symbol"),
    ] {
        if on == Some(true) {
            parts.push(what.to_string());
        }
    }
    if let Some(days) = p.temporary_password_validity_days {
        parts.push(format!("temporary passwords valid {days} days"));
    }
    if let Some(n) = p.password_history_size.filter(|n| *n > 0) {
        parts.push(format!("the last {n} passwords cannot be reused"));
    }
    parts.join(", ")
}

/// The names of the Lambda triggers the pool has.
fn triggers(pool: &UserPoolType) -> String {
    let names: Vec<String> = serde_json::to_value(&pool.lambda_config)
        .ok()
        .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect()))
        .unwrap_or_default();
    if names.is_empty() {
        "—".into()
    } else {
        names.join(", ")
    }
}

fn settings(ctx: &Ctx, pool: &UserPoolType) -> Markup {
    let id = pool.id.as_deref().unwrap_or_default();
    let policies = pool.policies.as_ref();
    let recovery: Vec<String> = pool
        .account_recovery_setting
        .as_ref()
        .and_then(|r| r.recovery_mechanisms.as_ref())
        .map(|m| {
            m.iter()
                .map(|o| format!("{} ({})", o.name, o.priority))
                .collect()
        })
        .unwrap_or_default();
    let rows: Vec<(&str, String)> = vec![
        ("ID", id.to_string()),
        ("Name", pool.name.clone().unwrap_or_default()),
        ("Region", region_of(id, &ctx.region)),
        ("ARN", pool.arn.clone().unwrap_or_default()),
        ("Issuer", crate::tokens::issuer(ctx, id)),
        ("Created", when_opt(pool.creation_date)),
        ("Last modified", when_opt(pool.last_modified_date)),
        (
            "MFA",
            pool.mfa_configuration
                .clone()
                .unwrap_or_else(|| "OFF".into()),
        ),
        (
            "Password policy",
            policies
                .and_then(|p| p.password_policy.as_ref())
                .map(password_policy)
                .unwrap_or_else(|| "—".into()),
        ),
        (
            "Sign-in factors",
            list(
                policies
                    .and_then(|p| p.sign_in_policy.as_ref())
                    .and_then(|s| s.allowed_first_auth_factors.as_ref()),
            ),
        ),
        (
            "Username attributes",
            list(pool.username_attributes.as_ref()),
        ),
        ("Alias attributes", list(pool.alias_attributes.as_ref())),
        (
            "Auto-verified",
            list(pool.auto_verified_attributes.as_ref()),
        ),
        (
            "Admin-only sign-up",
            pool.admin_create_user_config
                .as_ref()
                .and_then(|c| c.allow_admin_create_user_only)
                .unwrap_or(false)
                .to_string(),
        ),
        (
            "Account recovery",
            if recovery.is_empty() {
                "—".into()
            } else {
                recovery.join(", ")
            },
        ),
        ("Lambda triggers", triggers(pool)),
        (
            "Deletion protection",
            pool.deletion_protection
                .clone()
                .unwrap_or_else(|| "INACTIVE".into()),
        ),
        ("Tier", pool.user_pool_tier.clone().unwrap_or_default()),
        (
            "Estimated users",
            pool.estimated_number_of_users.unwrap_or(0).to_string(),
        ),
    ];
    html! {
        h2 { "Settings" }
        table class="kv" {
            @for (k, v) in rows { tr { th { (k) } td { (v) } } }
        }
    }
}

/// `/oauth2/authorize` for a client set up for the hosted UI, with its first callback URL.
fn hosted_login(ctx: &Ctx, c: &UserPoolClientType) -> Option<String> {
    if c.allowed_o_auth_flows_user_pool_client != Some(true) {
        return None;
    }
    let callback = c.callback_ur_ls.as_ref()?.first()?;
    let flows = c.allowed_o_auth_flows.clone().unwrap_or_default();
    let response_type = if flows.iter().any(|f| f == "code") {
        "code"
    } else if flows.iter().any(|f| f == "implicit") {
        "token"
    } else {
        return None;
    };
    let scope = c
        .allowed_o_auth_scopes
        .clone()
        .unwrap_or_default()
        .join(" ");
    Some(format!(
        "{}/oauth2/authorize{}",
        ctx.base_url,
        html::query(&[
            ("client_id", c.client_id.as_deref().unwrap_or_default()),
            ("response_type", response_type),
            ("scope", &scope),
            ("redirect_uri", callback),
        ])
    ))
}

fn client_table(ctx: &Ctx, clients: &[UserPoolClientType]) -> Markup {
    html! {
        @if clients.is_empty() {
            p class="muted" { "No app clients." }
        } @else {
            table {
                thead { tr {
                    th { "Name / ID" } th { "Secret" } th { "Auth flows" } th { "OAuth" }
                    th { "Callback URLs" } th { "Token validity" }
                } }
                tbody {
                    @for c in clients {
                        tr {
                            td {
                                (c.client_name.as_deref().unwrap_or_default())
                                div class="mono" { (c.client_id.as_deref().unwrap_or_default()) }
                            }
                            td {
                                @if let Some(secret) = &c.client_secret {
                                    details { summary { "yes" } code { (secret) } }
                                } @else { "no" }
                            }
                            td class="mono" { (list(c.explicit_auth_flows.as_ref())) }
                            td {
                                @if c.allowed_o_auth_flows_user_pool_client == Some(true) {
                                    (list(c.allowed_o_auth_flows.as_ref()))
                                    div class="muted" { "scopes: " (list(c.allowed_o_auth_scopes.as_ref())) }
                                    @if let Some(href) = hosted_login(ctx, c) {
                                        a href=(href) { "Open the hosted login" }
                                    }
                                } @else { "off" }
                            }
                            td class="mono" { (list(c.callback_ur_ls.as_ref())) }
                            td class="muted" {
                                "ID " (c.id_token_validity.unwrap_or(60))
                                ", access " (c.access_token_validity.unwrap_or(60))
                                ", refresh " (c.refresh_token_validity.unwrap_or(30))
                                @if let Some(u) = &c.token_validity_units {
                                    " (" (u.id_token.as_deref().unwrap_or("minutes")) " / "
                                    (u.access_token.as_deref().unwrap_or("minutes")) " / "
                                    (u.refresh_token.as_deref().unwrap_or("days")) ")"
                                } @else {
                                    " (minutes / minutes / days)"
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn domains(pool: &UserPoolType) -> Markup {
    let id = pool.id.as_deref().unwrap_or_default();
    html! {
        h2 { "Domains" }
        @if pool.domain.is_none() && pool.custom_domain.is_none() {
            p class="muted" {
                "No domain. The OAuth endpoints and hosted pages answer at the emulator's root anyway (the pool is found from "
                code { "client_id" } ")."
            }
        }
        ul {
            @if let Some(prefix) = &pool.domain {
                li {
                    "Prefix domain " code { (crate::idp::domains::prefix_domain_host(prefix, id)) }
                    " — here also under " code { "/_domain/" (prefix) "/…" }
                }
            }
            @if let Some(custom) = &pool.custom_domain {
                li { "Custom domain " code { (custom) } " (served by Host; add it to /etc/hosts)" }
            }
        }
    }
}

fn group_table(groups: &[GroupType]) -> Markup {
    html! {
        table {
            thead { tr { th { "Group" } th { "Precedence" } th { "Role" } th { "Description" } } }
            tbody {
                @for g in groups {
                    tr {
                        td { (g.group_name.as_deref().unwrap_or_default()) }
                        td { (g.precedence.map(|p| p.to_string()).unwrap_or_default()) }
                        td class="mono" { (g.role_arn.as_deref().unwrap_or_default()) }
                        td { (g.description.as_deref().unwrap_or_default()) }
                    }
                }
            }
        }
    }
}

/// The environment the AWS CLI (v1 and v2) needs to talk to this emulator.
pub(super) fn cli_env(ctx: &Ctx, pool_id: &str) -> String {
    format!(
        "AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION={}",
        region_of(pool_id, &ctx.region)
    )
}

fn cli(ctx: &Ctx, pool_id: &str, clients: &[UserPoolClientType]) -> Markup {
    let env = cli_env(ctx, pool_id);
    let endpoint = format!("--endpoint-url {}", ctx.base_url);
    let mut lines = vec![
        format!("{env} aws cognito-idp describe-user-pool --user-pool-id {pool_id} {endpoint}"),
        format!("{env} aws cognito-idp list-users --user-pool-id {pool_id} {endpoint}"),
    ];
    if let Some(c) = clients.first() {
        lines.push(format!(
            "{env} aws cognito-idp describe-user-pool-client --user-pool-id {pool_id} --client-id {} {endpoint}",
            c.client_id.as_deref().unwrap_or_default()
        ));
    }
    html! {
        h2 { "AWS CLI" }
        p class="muted" { "Any credentials do; AWS_DEFAULT_REGION works for CLI v1 and v2." }
        pre id="cli" { @for l in &lines { (l) "\n" } }
    }
}
