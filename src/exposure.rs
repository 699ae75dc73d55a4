//! What keeps a web page in the developer's browser from driving the emulator.
//!
//! - **Host allow-list** ([`check_host`]): a request is answered only when its `Host` (and
//!   `X-Forwarded-Host`) names us: a loopback name (`localhost`, `*.localhost`), an IP
//!   address, the bound host, the `--public-url` host, a pool domain
//!   (`<prefix>.auth.<region>.amazoncognito.com` or a stored custom domain), or a name given
//!   with `--allowed-hosts` (`*` turns the check off). A page on a DNS-rebound name
//!   (`evil.example` resolving to 127.0.0.1) is refused, and the issuer cannot be steered to
//!   an arbitrary host.
//! - **Dev routes** (`/_dev/*`, `/_bench/*`) answer no CORS and refuse cross-site requests
//!   ([`refuse_cross_site`]), so another site can neither read the mailbox (codes, temporary
//!   passwords) nor move the clock with a form post. `--no-dev-routes` removes them.
//! - The Cognito API (`POST /`) and the OAuth endpoints answer CORS for any origin, as AWS
//!   does, so browser SDKs work from any dev server.

use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::IpAddr;

/// The host part of a `Host` value (`name`, `name:port`, `[v6]:port`), lowercased.
fn host_name(value: &str) -> String {
    let value = value.trim();
    let host = if let Some(rest) = value.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else if value.matches(':').count() > 1 {
        // A bare IPv6 address without brackets.
        value
    } else {
        value.split(':').next().unwrap_or(value)
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// The host of a URL (`scheme://host[:port]/...`), lowercased; None when it has none.
fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    (!authority.is_empty()).then(|| host_name(authority))
}

/// The host of an `Origin` value, lowercased; None for `null` or a malformed one.
pub fn origin_host(origin: &str) -> Option<String> {
    url_host(origin)
}

/// Whether `host` (already [`host_name`]d) is one the configuration lets us answer, without
/// looking at stored custom domains.
pub fn host_allowed_by_config(config: &crate::config::Config, host: &str) -> bool {
    if host.parse::<IpAddr>().is_ok()
        || host == "localhost"
        || host.ends_with(".localhost")
        || (host.contains(".auth.") && host.ends_with(".amazoncognito.com"))
    {
        return true;
    }
    if host_name(&config.host) == host {
        return true;
    }
    if config
        .public_url
        .as_deref()
        .and_then(url_host)
        .is_some_and(|h| h == host)
    {
        return true;
    }
    config
        .allowed_hosts
        .iter()
        .map(|h| h.trim())
        .any(|h| h == "*" || host_name(h) == host)
}

async fn host_allowed(app: &AppState, host: &str) -> bool {
    if host_allowed_by_config(&app.config, host) {
        return true;
    }
    // A custom domain of a pool, served by Host (e.g. auth.example.com in /etc/hosts).
    host.contains('.')
        && app
            .store
            .get_domain::<serde_json::Value>(host)
            .await
            .ok()
            .flatten()
            .is_some()
}

fn refused(message: String) -> Response {
    let body = serde_json::json!({"__type": "AccessDeniedException", "message": message});
    let mut resp = (StatusCode::FORBIDDEN, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp.headers_mut().insert(
        "x-amzn-ErrorType",
        HeaderValue::from_static("AccessDeniedException"),
    );
    resp
}

/// Middleware: refuses a request whose `Host` or `X-Forwarded-Host` is not allowed (HTTP 403
/// with a message naming the host and the flag that allows it).
pub async fn check_host(State(app): State<AppState>, req: Request, next: Next) -> Response {
    for name in [header::HOST.as_str(), "x-forwarded-host"] {
        let Some(value) = req.headers().get(name) else {
            continue;
        };
        let host = value.to_str().map(host_name).unwrap_or_default();
        if !host_allowed(&app, &host).await {
            return refused(format!(
                "Host '{host}' is not allowed. cognito-emu answers loopback names, IP addresses, \
                 the bound host and --public-url; start it with --allowed-hosts {host} \
                 (COGNITO_EMU_ALLOWED_HOSTS) to accept this name."
            ));
        }
    }
    next.run(req).await
}

/// Why a request to a dev route is refused as cross-site, if it is.
fn cross_site(app: &AppState, method: &Method, headers: &HeaderMap) -> Option<String> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // Opening a dev page from a link elsewhere is fine: the linking site cannot read it.
    if matches!(*method, Method::GET | Method::HEAD) && get("sec-fetch-mode") == Some("navigate") {
        return None;
    }
    if get("sec-fetch-site") == Some("cross-site") {
        return Some("a cross-site request (Sec-Fetch-Site: cross-site)".into());
    }
    let origin = headers.get(header::ORIGIN)?;
    let origin = origin.to_str().unwrap_or("null");
    match url_host(origin) {
        Some(host) if host_allowed_by_config(&app.config, &host) => None,
        _ => Some(format!("a request from origin {origin}")),
    }
}

/// Middleware for the dev routes: refuses cross-site requests (by `Sec-Fetch-Site`, or an
/// `Origin` whose host is not allowed). Tools (curl, SDKs, test code) send neither header.
pub async fn refuse_cross_site(State(app): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(why) = cross_site(&app, req.method(), req.headers()) {
        return refused(format!(
            "{} refused {why}: the dev routes answer only the developer's own tools and pages.",
            req.uri().path()
        ));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names() {
        assert_eq!(host_name("LocalHost:9229"), "localhost");
        assert_eq!(host_name("[::1]:9229"), "::1");
        assert_eq!(host_name("::1"), "::1");
        assert_eq!(host_name("example.com."), "example.com");
        assert_eq!(
            url_host("https://evil.example"),
            Some("evil.example".into())
        );
        assert_eq!(
            url_host("http://u@127.0.0.1:3000/x"),
            Some("127.0.0.1".into())
        );
        assert_eq!(url_host("null"), None);
    }

    #[test]
    fn allowed_hosts() {
        let mut config = crate::config::Config::for_tests();
        let ok = |c: &crate::config::Config, h: &str| host_allowed_by_config(c, &host_name(h));
        for h in [
            "localhost:9229",
            "app.localhost",
            "127.0.0.1:9229",
            "[::1]:9229",
            "10.0.0.7",
            "myapp.auth.us-east-1.amazoncognito.com",
        ] {
            assert!(ok(&config, h), "{h}");
        }
        for h in ["evil.example", "localhost.evil.example", "cognito"] {
            assert!(!ok(&config, h), "{h}");
        }
        config.public_url = Some("http://cognito:9229".into());
        config.allowed_hosts = vec!["Emu.Internal".into()];
        assert!(ok(&config, "cognito:9229"));
        assert!(ok(&config, "emu.internal"));
        assert!(!ok(&config, "evil.example"));
        config.allowed_hosts = vec!["*".into()];
        assert!(ok(&config, "evil.example"));
    }

    use axum::body::Body;
    use tower::ServiceExt;

    async fn app(adjust: impl FnOnce(&mut crate::config::Config)) -> axum::Router {
        let mut config = crate::config::Config::for_tests();
        adjust(&mut config);
        crate::router(crate::build_state(config).await.unwrap())
    }

    async fn send(
        app: &axum::Router,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, String) {
        let mut req = Request::builder().method(method).uri(path);
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
            req = req.header("host", "localhost:9229");
        }
        for (n, v) in headers {
            req = req.header(*n, *v);
        }
        let body = if method == "POST" {
            Body::from("{\"seconds\": 60}")
        } else {
            Body::empty()
        };
        let resp = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            headers,
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    const EVIL: (&str, &str) = ("origin", "https://evil.example");

    #[tokio::test]
    async fn dev_routes_refuse_other_sites_and_answer_no_cors() {
        let app = app(|_| {}).await;
        // Reading the mailbox from another site's script.
        let (status, headers, body) = send(&app, "GET", "/_dev/mailbox", &[EVIL]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body.contains("AccessDeniedException"), "{body}");
        assert!(headers.get("access-control-allow-origin").is_none());
        // No preflight is granted.
        let (_, headers, _) = send(
            &app,
            "OPTIONS",
            "/_dev/mailbox",
            &[EVIL, ("access-control-request-method", "DELETE")],
        )
        .await;
        assert!(headers.get("access-control-allow-origin").is_none());
        // A form post moving the clock: refused, and the clock did not move.
        for extra in [
            [
                ("sec-fetch-site", "cross-site"),
                ("sec-fetch-mode", "navigate"),
            ],
            [("origin", "null"), ("sec-fetch-mode", "navigate")],
        ] {
            let (status, _, _) = send(&app, "POST", "/_dev/clock/advance", &extra).await;
            assert_eq!(status, StatusCode::FORBIDDEN);
        }
        // Tools and the developer's own pages are answered.
        for extra in [
            vec![],
            vec![("sec-fetch-site", "same-origin")],
            vec![("sec-fetch-site", "none")],
            vec![
                ("origin", "http://localhost:3000"),
                ("sec-fetch-site", "same-site"),
            ],
            // Following a link from elsewhere: the other site cannot read the page.
            vec![
                ("sec-fetch-site", "cross-site"),
                ("sec-fetch-mode", "navigate"),
            ],
        ] {
            let (status, _, body) = send(&app, "GET", "/_dev/mailbox", &extra).await;
            assert_eq!(status, StatusCode::OK, "{extra:?}: {body}");
        }
        let (status, _, body) = send(&app, "POST", "/_dev/clock/advance", &[]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("60"), "{body}");
    }

    #[tokio::test]
    async fn the_cognito_api_keeps_cors_for_any_origin() {
        let app = app(|_| {}).await;
        let (_, headers, _) = send(
            &app,
            "OPTIONS",
            "/",
            &[EVIL, ("access-control-request-method", "POST")],
        )
        .await;
        assert_eq!(
            headers
                .get("access-control-allow-origin")
                .and_then(|v| v.to_str().ok()),
            Some("https://evil.example")
        );
    }

    /// POST / with a JSON body for `action`.
    async fn api(app: &axum::Router, action: &str, body: &str, origin: Option<&str>) -> String {
        let mut req = Request::builder()
            .method("POST")
            .uri("/")
            .header("host", "localhost:9229")
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "x-amz-target",
                format!("AWSCognitoIdentityProviderService.{action}"),
            );
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        let resp = app
            .clone()
            .oneshot(req.body(Body::from(body.to_string())).unwrap())
            .await
            .unwrap();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[tokio::test]
    async fn foreign_pages_cannot_call_actions_that_need_credentials() {
        let app = app(|_| {}).await;
        let list = r#"{"MaxResults": 10}"#;
        for origin in ["https://evil.example", "null"] {
            let body = api(&app, "ListUserPools", list, Some(origin)).await;
            assert!(body.contains("AccessDeniedException"), "{body}");
            let body = api(&app, "CreateUserPool", r#"{"PoolName": "x"}"#, Some(origin)).await;
            assert!(body.contains("AccessDeniedException"), "{body}");
        }
        // Tools and the developer's own pages.
        for origin in [
            None,
            Some("http://localhost:3000"),
            Some("http://127.0.0.1:5173"),
        ] {
            let body = api(&app, "ListUserPools", list, origin).await;
            assert!(body.contains("UserPools"), "{origin:?}: {body}");
        }
        // What a browser app calls without credentials stays open to any origin.
        let body = api(
            &app,
            "InitiateAuth",
            r#"{"ClientId": "nosuchclient", "AuthFlow": "USER_PASSWORD_AUTH"}"#,
            Some("https://any.example"),
        )
        .await;
        assert!(!body.contains("AccessDeniedException"), "{body}");
        assert!(body.contains("ResourceNotFoundException"), "{body}");
    }

    #[tokio::test]
    async fn foreign_host_names_are_refused_with_a_clear_error() {
        let app = app(|_| {}).await;
        for headers in [
            vec![("host", "evil.example:9229")],
            vec![
                ("host", "localhost:9229"),
                ("x-forwarded-host", "evil.example"),
            ],
        ] {
            let (status, _, body) = send(&app, "GET", "/health", &headers).await;
            assert_eq!(status, StatusCode::FORBIDDEN);
            assert!(
                body.contains("Host 'evil.example' is not allowed"),
                "{body}"
            );
            assert!(body.contains("--allowed-hosts evil.example"), "{body}");
        }
        for host in ["localhost:9229", "127.0.0.1:9229", "[::1]:9229"] {
            let (status, _, _) = send(&app, "GET", "/health", &[("host", host)]).await;
            assert_eq!(status, StatusCode::OK, "{host}");
        }
        let app = super::tests::app(|c| c.allowed_hosts = vec!["cognito".into()]).await;
        let (status, _, _) = send(&app, "GET", "/health", &[("host", "cognito:9229")]).await;
        assert_eq!(status, StatusCode::OK);
    }

    #[tokio::test]
    async fn no_dev_routes_removes_them() {
        let app = app(|c| c.no_dev_routes = true).await;
        for path in ["/_dev/mailbox", "/_dev/", "/_dev/identity/credentials"] {
            let (status, _, _) = send(&app, "GET", path, &[]).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
        let (status, _, _) = send(&app, "GET", "/health", &[]).await;
        assert_eq!(status, StatusCode::OK);
    }
}
