//! `GET /_dev/`: the console's home — every user pool, the emulated clock with a form moving
//! it, the newest messages of the dev mailbox, and the other dev endpoints.

use super::html::{self, Nav, error_box, notice_box, when};
use super::{call, console_ctx};
use crate::idp::shapes::*;
use crate::idp::user_pools::{describe_user_pool, list_user_pools};
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::mailbox::{MailboxFilter, StoredMessage};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

/// Most pools the home page describes (ListUserPools pages through all of them).
const MAX_POOLS: usize = 500;
/// Messages shown on the home page; the mailbox page has them all.
const RECENT_MAIL: u32 = 5;

#[derive(Debug, Default, Deserialize)]
pub struct HomeQuery {
    done: Option<String>,
}

/// Every pool, described (settings ListUserPools leaves out: MFA, users, domain).
pub(super) async fn all_pools(ctx: &Ctx) -> ApiResult<Vec<UserPoolType>> {
    let mut ids = Vec::new();
    let mut next_token = None;
    loop {
        let input = ListUserPoolsRequest {
            max_results: 60,
            next_token,
        };
        let out = call(ctx, "ListUserPools", input, list_user_pools).await?;
        ids.extend(out.user_pools.into_iter().flatten().filter_map(|p| p.id));
        next_token = out.next_token;
        if next_token.is_none() || ids.len() >= MAX_POOLS {
            break;
        }
    }
    let mut pools = Vec::with_capacity(ids.len());
    for id in ids {
        let input = DescribeUserPoolRequest { user_pool_id: id };
        // A pool deleted meanwhile is simply not listed.
        if let Ok(out) = call(ctx, "DescribeUserPool", input, describe_user_pool).await {
            pools.extend(out.user_pool);
        }
    }
    Ok(pools)
}

pub async fn page(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HomeQuery>,
) -> Response {
    let notice = match q.done.as_deref() {
        Some("clock") => Some("The clock moved.".to_string()),
        Some("real-time") => Some("The clock is back to real time.".to_string()),
        _ => None,
    };
    render(&app, &headers, notice.as_deref(), None).await
}

async fn render(
    app: &AppState,
    headers: &HeaderMap,
    notice: Option<&str>,
    clock_error: Option<&str>,
) -> Response {
    let ctx = console_ctx(app, headers);
    let status = if clock_error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let pools = all_pools(&ctx).await;
    let mail = app
        .store
        .list_messages(&MailboxFilter::default(), true, RECENT_MAIL)
        .await
        .map_err(ApiError::from);
    let body = html! {
        h1 { "User pools" }
        @if let Some(text) = notice { (notice_box(text)) }
        @match &pools {
            Ok(pools) => (pool_table(pools)),
            Err(e) => (error_box(e)),
        }
        (clock_section(&ctx, clock_error))
        h2 { "Newest mail" }
        p class="muted" {
            a href="/_dev/mailbox" { "The whole mailbox" }
            " (codes, invitations, temporary passwords; refreshes itself)"
        }
        @match &mail {
            Ok(messages) => (mail_table(messages, true)),
            Err(e) => (error_box(e)),
        }
        (endpoints())
    };
    html::respond(status, html::page("User pools", Nav::Pools, &[], body))
}

fn pool_table(pools: &[UserPoolType]) -> Markup {
    html! {
        @if pools.is_empty() {
            p class="muted" {
                "No user pools yet: create one with the API (CreateUserPool) or start the emulator with "
                code { "--seed" } "."
            }
        } @else {
            table {
                thead { tr {
                    th { "Name" } th { "ID" } th { "Region" } th { "MFA" } th { "Users" }
                    th { "Domain" } th { "Created" }
                } }
                tbody {
                    @for p in pools {
                        @let id = p.id.as_deref().unwrap_or_default();
                        tr {
                            td { a href=(html::pool_href(id)) { (p.name.as_deref().unwrap_or(id)) } }
                            td class="mono" { (id) }
                            td { (crate::idp::user_pools::region_of(id, "")) }
                            td { (p.mfa_configuration.as_deref().unwrap_or("OFF")) }
                            td { a href=(html::users_href(id)) { (p.estimated_number_of_users.unwrap_or(0)) } }
                            td class="mono" { (p.custom_domain.as_deref().or(p.domain.as_deref()).unwrap_or("")) }
                            td class="muted" { (html::when_opt(p.creation_date)) }
                        }
                    }
                }
            }
        }
    }
}

