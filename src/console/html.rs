//! What every console page shares: the layout and navigation, links built from stored values
//! (percent-encoded, then escaped by maud like any other value), times, JSON blocks, and the
//! boxes an action's outcome is shown in.

use crate::protocol::ApiError;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};

const STYLE: &str = "\
body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}\
header{background:#1f2d3d;color:#fff;padding:.6rem 2rem;display:flex;gap:1.5rem;align-items:center}\
header a{color:#cfe3ff;text-decoration:none}header a:hover{text-decoration:underline}\
header strong{color:#fff;margin-right:1rem}\
main{padding:1rem 2rem 3rem;max-width:1200px}\
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}\
table{border-collapse:collapse;width:100%;background:#fff}\
th,td{border-bottom:1px solid #e4e4e4;padding:.4rem .5rem;text-align:left;vertical-align:top}\
th{background:#f1f3f5;font-weight:600}table.kv th{width:14rem}\
code,pre,.mono{font-family:ui-monospace,monospace;font-size:.85rem}\
pre{background:#fff;border:1px solid #e4e4e4;padding:.6rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}\
.muted{color:#777;font-size:.85rem}.crumbs{color:#777;font-size:.9rem;margin-top:.5rem}\
.crumbs a{color:#555}\
.code{font:700 1.2rem ui-monospace,monospace;letter-spacing:.12em;color:#0a5}\
.box{padding:.6rem .9rem;border-radius:4px;margin:1rem 0}\
.error{background:#fdecea;border:1px solid #f5c2c0;color:#8a1f17}\
.notice{background:#e8f5e9;border:1px solid #b7dfb9;color:#1e5b23}\
.ok{color:#1e7b34;font-weight:600}.bad{color:#b3261e;font-weight:600}.warn{color:#a15c00;font-weight:600}\
form.inline{display:inline-block;margin:0 .4rem .4rem 0}\
fieldset{border:1px solid #ddd;background:#fff;margin:1rem 0;padding:.6rem 1rem}\
label{display:inline-block;margin:.2rem 1rem .2rem 0}\
input[type=text],input[type=password],input[type=number],select{padding:.3rem;min-width:14rem}\
textarea{width:100%;font-family:ui-monospace,monospace;font-size:.85rem}\
button{padding:.35rem .8rem;cursor:pointer}button.danger{color:#b3261e}\
.pill{display:inline-block;padding:0 .4rem;border-radius:3px;background:#eef;font-size:.8rem}\
.pill.off{background:#fde}";

/// One entry of the navigation bar.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Pools,
    Mailbox,
    Triggers,
    Token,
    Clock,
}

/// A whole console page: the navigation bar, breadcrumbs (label, link), then `body`.
pub fn page(title: &str, current: Nav, crumbs: &[(&str, String)], body: Markup) -> Markup {
    let item = |nav: Nav, href: &str, label: &str| {
        html! {
            @if nav == current { a href=(href) aria-current="page" { strong { (label) } } }
            @else { a href=(href) { (label) } }
        }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — cognito-emu console" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    strong { "cognito-emu console" }
                    (item(Nav::Pools, "/_dev/", "User pools"))
                    (item(Nav::Mailbox, "/_dev/mailbox", "Mailbox"))
                    (item(Nav::Triggers, "/_dev/triggers", "Triggers"))
                    (item(Nav::Token, "/_dev/token", "Token decoder"))
                    (item(Nav::Clock, "/_dev/#clock", "Clock"))
                }
                main {
                    @if !crumbs.is_empty() {
                        div class="crumbs" {
                            @for (i, (label, href)) in crumbs.iter().enumerate() {
                                @if i > 0 { " / " }
                                a href=(href) { (label) }
                            }
                        }
                    }
                    (body)
                }
            }
        }
    }
}

/// An HTML answer with `status`.
pub fn respond(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// A failed action or read, as the API would have answered it.
pub fn error_box(e: &ApiError) -> Markup {
    html! {
        div class="box error" role="alert" {
            strong { (e.kind.name()) } ": " (e.message)
        }
    }
}

pub fn notice_box(text: &str) -> Markup {
    html! { div class="box notice" role="status" { (text) } }
}

/// A page that could not be shown at all (unknown pool or user, storage failure).
pub fn error_page(title: &str, crumbs: &[(&str, String)], e: &ApiError) -> Response {
    respond(
        e.status(),
        page(
            title,
            Nav::Pools,
            crumbs,
            html! { h1 { (title) } (error_box(e)) },
        ),
    )
}

/// `YYYY-MM-DD HH:MM:SS UTC` of an epoch time.
pub fn when(epoch: f64) -> String {
    let t = crate::clock::Utc::of(epoch.floor() as i64);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

pub fn when_opt(epoch: Option<f64>) -> String {
    epoch.map(when).unwrap_or_default()
}

/// `in 59 min` / `3 h ago`: how far `epoch` is from `now`.
pub fn relative(epoch: i64, now: i64) -> String {
    let d = epoch - now;
    let a = d.unsigned_abs();
    let span = match a {
        0..=119 => format!("{a} s"),
        120..=7199 => format!("{} min", a / 60),
        7200..=172_799 => format!("{} h", a / 3600),
        _ => format!("{} days", a / 86_400),
    };
    if d >= 0 {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

/// A JSON value, pretty-printed in a block.
pub fn json_block(value: &impl serde::Serialize) -> Markup {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    html! { pre { (text) } }
}

/// A path segment with everything but RFC 3986's unreserved characters percent-encoded.
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `?a=1&b=2`, form-encoded; empty values are left out.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let kept: Vec<_> = pairs.iter().filter(|(_, v)| !v.is_empty()).collect();
    if kept.is_empty() {
        return String::new();
    }
    format!("?{}", serde_urlencoded::to_string(kept).unwrap_or_default())
}

pub fn pool_href(pool_id: &str) -> String {
    format!("/_dev/pools/{}", segment(pool_id))
}

pub fn users_href(pool_id: &str) -> String {
    format!("{}/users", pool_href(pool_id))
}

pub fn user_href(pool_id: &str, username: &str) -> String {
    format!(
        "{}/user{}",
        pool_href(pool_id),
        query(&[("username", username)])
    )
}

/// Where a user action posts: `/_dev/pools/<id>/user/<action>`.
pub fn action_href(pool_id: &str, action: &str) -> String {
    format!("{}/user/{action}", pool_href(pool_id))
}

/// A yes/no marker.
pub fn flag(on: bool, yes: &str, no: &str) -> Markup {
    html! {
        @if on { span class="pill" { (yes) } } @else { span class="pill off" { (no) } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_encode_what_they_carry() {
        assert_eq!(segment("us-east-1_AbC"), "us-east-1_AbC");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
        assert_eq!(
            user_href("us-east-1_X", "ada+1@example.com"),
            "/_dev/pools/us-east-1_X/user?username=ada%2B1%40example.com"
        );
        assert_eq!(query(&[("q", ""), ("by", "email")]), "?by=email");
        assert_eq!(query(&[("q", "")]), "");
    }

    #[test]
    fn times() {
        assert_eq!(when(0.0), "1970-01-01 00:00:00 UTC");
        assert_eq!(when(1_796_600_000.9), "2026-12-06 23:33:20 UTC");
        assert_eq!(relative(3600, 0), "in 60 min");
        assert_eq!(relative(0, 7200), "2 h ago");
        assert_eq!(relative(10, 0), "in 10 s");
        assert_eq!(relative(0, 86_400 * 3), "3 days ago");
    }
}
