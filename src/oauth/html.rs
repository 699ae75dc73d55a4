//! The hosted pages' HTML: one layout, inline CSS, no external assets (the emulator runs
//! offline), every field labelled, errors announced with role="alert". Written with maud:
//! every value spliced into a page is escaped; only the stylesheet is `PreEscaped`.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, Render, html};

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
button.secondary{background:#fff;color:#0972d3;border:1px solid #0972d3;margin-top:10px}button.link{background:none;color:#0972d3;width:auto;padding:0;margin-top:12px;font-weight:400;text-decoration:underline}
.error{background:#fff1f0;border:1px solid #d91515;color:#d91515;padding:10px;border-radius:4px;margin:12px 0;font-size:.9rem}
.info{background:#f0f8ff;border:1px solid #0972d3;color:#033160;padding:10px;border-radius:4px;margin:12px 0;font-size:.9rem}
.links{margin-top:18px;font-size:.9rem;display:flex;flex-direction:column;gap:8px}
a{color:#0972d3}
.providers{margin-top:20px;padding-top:16px;border-top:1px solid #e9ebed;display:flex;flex-direction:column;gap:8px}
a.provider{display:block;text-align:center;padding:9px;border:1px solid #879596;border-radius:4px;color:#16191f;text-decoration:none;font-weight:600}
.hint{font-size:.8rem;color:#545b64;margin-top:4px}
.banner-customizable{text-align:center;padding:24px 0 0}
.logo-customizable{max-width:200px;max-height:100px}
.legalText-customizable{font-size:.8rem;color:#545b64}
footer{text-align:center;font-size:.75rem;color:#687078;margin-top:16px}
"#;

/// What a pool or client set for its hosted pages: SetUICustomization's CSS (checked against
/// the `*-customizable` class whitelist before it was stored, so it cannot leave the `<style>`
/// element) and logo, a managed login branding logo, and the terms linked on sign-up.
#[derive(Debug, Clone, Default)]
pub struct Branding {
    pub css: Option<String>,
    /// A `data:` URL (there is no CDN offline).
    pub logo: Option<String>,
    /// `(terms name, URL)`: `terms-of-use`, `privacy-policy`.
    pub terms: Vec<(String, String)>,
}

/// A whole page around `body`.
pub fn layout(title: &str, body: Markup) -> Markup {
    branded_layout(title, body, &Branding::default())
}

/// A whole page around `body`, with the pool's or client's branding. The elements carry the
/// classic hosted UI's `*-customizable` classes so a stored sheet styles what it names.
pub fn branded_layout(title: &str, body: Markup, branding: &Branding) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
                @if let Some(css) = &branding.css {
                    style { (PreEscaped(css)) }
                }
            }
            body.background-customizable {
                @if let Some(logo) = &branding.logo {
                    div.banner-customizable {
                        img.logo-customizable src=(logo) alt="Logo";
                    }
                }
                main { (body) }
                footer { "cognito-emu — local Amazon Cognito emulator" }
            }
        }
    }
}

/// A page response with a status.
pub fn respond(status: StatusCode, title: &str, body: Markup) -> Response {
    respond_branded(status, title, body, &Branding::default())
}

/// A branded page response with a status.
pub fn respond_branded(
    status: StatusCode,
    title: &str,
    body: Markup,
    branding: &Branding,
) -> Response {
    (
        status,
        Html(branded_layout(title, body, branding).into_string()),
    )
        .into_response()
}

/// The terms a sign-up accepts, linked (nothing when the client has none).
pub fn terms_links(branding: &Branding) -> Markup {
    let label = |name: &str| match name {
        "privacy-policy" => "Privacy policy",
        _ => "Terms of use",
    };
    html! {
        @if !branding.terms.is_empty() {
            p.legalText-customizable {
                "By signing up you agree to the "
                @for (i, (name, url)) in branding.terms.iter().enumerate() {
                    @if i > 0 { " and the " }
                    a href=(url) target="_blank" rel="noopener" { (label(name)) }
                }
                "."
            }
        }
    }
}

/// The error box, or nothing.
pub fn alert(error: Option<&str>) -> Markup {
    html! {
        @if let Some(e) = error.filter(|e| !e.is_empty()) {
            div.error.errorMessage-customizable role="alert" { (e) }
        }
    }
}

/// The information box, or nothing.
pub fn info(text: Option<&str>) -> Markup {
    html! {
        @if let Some(t) = text.filter(|t| !t.is_empty()) {
            div class="info" role="status" { (t) }
        }
    }
}

/// A labelled, required input; the label's `for`, the input's id and its form name are one.
pub struct Field<'a> {
    name: &'a str,
    label: &'a str,
    kind: &'static str,
    value: &'a str,
    inputmode: Option<&'static str>,
    autocomplete: Option<&'static str>,
    autofocus: bool,
}

impl<'a> Field<'a> {
    /// A text input, empty.
    pub fn text(name: &'a str, label: &'a str) -> Self {
        Field {
            name,
            label,
            kind: "text",
            value: "",
            inputmode: None,
            autocomplete: None,
            autofocus: false,
        }
    }

    /// A password input; `autocomplete` tells password managers which one
    /// (`current-password`, `new-password`).
    pub fn password(name: &'a str, label: &'a str, autocomplete: &'static str) -> Self {
        Field::text(name, label)
            .kind("password")
            .autocomplete(autocomplete)
    }

    /// The one-time code a message or an authenticator app gave.
    pub fn code(label: &'a str) -> Self {
        Field {
            inputmode: Some("numeric"),
            ..Field::text("code", label).autocomplete("one-time-code")
        }
    }

    pub fn kind(self, kind: &'static str) -> Self {
        Field { kind, ..self }
    }

    pub fn value(self, value: &'a str) -> Self {
        Field { value, ..self }
    }

    pub fn autocomplete(self, autocomplete: &'static str) -> Self {
        Field {
            autocomplete: Some(autocomplete),
            ..self
        }
    }

    pub fn autofocus(self) -> Self {
        Field {
            autofocus: true,
            ..self
        }
    }
}

impl Render for Field<'_> {
    fn render(&self) -> Markup {
        html! {
            label.label-customizable for=(self.name) { (self.label) }
            input.inputField-customizable id=(self.name) name=(self.name) type=(self.kind) value=(self.value)
                inputmode=[self.inputmode] autocomplete=[self.autocomplete] required
                autofocus[self.autofocus];
        }
    }
}

/// A hidden input.
pub fn hidden(name: &str, value: &str) -> Markup {
    html! { input type="hidden" name=(name) value=(value); }
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
        html! {
            h1 { "An error was encountered with the requested page." }
            (alert(Some(message)))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_the_markup_the_pages_and_their_tests_rely_on() {
        let user = Field::text("username", "Email")
            .kind("email")
            .value("a@b.c")
            .autocomplete("username")
            .autofocus();
        assert_eq!(
            user.render().into_string(),
            "<label class=\"label-customizable\" for=\"username\">Email</label><input class=\"inputField-customizable\" id=\"username\" name=\"username\" \
             type=\"email\" value=\"a@b.c\" autocomplete=\"username\" required autofocus>"
        );
        assert_eq!(
            Field::code("Code").render().into_string(),
            "<label class=\"label-customizable\" for=\"code\">Code</label><input class=\"inputField-customizable\" id=\"code\" name=\"code\" type=\"text\" \
             value=\"\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required>"
        );
        assert_eq!(alert(None).into_string(), "");
        assert_eq!(info(Some("")).into_string(), "");
    }

    #[test]
    fn spliced_values_are_escaped() {
        let evil = "\"><script>alert('x')</script>&";
        let escaped = "&quot;&gt;&lt;script&gt;alert('x')&lt;/script&gt;&amp;";
        for markup in [
            Field::text("username", evil).value(evil).render(),
            hidden("username", evil),
            alert(Some(evil)),
            info(Some(evil)),
            layout(evil, html! { (evil) }),
        ] {
            let s = markup.into_string();
            assert!(!s.contains("<script>"), "{s}");
            assert!(s.contains(escaped), "{s}");
        }
    }
}
