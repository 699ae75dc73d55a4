//! The HTML pages under `/_dev/`: self-contained (no external assets), escaped.

use crate::store::mailbox::{MailboxFilter, StoredMessage};

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}\
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.5rem;\
text-align:left;vertical-align:top}th{background:#f4f4f4}.code{font:700 1.4rem monospace;\
letter-spacing:.15em;color:#0a5}.body{white-space:pre-wrap;font-size:.9rem;color:#444}\
.muted{color:#888;font-size:.85rem}";

/// `/_dev/`: links to what the dev routes offer.
pub fn index() -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>cognito-emu dev</title>\
<style>{STYLE}</style></head><body><h1>cognito-emu</h1><ul>\
<li><a href=\"/_dev/mailbox\">Mailbox</a>: every code, invitation and message the emulator sent \
(JSON with <code>Accept: application/json</code>, newest one at <code>/_dev/mailbox/latest</code>)</li>\
<li><code>POST /_dev/clock/advance</code> <code>{{\"seconds\": N}}</code>: move the clock to expire \
codes and tokens</li></ul></body></html>"
    )
}

/// `/_dev/mailbox` as a page: newest first, codes prominent, refreshing every 3 seconds.
pub fn mailbox(messages: &[StoredMessage], filter: &MailboxFilter) -> String {
    let mut rows = String::new();
    for m in messages {
        let when = time_of_day(m.created_at);
        rows.push_str(&format!(
            "<tr><td class=\"code\">{}</td><td>{}<div class=\"muted\">{} · {}</div></td>\
<td>{}<div class=\"muted\">{}</div></td><td><strong>{}</strong><div class=\"body\">{}</div></td>\
<td class=\"muted\">#{} {}</td></tr>",
            esc(m.code.as_deref().unwrap_or("")),
            esc(&m.to),
            esc(&m.medium),
            esc(&m.kind),
            esc(&m.username),
            esc(&m.pool_id),
            esc(m.subject.as_deref().unwrap_or("")),
            esc(&m.body),
            m.id,
            when,
        ));
    }
    if messages.is_empty() {
        rows.push_str("<tr><td colspan=\"5\" class=\"muted\">No messages yet.</td></tr>");
    }
    let mut filters = Vec::new();
    for (k, v) in [
        ("to", &filter.to),
        ("pool", &filter.pool),
        ("username", &filter.username),
        ("kind", &filter.kind),
    ] {
        if let Some(v) = v {
            filters.push(format!("{k} = {}", esc(v)));
        }
    }
    let filters = if filters.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"muted\">Filtered: {} — <a href=\"/_dev/mailbox\">show all</a></p>",
            filters.join(", ")
        )
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"refresh\" content=\"3\"><title>Mailbox — cognito-emu</title>\
<style>{STYLE}</style></head><body><h1>Mailbox</h1><p class=\"muted\"><a href=\"/_dev/\">dev index</a> · \
{} message(s), newest first, refreshes every 3 s</p>{filters}<table><thead><tr><th>Code</th>\
<th>To</th><th>User / pool</th><th>Message</th><th>Sent</th></tr></thead><tbody>{rows}</tbody>\
</table></body></html>",
        messages.len()
    )
}

/// `HH:MM:SS UTC` of an epoch time.
fn time_of_day(epoch: f64) -> String {
    let secs = epoch.max(0.0) as i64 % 86_400;
    format!(
        "{:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}
