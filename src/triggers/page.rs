//! `/_dev/triggers` as a page: each invocation with its trigger source, function, how long it
//! took, and the event sent and the answer (or error), newest at the bottom as in the JSON.

use super::log::Entry;
use crate::mail::page::{layout, time_of_day};
use maud::html;

pub fn invocations(entries: &[Entry], filter: Option<&str>) -> String {
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    layout(
        "Lambda triggers — cognito-emu",
        true,
        html! {
            h1 { "Lambda triggers" }
            p class="muted" {
                a href="/_dev/" { "dev console" }
                " · " (entries.len()) " invocation(s), oldest first, refreshes every 3 s"
                @if let Some(t) = filter {
                    " · only " (t) " — " a href="/_dev/triggers" { "show all" }
                }
            }
            table {
                thead { tr { th { "Trigger" } th { "Function" } th { "Event" } th { "Answer" } th { "At" } } }
                tbody {
                    @for e in entries {
                        tr {
                            td {
                                strong { (e.trigger) }
                                div class="muted" { (e.trigger_source) }
                            }
                            td { (e.function) div class="muted" { (format!("{:.1} ms", e.duration_ms)) } }
                            td { div class="body" { (pretty(&e.event)) } }
                            td {
                                @if let Some(err) = &e.error {
                                    div class="body" style="color:#b00" { (err) }
                                } @else if let Some(r) = &e.response {
                                    div class="body" { (pretty(r)) }
                                }
                            }
                            td class="muted" { (time_of_day(e.at)) }
                        }
                    }
                    @if entries.is_empty() {
                        tr { td colspan="5" class="muted" { "No trigger has run yet." } }
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_and_errors_are_escaped() {
        let evil = "<script>alert(1)</script>";
        let entry = Entry {
            trigger: "PreSignUp",
            trigger_source: "PreSignUp_SignUp".into(),
            function: format!("arn:aws:lambda:us-east-1:123456789012:function:{evil}"),
            event: json!({"userName": evil}),
            response: None,
            error: Some(format!("PreSignUp failed with error {evil}.")),
            duration_ms: 1.5,
            at: 0.0,
        };
        let page = invocations(&[entry], Some(evil));
        assert!(!page.contains("<script>"), "{page}");
        assert!(page.contains("PreSignUp_SignUp"));
        assert!(page.contains("1.5 ms"));
    }
}
