//! The hosted pages' HTML: one layout, inline CSS, no external assets (the emulator runs
//! offline), every field labelled, errors announced with role="alert".

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;background:#f2f3f3;color:#16191f}
main{max-width:380px;margin:48px auto;padding:32px;background:#fff;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.15)}
h1{font-size:1.4rem;margin:0 0 4px}
p.sub{margin:0 0 20px;color:#545b64;font-size:.9rem}
label{display:block;font-weight:600;font-size:.9rem;margin:14px 0 4px}
input[type=text],input[type=email],input[type=password],input[type=tel]{width:100%;padding:9px 10px;font-size:1rem;border:1px solid #879596;border-radius:4px}
input:focus,button:focus,a:focus{outline:3px solid #0972d3;outline-offset:1px}
button{width:100%;margin-top:20px;padding:10px;font-size:1rem;font-weight:600;color:#fff;background:#0972d3;border:0;border-radius:4px;cursor:pointer}
button.link{background:none;color:#0972d3;width:auto;padding:0;margin-top:12px;font-weight:400;text-decoration:underline}
.error{background:#fff1f0;border:1px solid #d91515;color:#d91515;padding:10px;border-radius:4px;margin:12px 0;font-size:.9rem}
.info{background:#f0f8ff;border:1px solid #0972d3;color:#033160;padding:10px;border-radius:4px;margin:12px 0;font-size:.9rem}
.links{margin-top:18px;font-size:.9rem;display:flex;flex-direction:column;gap:8px}
a{color:#0972d3}
.hint{font-size:.8rem;color:#545b64;margin-top:4px}
footer{text-align:center;font-size:.75rem;color:#687078;margin-top:16px}
"#;

/// A whole page around `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{t}</title><style>{STYLE}</style></head>\
<body><main>{body}</main><footer>cognito-emu — local Amazon Cognito emulator</footer></body></html>",
        t = esc(title)
    )
}

/// A page response with a status.
pub fn respond(status: StatusCode, title: &str, body: &str) -> Response {
    (status, Html(page(title, body))).into_response()
}

/// The error box, or nothing.
pub fn alert(error: Option<&str>) -> String {
    match error {
        Some(e) if !e.is_empty() => format!("<div class=\"error\" role=\"alert\">{}</div>", esc(e)),
        _ => String::new(),
    }
}

/// The information box, or nothing.
pub fn info(text: Option<&str>) -> String {
    match text {
        Some(t) if !t.is_empty() => format!("<div class=\"info\" role=\"status\">{}</div>", esc(t)),
        _ => String::new(),
    }
}

/// A labelled input.
pub fn field(id: &str, label: &str, kind: &str, value: &str, extra: &str) -> String {
    format!(
        "<label for=\"{id}\">{l}</label><input id=\"{id}\" name=\"{id}\" type=\"{kind}\" value=\"{v}\" {extra}>",
        l = esc(label),
        v = esc(value)
    )
}

/// A hidden input.
pub fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
        esc(value)
    )
}

/// The answer to a failure the user cannot fix: the cause is logged, never shown.
pub fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(cause = %e, "hosted UI");
    error_page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.")
}

/// The error page shown when the request cannot be sent back to the app (unknown client,
/// redirect_uri not registered, ...).
pub fn error_page(status: StatusCode, message: &str) -> Response {
    respond(
        status,
        "Error",
        &format!(
            "<h1>An error was encountered with the requested page.</h1>{}",
            alert(Some(message))
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
