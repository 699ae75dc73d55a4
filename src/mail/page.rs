//! The HTML pages under `/_dev/` (the trigger log's is in `triggers::page`): self-contained (no external assets), written with maud, so
//! every value from a message (subject, body, addresses) is escaped.

use crate::store::mailbox::{MailboxFilter, StoredMessage};
use maud::{DOCTYPE, Markup, PreEscaped, html};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}\
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.5rem;\
text-align:left;vertical-align:top}th{background:#f4f4f4}.code{font:700 1.4rem monospace;\
letter-spacing:.15em;color:#0a5}.body{white-space:pre-wrap;font-size:.9rem;color:#444}\
.muted{color:#888;font-size:.85rem}";

/// A whole page; `refresh` reloads it every 3 seconds (the mailbox).
pub(crate) fn layout(title: &str, refresh: bool, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                @if refresh { meta http-equiv="refresh" content="3"; }
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    }
    .into_string()
}

/// `/_dev/mailbox` as a page: newest first, codes prominent, refreshing every 3 seconds.
pub fn mailbox(messages: &[StoredMessage], filter: &MailboxFilter) -> String {
    let filters: Vec<String> = [
        ("to", &filter.to),
        ("pool", &filter.pool),
        ("username", &filter.username),
        ("kind", &filter.kind),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} = {v}")))
    .collect();
    layout(
        "Mailbox — cognito-emu",
        true,
        html! {
            h1 { "Mailbox" }
            p class="muted" {
                a href="/_dev/" { "dev console" }
                " · " (messages.len()) " message(s), newest first, refreshes every 3 s"
            }
            @if !filters.is_empty() {
                p class="muted" {
                    "Filtered: " (filters.join(", ")) " — "
                    a href="/_dev/mailbox" { "show all" }
                }
            }
            table {
                thead { tr { th { "Code" } th { "To" } th { "User / pool" } th { "Message" } th { "Sent" } } }
                tbody {
                    @for m in messages {
                        tr {
                            td class="code" { (m.code.as_deref().unwrap_or_default()) }
                            td { (m.to) div class="muted" { (m.medium) " · " (m.kind) } }
                            td { (m.username) div class="muted" { (m.pool_id) } }
                            td {
                                strong { (m.subject.as_deref().unwrap_or_default()) }
                                div class="body" { (m.body) }
                            }
                            td class="muted" { "#" (m.id) " " (time_of_day(m.created_at)) }
                        }
                    }
                    @if messages.is_empty() {
                        tr { td colspan="5" class="muted" { "No messages yet." } }
                    }
                }
            }
        },
    )
}

/// `HH:MM:SS UTC` of an epoch time.
pub(crate) fn time_of_day(epoch: f64) -> String {
    let secs = epoch.max(0.0) as i64 % 86_400;
    format!(
        "{:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_fields_and_filters_are_escaped() {
        let evil = "<script>alert(1)</script>";
        let message = StoredMessage {
            id: 7,
            pool_id: format!("us-east-1_{evil}"),
            username: evil.into(),
            to: format!("{evil}@example.com"),
            medium: "EMAIL".into(),
            kind: "sign_up".into(),
            subject: Some(format!("Subject {evil}")),
            body: format!("Body {evil} & \"more\""),
            code: Some(evil.into()),
            created_at: 3_600.0,
        };
        let filter = MailboxFilter {
            to: Some(evil.into()),
            ..Default::default()
        };
        let page = mailbox(&[message], &filter);
        assert!(!page.contains("<script>"), "{page}");
        assert!(page.contains("Subject &lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("Body &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;"));
        assert!(page.contains("Filtered: to = &lt;script&gt;"));
        assert!(page.contains("#7 01:00:00 UTC"));
        assert!(page.contains("http-equiv=\"refresh\""));
    }
}