fn clock_section(ctx: &Ctx, error: Option<&str>) -> Markup {
    let offset = ctx.clock.offset_secs();
    let quick = [
        ("+5 min", 300),
        ("+1 hour", 3600),
        ("+1 day", 86_400),
        ("+30 days", 30 * 86_400),
    ];
    html! {
        h2 id="clock" { "Clock" }
        @if let Some(e) = error { div class="box error" role="alert" { (e) } }
        p {
            "Emulated time: " strong id="emulated-time" { (when(ctx.clock.now_epoch())) }
            @if offset != 0 {
                " — " (offset) " s ahead of real time"
            } @else {
                " (real time)"
            }
        }
        p class="muted" { "Codes, tokens, sessions and lockouts expire by this clock." }
        form class="inline" method="post" action="/_dev/clock" {
            label { "Advance by (seconds) " input type="number" name="seconds" required value="3600"; }
            button type="submit" { "Advance" }
        }
        @for (label, secs) in quick {
            form class="inline" method="post" action="/_dev/clock" {
                input type="hidden" name="seconds" value=(secs);
                button type="submit" { (label) }
            }
        }
        @if offset != 0 {
            form class="inline" method="post" action="/_dev/clock" {
                input type="hidden" name="real_time" value="1";
                button type="submit" { "Back to real time" }
            }
        }
    }
}

/// Messages with their codes, newest first; `who` adds the recipient and user columns.
pub(super) fn mail_table(messages: &[StoredMessage], who: bool) -> Markup {
    html! {
        @if messages.is_empty() {
            p class="muted" { "No messages." }
        } @else {
            table {
                thead { tr {
                    th { "Code" } th { "Kind" }
                    @if who { th { "To" } th { "User / pool" } }
                    th { "Subject" } th { "Sent" }
                } }
                tbody {
                    @for m in messages {
                        tr {
                            td class="code" { (m.code.as_deref().unwrap_or_default()) }
                            td { (m.kind) div class="muted" { (m.medium) } }
                            @if who {
                                td { (m.to) }
                                td { (m.username) div class="muted" { (m.pool_id) } }
                            }
                            td { (m.subject.as_deref().unwrap_or_default()) }
                            td class="muted" { (when(m.created_at)) }
                        }
                    }
                }
            }
        }
    }
}

fn endpoints() -> Markup {
    html! {
        h2 { "Dev endpoints" }
        ul {
            li {
                a href="/_dev/mailbox" { "Mailbox" }
                ": every code, invitation and message the emulator sent (JSON with "
                code { "Accept: application/json" }
                ", newest one at " code { "/_dev/mailbox/latest" } ")"
            }
            li {
                a href="/_dev/triggers" { "Lambda triggers" }
                ": what each trigger was sent and answered, oldest first (JSON with "
                code { "Accept: application/json" } ")"
            }
            li { a href="/_dev/token" { "Token decoder" } ": a JWT's header and claims, checked with the emulator's keys" }
            li {
                code { "POST /_dev/reset" } " (or " code { "?pool=<id>" } ")"
                ": back to the seeded state for the next test"
            }
            li {
                code { "POST /_dev/clock/advance" } " " code { r#"{"seconds": N}"# }
                ": move the clock to expire codes and tokens"
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ClockForm {
    #[serde(default)]
    seconds: Option<String>,
    #[serde(default)]
    real_time: Option<String>,
}

/// `POST /_dev/clock`: the clock code `/_dev/clock/advance` and `/_dev/reset` use, from a form.
pub async fn advance_clock(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<ClockForm>,
) -> Response {
    let (secs, done) = if form.real_time.is_some() {
        (-app.clock.offset_secs(), "real-time")
    } else {
        match form
            .seconds
            .as_deref()
            .map(str::trim)
            .map(str::parse::<i64>)
        {
            Some(Ok(n)) => (n, "clock"),
            _ => {
                let e = "Enter a whole number of seconds (negative moves the clock back).";
                return render(&app, &headers, None, Some(e)).await;
            }
        }
    };
    match app.clock.try_advance(secs) {
        Ok(_) => Redirect::to(&format!("/_dev/?done={done}#clock")).into_response(),
        Err(_) => {
            let e = format!(
                "The clock stays within {} seconds (100 years) of real time; it is {} s ahead now.",
                crate::clock::MAX_OFFSET_SECS,
                app.clock.offset_secs()
            );
            render(&app, &headers, None, Some(&e)).await
        }
    }
}
