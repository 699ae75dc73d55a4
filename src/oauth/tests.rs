//! Handler tests for the OAuth endpoints and hosted pages, driven through the router.

use crate::idp::shapes::*;
use crate::protocol::ctx::Ctx;
use crate::testkit;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tower::ServiceExt;

const CALLBACK: &str = "http://localhost:5255/signin-oidc";
const SIGNED_OUT: &str = "http://localhost:5255/";

struct Env {
    ctx: Ctx,
    app: Router,
    pool_id: String,
    web: UserPoolClientType,
    m2m: UserPoolClientType,
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Resp {
    fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
    /// The `name=value` part of each Set-Cookie.
    fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().to_string())
            .collect()
    }
}

async fn call(app: &Router, method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> Resp {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if method == "POST" {
        req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// The value of a page's hidden input `name`.
fn hidden_input(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).unwrap() + marker.len();
    body[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
}

/// The first form's action (unescaped).
fn form_action(body: &str) -> String {
    let start = body.find("action=\"").unwrap() + "action=\"".len();
    body[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
}

/// The hosted login page an authorize request with a fresh PKCE challenge leads to.
async fn login_url(e: &Env) -> String {
    call(&e.app, "GET", &authorize_url(e, &challenge(), &[]), &[], "")
        .await
        .location()
}

fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

fn query_of(url: &str) -> Vec<(String, String)> {
    let q = url.split_once('?').map(|x| x.1).unwrap_or_default();
    let q = q.split('#').next().unwrap_or_default();
    serde_urlencoded::from_str(q).unwrap()
}

fn param(url: &str, name: &str) -> Option<String> {
    query_of(url)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn claims(jwt: &str) -> Value {
    let p = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
}

fn basic(c: &UserPoolClientType) -> String {
    let id = c.client_id.as_deref().unwrap();
    let secret = c.client_secret.as_deref().unwrap();
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

async fn env() -> Env {
    let ctx = testkit::ctx().await;
    let pool = testkit::pool(&ctx, |_| {}).await;
    let pool_id = pool.id.clone().unwrap();
    crate::idp::resource_servers::create_resource_server(
        ctx.clone(),
        CreateResourceServerRequest {
            user_pool_id: pool_id.clone(),
            identifier: "orders-api".into(),
            name: "orders".into(),
            scopes: Some(vec![ResourceServerScopeType {
                scope_name: "read".into(),
                scope_description: "read orders".into(),
            }]),
        },
    )
    .await
    .unwrap();
    let web = crate::idp::clients::create_user_pool_client(
        ctx.clone(),
        CreateUserPoolClientRequest {
            user_pool_id: pool_id.clone(),
            client_name: "web".into(),
            generate_secret: Some(true),
            allowed_o_auth_flows_user_pool_client: Some(true),
            allowed_o_auth_flows: Some(vec!["code".into(), "implicit".into()]),
            allowed_o_auth_scopes: Some(vec!["openid".into(), "email".into(), "profile".into()]),
            callback_ur_ls: Some(vec![CALLBACK.into()]),
            logout_ur_ls: Some(vec![SIGNED_OUT.into()]),
            supported_identity_providers: Some(vec!["COGNITO".into()]),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .user_pool_client
    .unwrap();
    let m2m = crate::idp::clients::create_user_pool_client(
        ctx.clone(),
        CreateUserPoolClientRequest {
            user_pool_id: pool_id.clone(),
            client_name: "m2m".into(),
            generate_secret: Some(true),
            allowed_o_auth_flows_user_pool_client: Some(true),
            allowed_o_auth_flows: Some(vec!["client_credentials".into()]),
            allowed_o_auth_scopes: Some(vec!["orders-api/read".into()]),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .user_pool_client
    .unwrap();
    let app = crate::router(ctx.app.clone());
    Env {
        ctx,
        app,
        pool_id,
        web,
        m2m,
    }
}

async fn add_user(e: &Env, username: &str, email: &str, password: &str, permanent: bool) {
    crate::idp::admin_users::admin_create_user(
        e.ctx.clone(),
        AdminCreateUserRequest {
            user_pool_id: e.pool_id.clone(),
            username: username.into(),
            user_attributes: Some(vec![
                testkit::attr("email", email),
                testkit::attr("email_verified", "true"),
            ]),
            temporary_password: Some(password.into()),
            message_action: Some("SUPPRESS".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    if permanent {
        crate::idp::admin_users::admin_set_user_password(
            e.ctx.clone(),
            AdminSetUserPasswordRequest {
                user_pool_id: e.pool_id.clone(),
                username: username.into(),
                password: password.into(),
                permanent: Some(true),
            },
        )
        .await
        .unwrap();
    }
}

fn authorize_url(e: &Env, challenge: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", e.web.client_id.as_deref().unwrap()),
        ("redirect_uri", CALLBACK),
        ("scope", "openid email"),
        ("state", "st-1"),
        ("nonce", "n-0S6_WzA2Mj"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ];
    pairs.extend_from_slice(extra);
    format!("/oauth2/authorize?{}", form(&pairs))
}

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn challenge() -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()))
}

/// Signs alice in through the login page; returns (callback URL, session cookie).
async fn sign_in(e: &Env) -> (String, String) {
    let r = call(&e.app, "GET", &authorize_url(e, &challenge(), &[]), &[], "").await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let login = r.location();
    assert!(login.starts_with("/login?"), "{login}");
    let page = call(&e.app, "GET", &login, &[], "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<label class=\"label-customizable\" for=\"username\">Username</label>")
    );
    let r = call(
        &e.app,
        "POST",
        &login,
        &[],
        &form(&[("username", "alice"), ("password", "Passw0rd!")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let cookie = r
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("cognito-"))
        .unwrap();
    (r.location(), cookie)
}

async fn exchange(e: &Env, code: &str, verifier: Option<&str>) -> Resp {
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CALLBACK),
    ];
    if let Some(v) = verifier {
        pairs.push(("code_verifier", v));
    }
    call(
        &e.app,
        "POST",
        "/oauth2/token",
        &[("authorization", &basic(&e.web))],
        &form(&pairs),
    )
    .await
}

#[tokio::test]
async fn client_credentials_grant_and_its_errors() {
    let e = env().await;
    let m2m_id = e.m2m.client_id.clone().unwrap();
    let r = call(
        &e.app,
        "POST",
        "/oauth2/token",
        &[("authorization", &basic(&e.m2m))],
        "grant_type=client_credentials&scope=orders-api%2Fread",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
    let body = r.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body.get("id_token").is_none() && body.get("refresh_token").is_none());
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["sub"], m2m_id.as_str());
    assert_eq!(c["client_id"], m2m_id.as_str());
    assert_eq!(c["token_use"], "access");
    assert_eq!(c["scope"], "orders-api/read");
    assert!(c.get("username").is_none());

    // Secret in the body works too; no scope means every allowed custom scope.
    let r = call(
        &e.app,
        "POST",
        "/oauth2/token",
        &[],
        &form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &m2m_id),
            ("client_secret", e.m2m.client_secret.as_deref().unwrap()),
        ]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Wrong secret by Basic: 401 invalid_client with a Basic challenge.
    let bad = format!("Basic {}", STANDARD.encode(format!("{m2m_id}:nope")));
    let r = call(
        &e.app,
        "POST",
        "/oauth2/token",
        &[("authorization", &bad)],
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"], "invalid_client");
    assert!(r.headers.get(header::WWW_AUTHENTICATE).is_some());

    let r = call(
        &e.app,
        "POST",
        "/oauth2/token",
        &[("authorization", &basic(&e.m2m))],
        "grant_type=client_credentials&scope=orders-api%2Fwrite",
    )
    .await;
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (StatusCode::BAD_REQUEST, "invalid_scope".into())
    );
    let r = call(
        &e.app,
        "POST",
        "/oauth2/token",
        &[("authorization", &basic(&e.m2m))],
        "grant_type=password",
    )
    .await;
    assert_eq!(r.json()["error"], "unsupported_grant_type");
    let r = call(
        &e.app,
        "POST",
        "/oauth2/token",
        &[("authorization", &basic(&e.m2m))],
        "",
    )
    .await;
    assert_eq!(r.json()["error"], "invalid_request");
    let r = call(
        &e.app,
        "POST",
        "/oauth2/token",
        &[("authorization", &basic(&e.web))],
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(r.json()["error"], "unauthorized_client");
    let r = call(
        &e.app,
        "POST",
        "/oauth2/token",
        &[],
        "grant_type=client_credentials&client_id=nobody",
    )
    .await;
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (StatusCode::UNAUTHORIZED, "invalid_client".into())
    );
}

#[tokio::test]
async fn code_flow_with_pkce_session_userinfo_refresh_revoke_logout() {
    let e = env().await;
    add_user(&e, "alice", "alice@example.com", "Passw0rd!", true).await;

    // Wrong password: the page says so.
    let login = login_url(&e).await;
    let r = call(
        &e.app,
        "POST",
        &login,
        &[],
        &form(&[("username", "alice"), ("password", "wrong")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains("role=\"alert\">Incorrect username or password.")
    );

    let (callback, cookie) = sign_in(&e).await;
    assert!(callback.starts_with(CALLBACK), "{callback}");
    assert_eq!(param(&callback, "state").as_deref(), Some("st-1"));
    let code = param(&callback, "code").unwrap();

    let r = exchange(&e, &code, Some(VERIFIER)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let tokens = r.json();
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(id["aud"], e.web.client_id.as_deref().unwrap());
    assert_eq!(id["cognito:username"], "alice");
    let access = tokens["access_token"].as_str().unwrap().to_string();
    assert_eq!(claims(&access)["scope"], "openid email");
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();

    // Codes are single-use.
    let r = exchange(&e, &code, Some(VERIFIER)).await;
    assert_eq!(r.json()["error"], "invalid_grant");

    // The browser is signed in: authorize returns straight to the app with a new code.
    let r = call(
        &e.app,
        "GET",
        &authorize_url(&e, &challenge(), &[]),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert!(r.location().starts_with(CALLBACK), "{}", r.location());
    let code2 = param(&r.location(), "code").unwrap();
    assert_ne!(code2, code);
    // PKCE: a missing verifier is invalid_request, a wrong one invalid_grant.
    assert_eq!(
        exchange(&e, &code2, None).await.json()["error"],
        "invalid_request"
    );
    let code3 = param(
        &call(
            &e.app,
            "GET",
            &authorize_url(&e, &challenge(), &[]),
            &[("cookie", &cookie)],
            "",
        )
        .await
        .location(),
        "code",
    )
    .unwrap();
    assert_eq!(
        exchange(&e, &code3, Some("not-the-verifier")).await.json()["error"],
        "invalid_grant"
    );
    // Expired codes.
    let code4 = param(
        &call(
            &e.app,
            "GET",
            &authorize_url(&e, &challenge(), &[]),
            &[("cookie", &cookie)],
            "",
        )
        .await
        .location(),
        "code",
    )
    .unwrap();
    e.ctx.clock.advance(301);
    assert_eq!(
        exchange(&e, &code4, Some(VERIFIER)).await.json()["error"],
        "invalid_grant"
    );
    e.ctx.clock.advance(-301);
    // prompt=login ignores the session.
    let r = call(
        &e.app,
        "GET",
        &authorize_url(&e, &challenge(), &[("prompt", "login")]),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert!(r.location().starts_with("/login?"));

    // userInfo: string values, username.
    let r = call(
        &e.app,
        "GET",
        "/oauth2/userInfo",
        &[("authorization", &format!("Bearer {access}"))],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let info = r.json();
    assert_eq!(info["email"], "alice@example.com");
    assert_eq!(info["email_verified"], "true");
    assert_eq!(info["username"], "alice");
    assert_eq!(info["sub"], id["sub"]);
    let r = call(
        &e.app,
        "GET",
        "/oauth2/userInfo",
        &[("authorization", "Bearer nope")],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.headers.get(header::WWW_AUTHENTICATE).is_some());

    // Refresh keeps the scope; no new refresh token.
    let r = call(
        &e.app,
        "POST",
        "/oauth2/token",
        &[("authorization", &basic(&e.web))],
        &form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let t = r.json();
    assert!(t.get("refresh_token").is_none());
    assert_eq!(
        claims(t["access_token"].as_str().unwrap())["scope"],
        "openid email"
    );
    assert!(t["id_token"].is_string());
    // The same sign-in refreshed through the API keeps its OAuth scopes too (one refresh path).
    let api = crate::idp::auth::initiate_auth(
        e.ctx.clone(),
        InitiateAuthRequest {
            auth_flow: "REFRESH_TOKEN_AUTH".into(),
            auth_parameters: Some(
                [
                    ("REFRESH_TOKEN".to_string(), refresh.clone()),
                    (
                        "SECRET_HASH".to_string(),
                        testkit::hash(&e.web, "alice").unwrap(),
                    ),
                ]
                .into(),
            ),
            client_id: e.web.client_id.clone().unwrap(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .authentication_result
    .unwrap();
    assert_eq!(
        claims(api.access_token.as_deref().unwrap())["scope"],
        "openid email"
    );

    // Revoke, then the refresh token no longer works.
    let r = call(
        &e.app,
        "POST",
        "/oauth2/revoke",
        &[("authorization", &basic(&e.web))],
        &form(&[("token", &refresh)]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = call(
        &e.app,
        "POST",
        "/oauth2/token",
        &[("authorization", &basic(&e.web))],
        &form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)]),
    )
    .await;
    assert_eq!(r.json()["error"], "invalid_grant");

    // Logout: only registered URLs; the session ends.
    let cid = e.web.client_id.clone().unwrap();
    let r = call(
        &e.app,
        "GET",
        &format!(
            "/logout?{}",
            form(&[("client_id", &cid), ("logout_uri", "http://evil/")])
        ),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = call(
        &e.app,
        "GET",
        &format!(
            "/logout?{}",
            form(&[("client_id", &cid), ("logout_uri", SIGNED_OUT)])
        ),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), SIGNED_OUT);
    let r = call(
        &e.app,
        "GET",
        &authorize_url(&e, &challenge(), &[]),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert!(r.location().starts_with("/login?"), "{}", r.location());
}

#[tokio::test]
async fn authorize_errors_implicit_flow_and_domains() {
    let e = env().await;
    add_user(&e, "alice", "alice@example.com", "Passw0rd!", true).await;
    let cid = e.web.client_id.clone().unwrap();
    // Unregistered redirect_uri and unknown clients: an error page, no redirect.
    let r = call(
        &e.app,
        "GET",
        &format!(
            "/oauth2/authorize?{}",
            form(&[
                ("response_type", "code"),
                ("client_id", &cid),
                ("redirect_uri", "http://evil/cb")
            ])
        ),
        &[],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("redirect_mismatch"));
    let r = call(
        &e.app,
        "GET",
        "/oauth2/authorize?response_type=code&client_id=nope&redirect_uri=x",
        &[],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Other errors go back to the app with error and state.
    let r = call(
        &e.app,
        "GET",
        &format!(
            "/oauth2/authorize?{}",
            form(&[
                ("response_type", "code"),
                ("client_id", &cid),
                ("redirect_uri", CALLBACK),
                ("scope", "openid phone"),
                ("state", "s")
            ])
        ),
        &[],
        "",
    )
    .await;
    assert_eq!(
        param(&r.location(), "error").as_deref(),
        Some("invalid_scope")
    );
    assert_eq!(param(&r.location(), "state").as_deref(), Some("s"));
    let r = call(
        &e.app,
        "GET",
        &format!(
            "/oauth2/authorize?{}",
            form(&[
                ("response_type", "id_token"),
                ("client_id", &cid),
                ("redirect_uri", CALLBACK)
            ])
        ),
        &[],
        "",
    )
    .await;
    assert_eq!(
        param(&r.location(), "error").as_deref(),
        Some("unsupported_response_type")
    );
    let r = call(
        &e.app,
        "GET",
        &format!(
            "/oauth2/authorize?{}",
            form(&[
                ("response_type", "code"),
                ("client_id", &cid),
                ("redirect_uri", CALLBACK),
                ("prompt", "none")
            ])
        ),
        &[],
        "",
    )
    .await;
    assert_eq!(
        param(&r.location(), "error").as_deref(),
        Some("login_required")
    );

    // Implicit flow: tokens in the fragment.
    let url = format!(
        "/login?{}",
        form(&[
            ("response_type", "token"),
            ("client_id", &cid),
            ("redirect_uri", CALLBACK),
            ("scope", "openid"),
            ("state", "z"),
            ("nonce", "nn")
        ])
    );
    let r = call(
        &e.app,
        "POST",
        &url,
        &[],
        &form(&[("username", "alice"), ("password", "Passw0rd!")]),
    )
    .await;
    let loc = r.location();
    let frag: Vec<(String, String)> =
        serde_urlencoded::from_str(loc.split_once('#').unwrap().1).unwrap();
    let get = |k: &str| {
        frag.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(get("token_type"), "Bearer");
    assert_eq!(get("state"), "z");
    assert_eq!(claims(&get("id_token"))["nonce"], "nn");
    assert!(claims(&get("access_token"))["scope"] == "openid");

    // A domain: Host and path prefix reach the same endpoints, for its pool only.
    crate::idp::domains::create_user_pool_domain(
        e.ctx.clone(),
        CreateUserPoolDomainRequest {
            domain: "my-app".into(),
            user_pool_id: e.pool_id.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r = call(
        &e.app,
        "GET",
        &format!("/_domain/my-app{}", authorize_url(&e, &challenge(), &[])),
        &[],
        "",
    )
    .await;
    assert!(
        r.location().starts_with("/_domain/my-app/login?"),
        "{}",
        r.location()
    );
    let r = call(
        &e.app,
        "GET",
        &authorize_url(&e, &challenge(), &[]),
        &[("host", "my-app.auth.us-east-1.amazoncognito.com")],
        "",
    )
    .await;
    assert!(r.location().starts_with("/login?"), "{}", r.location());
    let r = call(
        &e.app,
        "GET",
        &format!("/_domain/other{}", authorize_url(&e, &challenge(), &[])),
        &[],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn sign_up_confirm_and_new_password_in_the_browser() {
    let e = env().await;
    let cid = e.web.client_id.clone().unwrap();
    let q = form(&[
        ("response_type", "code"),
        ("client_id", &cid),
        ("redirect_uri", CALLBACK),
        ("state", "s2"),
    ]);
    let page = call(&e.app, "GET", &format!("/signup?{q}"), &[], "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<label class=\"label-customizable\" for=\"email\">Email</label>"),
        "{}",
        page.body
    );
    // Policy errors are shown on the page.
    let r = call(
        &e.app,
        "POST",
        &format!("/signup?{q}"),
        &[],
        &form(&[
            ("username", "bob"),
            ("email", "bob@example.com"),
            ("password", "short"),
        ]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains("role=\"alert\">Password did not conform with policy"),
        "{}",
        r.body
    );
    let r = call(
        &e.app,
        "POST",
        &format!("/signup?{q}"),
        &[],
        &form(&[
            ("username", "bob"),
            ("email", "bob@example.com"),
            ("password", "Passw0rd!"),
        ]),
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let confirm = r.location();
    assert!(confirm.starts_with("/confirm?"));
    let pending = r.cookies().into_iter().next().unwrap();
    let code = testkit::latest_code(&e.ctx, "bob@example.com").await;
    let r = call(
        &e.app,
        "POST",
        &confirm,
        &[("cookie", &pending)],
        &form(&[("username", "bob"), ("code", "000000")]),
    )
    .await;
    assert!(
        r.body.contains("role=\"alert\">Invalid verification code"),
        "{}",
        r.body
    );
    let r = call(
        &e.app,
        "POST",
        &confirm,
        &[("cookie", &pending)],
        &form(&[("username", "bob"), ("code", &code)]),
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert!(r.location().starts_with(CALLBACK));
    assert_eq!(param(&r.location(), "state").as_deref(), Some("s2"));

    // A user with a temporary password sets a new one, then lands in the app. The page
    // answers the API's NEW_PASSWORD_REQUIRED challenge (its session travels in the form).
    add_user(&e, "carol", "carol@example.com", "TempPassw0rd!", false).await;
    let r = call(
        &e.app,
        "POST",
        &format!("/login?{q}"),
        &[],
        &form(&[("username", "carol"), ("password", "TempPassw0rd!")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.location());
    assert!(r.body.contains("<h1>Change password</h1>"), "{}", r.body);
    assert!(r.cookies().is_empty());
    let np = form_action(&r.body);
    assert!(np.starts_with("/newPassword?"), "{np}");
    let session = hidden_input(&r.body, "session");
    assert_eq!(hidden_input(&r.body, "username"), "carol");
    let answer = |password: &str, confirm: &str| {
        form(&[
            ("session", session.as_str()),
            ("username", "carol"),
            ("password", password),
            ("confirm_password", confirm),
        ])
    };
    let r = call(
        &e.app,
        "POST",
        &np,
        &[],
        &answer("NewPassw0rd!", "Different1!"),
    )
    .await;
    assert!(r.body.contains("Passwords do not match."));
    // The API's policy, in the API's words (RespondToAuthChallenge's).
    let r = call(&e.app, "POST", &np, &[], &answer("short", "short")).await;
    assert!(
        r.body.contains(
            "role=\"alert\">Password does not conform to policy: Password not long enough"
        ),
        "{}",
        r.body
    );
    let r = call(
        &e.app,
        "POST",
        &np,
        &[],
        &answer("NewPassw0rd!", "NewPassw0rd!"),
    )
    .await;
    assert!(
        r.location().starts_with(CALLBACK),
        "{} {}",
        r.location(),
        r.body
    );
    let user = e
        .ctx
        .store
        .get_user(&e.pool_id, "carol")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.status, crate::model::user::UserStatus::Confirmed);
    // The challenge is spent: the same form again goes back to sign-in.
    let r = call(
        &e.app,
        "POST",
        &np,
        &[],
        &answer("NewPassw0rd!", "NewPassw0rd!"),
    )
    .await;
    assert!(r.body.contains("<h1>Sign in</h1>"), "{}", r.body);

    // An unconfirmed user who signs in is sent to the confirmation page.
    crate::idp::sign_up::sign_up(
        e.ctx.clone(),
        SignUpRequest {
            client_id: cid.clone(),
            secret_hash: testkit::hash(&e.web, "dave"),
            username: "dave".into(),
            password: Some("Passw0rd!".into()),
            user_attributes: Some(vec![testkit::attr("email", "dave@example.com")]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r = call(
        &e.app,
        "POST",
        &format!("/login?{q}"),
        &[],
        &form(&[("username", "dave"), ("password", "Passw0rd!")]),
    )
    .await;
    assert!(r.location().starts_with("/confirm?"), "{}", r.location());
    assert_eq!(param(&r.location(), "username").as_deref(), Some("dave"));
}

#[tokio::test]
async fn forgot_password_pages_reset_with_the_mailbox_code() {
    let e = env().await;
    add_user(&e, "erin", "erin@example.com", "Passw0rd!", true).await;
    let cid = e.web.client_id.clone().unwrap();
    let q = form(&[
        ("response_type", "code"),
        ("client_id", &cid),
        ("redirect_uri", CALLBACK),
        ("state", "fp"),
    ]);
    let login = call(&e.app, "GET", &format!("/login?{q}"), &[], "").await;
    assert!(
        login.body.contains(&format!(
            "href=\"/forgotPassword?{}\"",
            q.replace('&', "&amp;")
        )),
        "{}",
        login.body
    );
    let page = call(&e.app, "GET", &format!("/forgotPassword?{q}"), &[], "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<label class=\"label-customizable\" for=\"username\">Username</label>")
    );
    let r = call(
        &e.app,
        "POST",
        &format!("/forgotPassword?{q}"),
        &[],
        &form(&[("username", "erin")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let reset = r.location();
    assert!(reset.starts_with("/confirmForgotPassword?"), "{reset}");
    assert_eq!(param(&reset, "username").as_deref(), Some("erin"));
    assert_eq!(param(&reset, "destination").as_deref(), Some("e***@e***"));
    let page = call(&e.app, "GET", &reset, &[], "").await;
    assert!(
        page.body
            .contains("sent a password reset code to e***@e***")
    );
    let code = testkit::latest_code(&e.ctx, "erin@example.com").await;

    let post = |code: String, p1: &'static str, p2: &'static str| {
        let app = e.app.clone();
        let reset = reset.clone();
        async move {
            call(
                &app,
                "POST",
                &reset,
                &[],
                &form(&[
                    ("username", "erin"),
                    ("code", &code),
                    ("password", p1),
                    ("confirm_password", p2),
                ]),
            )
            .await
        }
    };
    let r = post(code.clone(), "NewPassw0rd!", "Other0rd!!").await;
    assert!(r.body.contains("role=\"alert\">Passwords do not match."));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = post(wrong.into(), "NewPassw0rd!", "NewPassw0rd!").await;
    assert!(
        r.body.contains("role=\"alert\">Invalid verification code"),
        "{}",
        r.body
    );
    let r = post(code.clone(), "short", "short").await;
    assert!(
        r.body
            .contains("role=\"alert\">Password does not conform to policy"),
        "{}",
        r.body
    );
    let r = post(code.clone(), "NewPassw0rd!", "NewPassw0rd!").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Your password has been reset."),
        "{}",
        r.body
    );
    // The new password signs in; the old one no longer does.
    let r = call(
        &e.app,
        "POST",
        &format!("/login?{q}"),
        &[],
        &form(&[("username", "erin"), ("password", "Passw0rd!")]),
    )
    .await;
    assert!(r.body.contains("Incorrect username or password."));
    let r = call(
        &e.app,
        "POST",
        &format!("/login?{q}"),
        &[],
        &form(&[("username", "erin"), ("password", "NewPassw0rd!")]),
    )
    .await;
    assert!(r.location().starts_with(CALLBACK), "{}", r.body);

    // An unknown user (this client does not prevent user-existence errors): the API's
    // message on the page.
    let r = call(
        &e.app,
        "POST",
        &format!("/forgotPassword?{q}"),
        &[],
        &form(&[("username", "nobody")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains("role=\"alert\">Username/client id combination not found."),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn hosted_login_locks_out_after_repeated_wrong_passwords() {
    let e = env().await;
    add_user(&e, "alice", "alice@example.com", "Passw0rd!", true).await;
    let url = authorize_url(&e, &challenge(), &[]);
    let login = call(&e.app, "GET", &url, &[], "").await.location();
    let attempt = |password: &'static str| {
        let app = e.app.clone();
        let login = login.clone();
        async move {
            call(
                &app,
                "POST",
                &login,
                &[],
                &form(&[("username", "alice"), ("password", password)]),
            )
            .await
        }
    };
    for _ in 0..5 {
        let r = attempt("Wr0ng-pass!").await;
        assert!(
            r.body
                .contains("role=\"alert\">Incorrect username or password.")
        );
    }
    // Locked: even the right password is refused, as the API does.
    let r = attempt("Passw0rd!").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("role=\"alert\">Password attempts exceeded"),
        "{}",
        r.body
    );
    // The API's check (the one InitiateAuth runs) sees the same lockout.
    let user = e
        .ctx
        .store
        .get_user(&e.pool_id, "alice")
        .await
        .unwrap()
        .unwrap();
    let err = crate::idp::auth::check_lockout(&e.ctx, &user)
        .await
        .unwrap_err();
    assert_eq!(err.kind.name(), "NotAuthorizedException");
    assert_eq!(err.message, "Password attempts exceeded");
    // After the lockout passes, the right password signs in and clears the count.
    e.ctx.clock.advance(3600);
    let r = attempt("Passw0rd!").await;
    assert!(r.location().starts_with(CALLBACK), "{}", r.body);
}

#[tokio::test]
async fn auth_time_is_the_sign_in_not_the_exchange() {
    let e = env().await;
    add_user(&e, "alice", "alice@example.com", "Passw0rd!", true).await;
    let before = e.ctx.clock.now_secs();
    let (callback, cookie) = sign_in(&e).await;
    let after = e.ctx.clock.now_secs();
    e.ctx.clock.advance(120);
    let code = param(&callback, "code").unwrap();
    let r = exchange(&e, &code, Some(VERIFIER)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body = r.json();
    let signed_in_at = claims(body["id_token"].as_str().unwrap())["auth_time"]
        .as_i64()
        .unwrap();
    assert!((before..=after).contains(&signed_in_at));
    for t in ["id_token", "access_token"] {
        let c = claims(body[t].as_str().unwrap());
        assert_eq!(c["auth_time"], signed_in_at, "{t}");
        assert!(c["iat"].as_i64().unwrap() >= signed_in_at + 120, "{t}");
    }
    // A later authorize from the signed-in browser keeps the original sign-in time.
    e.ctx.clock.advance(600);
    let r = call(
        &e.app,
        "GET",
        &authorize_url(&e, &challenge(), &[]),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    let code = param(&r.location(), "code").unwrap();
    let body = exchange(&e, &code, Some(VERIFIER)).await.json();
    let c = claims(body["id_token"].as_str().unwrap());
    assert_eq!(c["auth_time"], signed_in_at);
    // Refreshing keeps it too.
    let r = call(
        &e.app,
        "POST",
        "/oauth2/token",
        &[("authorization", &basic(&e.web))],
        &form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
        ]),
    )
    .await;
    let c = claims(r.json()["access_token"].as_str().unwrap());
    assert_eq!(c["auth_time"], signed_in_at);
}

#[tokio::test]
async fn hosted_login_asks_for_the_sms_mfa_code() {
    let e = env().await;
    crate::idp::mfa::set_user_pool_mfa_config(
        e.ctx.clone(),
        SetUserPoolMfaConfigRequest {
            user_pool_id: e.pool_id.clone(),
            mfa_configuration: Some("ON".into()),
            sms_mfa_configuration: Some(SmsMfaConfigType::default()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    add_user(&e, "mona", "mona@example.com", "Passw0rd!", true).await;
    crate::idp::admin_users::admin_update_user_attributes(
        e.ctx.clone(),
        AdminUpdateUserAttributesRequest {
            user_pool_id: e.pool_id.clone(),
            username: "mona".into(),
            user_attributes: vec![
                testkit::attr("phone_number", "+14325551212"),
                testkit::attr("phone_number_verified", "true"),
            ],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let login = login_url(&e).await;
    let r = call(
        &e.app,
        "POST",
        &login,
        &[],
        &form(&[("username", "mona"), ("password", "Passw0rd!")]),
    )
    .await;
    // A correct password does not sign in yet: the MFA page, no session cookie.
    assert_eq!(r.status, StatusCode::OK, "{}", r.location());
    assert!(r.cookies().is_empty());
    assert!(r.body.contains("<h1>Multi-factor authentication</h1>"));
    assert!(
        r.body.contains("We have sent a code to +*******1212"),
        "{}",
        r.body
    );
    let hidden = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        let start = r.body.find(&marker).unwrap() + marker.len();
        r.body[start..].split('"').next().unwrap().to_string()
    };
    let (challenge_name, session) = (hidden("challenge"), hidden("session"));
    assert_eq!(challenge_name, "SMS_MFA");
    let action = {
        let start = r.body.find("action=\"/mfa?").unwrap() + "action=\"".len();
        r.body[start..]
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&")
    };
    let code = testkit::latest_code(&e.ctx, "+14325551212").await;
    let answer = |code: String| {
        let app = e.app.clone();
        let action = action.clone();
        let session = session.clone();
        async move {
            call(
                &app,
                "POST",
                &action,
                &[],
                &form(&[
                    ("challenge", "SMS_MFA"),
                    ("session", &session),
                    ("username", "mona"),
                    ("code", &code),
                ]),
            )
            .await
        }
    };
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = answer(wrong.into()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("role=\"alert\">"), "{}", r.body);
    assert!(r.body.contains("<h1>Multi-factor authentication</h1>"));
    let r = answer(code).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert!(r.location().starts_with(CALLBACK), "{}", r.location());
    assert!(r.cookies().iter().any(|c| c.starts_with("cognito-")));
    let body = exchange(&e, &param(&r.location(), "code").unwrap(), Some(VERIFIER))
        .await
        .json();
    assert_eq!(
        claims(body["id_token"].as_str().unwrap())["cognito:username"],
        "mona"
    );
}

#[tokio::test]
async fn token_endpoint_rotates_refresh_tokens_when_the_client_does() {
    let e = env().await;
    let mut web = e.web.clone();
    web.refresh_token_rotation = Some(RefreshTokenRotationType {
        feature: "ENABLED".into(),
        retry_grace_period_seconds: Some(0),
    });
    assert!(
        e.ctx
            .store
            .update_client(web.client_id.as_deref().unwrap(), "web", &web)
            .await
            .unwrap()
    );
    add_user(&e, "alice", "alice@example.com", "Passw0rd!", true).await;
    let (callback, _) = sign_in(&e).await;
    let code = param(&callback, "code").unwrap();
    let tokens = exchange(&e, &code, Some(VERIFIER)).await.json();
    let first = tokens["refresh_token"].as_str().unwrap().to_string();
    let refresh = |token: String| {
        let app = e.app.clone();
        let auth = basic(&e.web);
        async move {
            call(
                &app,
                "POST",
                "/oauth2/token",
                &[("authorization", &auth)],
                &form(&[("grant_type", "refresh_token"), ("refresh_token", &token)]),
            )
            .await
        }
    };
    let r = refresh(first.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let second = r.json()["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    assert_eq!(
        claims(r.json()["access_token"].as_str().unwrap())["scope"],
        "openid email"
    );
    e.ctx.clock.advance(1);
    assert_eq!(refresh(first).await.json()["error"], "invalid_grant");
    assert_eq!(refresh(second).await.status, StatusCode::OK);
}

#[tokio::test]
async fn hosted_new_password_asks_for_the_required_attributes_the_user_lacks() {
    let e = env().await;
    let mut pool = crate::idp::user_pools::load_pool(&e.ctx, &e.pool_id)
        .await
        .unwrap();
    for a in pool.schema_attributes.iter_mut().flatten() {
        if a.name.as_deref() == Some("given_name") {
            a.required = Some(true);
        }
    }
    crate::idp::user_pools::save_pool(&e.ctx, &pool)
        .await
        .unwrap();
    add_user(&e, "gus", "gus@example.com", "TempPassw0rd!", false).await;
    let cid = e.web.client_id.clone().unwrap();
    let q = form(&[
        ("response_type", "code"),
        ("client_id", &cid),
        ("redirect_uri", CALLBACK),
    ]);
    let r = call(
        &e.app,
        "POST",
        &format!("/login?{q}"),
        &[],
        &form(&[("username", "gus"), ("password", "TempPassw0rd!")]),
    )
    .await;
    assert!(
        r.body
            .contains("<label class=\"label-customizable\" for=\"userAttributes.given_name\">Given name</label>"),
        "{}",
        r.body
    );
    let np = form_action(&r.body);
    let session = hidden_input(&r.body, "session");
    let post = |given: &str| {
        form(&[
            ("session", session.as_str()),
            ("username", "gus"),
            ("userAttributes.given_name", given),
            ("password", "NewPassw0rd!"),
            ("confirm_password", "NewPassw0rd!"),
        ])
    };
    // Left empty: the API's required-attribute check, the page kept for another try.
    let r = call(&e.app, "POST", &np, &[], &post("")).await;
    assert!(
        r.body
            .contains("role=\"alert\">Invalid attributes given, given_name is missing"),
        "{}",
        r.body
    );
    let r = call(&e.app, "POST", &np, &[], &post("Gus")).await;
    assert!(r.location().starts_with(CALLBACK), "{}", r.body);
    let user = e
        .ctx
        .store
        .get_user(&e.pool_id, "gus")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.attr("given_name"), Some("Gus"));
}

/// What a user, an admin or a crafted link can put on a page comes out as text: the client's
/// name, a redirect_uri, an echoed username or login_hint, hidden fields re-sent by a form,
/// and the masked destination in a query.
#[tokio::test]
async fn user_supplied_values_on_pages_are_escaped() {
    const EVIL: &str = "\"><script>alert(1)</script>";
    const ESCAPED: &str = "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;";
    let e = env().await;
    let evil_callback = format!("{CALLBACK}?next={EVIL}");
    let client = crate::idp::clients::create_user_pool_client(
        e.ctx.clone(),
        CreateUserPoolClientRequest {
            user_pool_id: e.pool_id.clone(),
            client_name: format!("web {EVIL}"),
            allowed_o_auth_flows_user_pool_client: Some(true),
            allowed_o_auth_flows: Some(vec!["code".into()]),
            allowed_o_auth_scopes: Some(vec!["openid".into()]),
            callback_ur_ls: Some(vec![evil_callback.clone()]),
            supported_identity_providers: Some(vec!["COGNITO".into()]),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .user_pool_client
    .unwrap();
    let q = form(&[
        ("response_type", "code"),
        ("client_id", client.client_id.as_deref().unwrap()),
        ("redirect_uri", &evil_callback),
        ("login_hint", EVIL),
    ]);
    let user = form(&[("username", EVIL), ("destination", EVIL)]);
    let pages = [
        ("GET", format!("/login?{q}"), String::new()),
        (
            "POST",
            format!("/login?{q}"),
            form(&[("username", EVIL), ("password", "wrong")]),
        ),
        ("GET", format!("/signup?{q}"), String::new()),
        ("GET", format!("/forgotPassword?{q}"), String::new()),
        ("GET", format!("/confirm?{q}&{user}"), String::new()),
        (
            "GET",
            format!("/confirmForgotPassword?{q}&{user}"),
            String::new(),
        ),
        (
            "POST",
            format!("/newPassword?{q}"),
            form(&[
                ("session", EVIL),
                ("username", EVIL),
                ("userAttributes.name", EVIL),
                ("password", "a"),
                ("confirm_password", "b"),
            ]),
        ),
        (
            "POST",
            format!("/mfa?{q}"),
            form(&[
                ("challenge", "SMS_MFA"),
                ("session", EVIL),
                ("username", EVIL),
                ("destination", EVIL),
                ("code", ""),
            ]),
        ),
    ];
    for (method, url, body) in pages {
        let r = call(&e.app, method, &url, &[], &body).await;
        assert_eq!(r.status, StatusCode::OK, "{method} {url}: {}", r.body);
        assert!(!r.body.contains("<script>"), "{method} {url}: {}", r.body);
        // The echoed value is there, as text; the URLs carry it percent-encoded.
        assert!(r.body.contains(ESCAPED), "{method} {url}: {}", r.body);
        let action = form_action(&r.body);
        assert_eq!(
            param(&action, "redirect_uri").as_deref(),
            Some(evil_callback.as_str())
        );
    }
    let login = call(&e.app, "GET", &format!("/login?{q}"), &[], "").await;
    assert!(login.body.contains(&format!("to web {ESCAPED}</p>")));
    assert!(login.body.contains(&format!("value=\"{ESCAPED}\"")));
    let mfa = call(
        &e.app,
        "POST",
        &format!("/mfa?{q}"),
        &[],
        &form(&[("challenge", "SMS_MFA"), ("destination", EVIL)]),
    )
    .await;
    assert!(
        mfa.body
            .contains(&format!("We have sent a code to {ESCAPED}."))
    );
    assert_eq!(
        hidden_input(&mfa.body, "destination"),
        ESCAPED.replace("&amp;", "&")
    );
}

/// The `cognito:username` of the ID token a redirect to the app's callback leads to (after the
/// code exchange with the PKCE verifier).
async fn signed_in_as(e: &Env, done: &Resp) -> String {
    assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
    assert!(done.location().starts_with(CALLBACK), "{}", done.location());
    let tokens = exchange(e, &param(&done.location(), "code").unwrap(), Some(VERIFIER))
        .await
        .json();
    claims(tokens["id_token"].as_str().unwrap())["cognito:username"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Lets the pool's users sign in with `factors` (USER_AUTH's sign-in policy, on the tier that
/// allows it); the pool as stored.
async fn allow_first_factors(e: &Env, factors: &[&str]) -> UserPoolType {
    let mut pool = crate::idp::user_pools::load_pool(&e.ctx, &e.pool_id)
        .await
        .unwrap();
    pool.user_pool_tier = Some("ESSENTIALS".into());
    pool.policies
        .get_or_insert_with(Default::default)
        .sign_in_policy = Some(SignInPolicyType {
        allowed_first_auth_factors: Some(factors.iter().map(|f| f.to_string()).collect()),
    });
    let name = pool.name.clone().unwrap_or_default();
    e.ctx
        .store
        .update_pool(&e.pool_id, &name, &pool)
        .await
        .unwrap();
    pool
}

#[tokio::test]
async fn hosted_login_offers_a_one_time_code_when_the_policy_allows_it() {
    let e = env().await;
    allow_first_factors(&e, &["PASSWORD", "EMAIL_OTP"]).await;
    add_user(&e, "otto", "otto@example.com", "Passw0rd!", true).await;
    let login = login_url(&e).await;
    // Without ALLOW_USER_AUTH on the client: no code button.
    let page = call(&e.app, "GET", &login, &[], "").await;
    assert!(
        !page.body.contains("Email me a sign-in code"),
        "{}",
        page.body
    );

    let mut web = e.web.clone();
    web.explicit_auth_flows = Some(vec![
        "ALLOW_USER_AUTH".into(),
        "ALLOW_REFRESH_TOKEN_AUTH".into(),
    ]);
    e.ctx
        .store
        .update_client(web.client_id.as_deref().unwrap(), "web", &web)
        .await
        .unwrap();
    let page = call(&e.app, "GET", &login, &[], "").await;
    assert!(
        page.body.contains(r#"name="factor" value="EMAIL_OTP""#),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("SMS_OTP"),
        "only the factors the policy allows"
    );

    let r = call(
        &e.app,
        "POST",
        &login,
        &[],
        &form(&[
            ("username", "otto"),
            ("password", ""),
            ("factor", "EMAIL_OTP"),
        ]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.location());
    let hidden = |name: &str| hidden_input(&r.body, name);
    assert_eq!(hidden("challenge"), "EMAIL_OTP");
    let action = form_action(&r.body);
    let code = testkit::latest_code(&e.ctx, "otto@example.com").await;
    let done = call(
        &e.app,
        "POST",
        &action,
        &[],
        &form(&[
            ("challenge", "EMAIL_OTP"),
            ("session", &hidden("session")),
            ("username", "otto"),
            ("code", &code),
        ]),
    )
    .await;
    assert_eq!(signed_in_as(&e, &done).await, "otto");

    // A factor the policy does not allow is refused on the page.
    let r = call(
        &e.app,
        "POST",
        &login,
        &[],
        &form(&[("username", "otto"), ("factor", "SMS_OTP")]),
    )
    .await;
    assert!(
        r.body.contains("That sign-in option is not available."),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn ui_customization_branding_and_terms_show_on_the_hosted_pages() {
    let e = env().await;
    let cid = e.web.client_id.clone().unwrap();
    crate::idp::domains::create_user_pool_domain(
        e.ctx.clone(),
        CreateUserPoolDomainRequest {
            domain: format!("brand-{}", &cid[..8]),
            user_pool_id: e.pool_id.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let css = ".submitButton-customizable { background-color: #123456; }";
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    crate::idp::ui_customization::set_ui_customization(
        e.ctx.clone(),
        SetUICustomizationRequest {
            user_pool_id: e.pool_id.clone(),
            client_id: None,
            css: Some(css.into()),
            image_file: Some(STANDARD.encode(png)),
        },
    )
    .await
    .unwrap();
    crate::idp::terms::create_terms(
        e.ctx.clone(),
        CreateTermsRequest {
            user_pool_id: e.pool_id.clone(),
            client_id: cid.clone(),
            terms_name: "privacy-policy".into(),
            terms_source: "LINK".into(),
            enforcement: "NONE".into(),
            links: Some(
                [(
                    "cognito:default".to_string(),
                    "https://example.com/privacy".to_string(),
                )]
                .into(),
            ),
        },
    )
    .await
    .unwrap();
    let q = form(&[
        ("response_type", "code"),
        ("client_id", &cid),
        ("redirect_uri", CALLBACK),
    ]);
    let signup = call(&e.app, "GET", &format!("/signup?{q}"), &[], "").await;
    assert_eq!(signup.status, StatusCode::OK);
    assert!(signup.body.contains(css), "{}", signup.body);
    assert!(
        signup
            .body
            .contains("class=\"logo-customizable\" src=\"data:image/png;base64,")
    );
    assert!(signup.body.contains("href=\"https://example.com/privacy\""));
    assert!(signup.body.contains("class=\"submitButton-customizable\""));
    // The sign-in page is branded too, and shows no terms.
    let login = call(&e.app, "GET", &format!("/login?{q}"), &[], "").await;
    assert!(login.body.contains(css));
    assert!(!login.body.contains("https://example.com/privacy"));
}

#[tokio::test]
async fn hosted_login_signs_in_with_a_passkey() {
    use crate::idp::webauthn::soft_authenticator::SoftAuthenticator;
    const ORIGIN: &str = "http://localhost:9229";
    let e = env().await;
    let pool = allow_first_factors(&e, &["PASSWORD", "WEB_AUTHN"]).await;
    crate::idp::mfa::set_user_pool_mfa_config(
        e.ctx.clone(),
        SetUserPoolMfaConfigRequest {
            user_pool_id: e.pool_id.clone(),
            web_authn_configuration: Some(WebAuthnConfigurationType {
                relying_party_id: Some("localhost".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // pia registers a passkey through the API, as an app's settings page would.
    testkit::user(&e.ctx, &e.pool_id, "pia").await;
    let admin = testkit::admin_client(&e.ctx, &pool).await;
    let token = testkit::sign_in(&e.ctx, &e.pool_id, &admin, "pia")
        .await
        .access;
    let options = crate::idp::webauthn::start_web_authn_registration(
        e.ctx.clone(),
        StartWebAuthnRegistrationRequest {
            access_token: token.clone(),
        },
    )
    .await
    .unwrap()
    .credential_creation_options;
    let mut passkey = SoftAuthenticator::new();
    crate::idp::webauthn::complete_web_authn_registration(
        e.ctx.clone(),
        CompleteWebAuthnRegistrationRequest {
            access_token: token,
            credential: passkey.register(&options, ORIGIN, "none"),
        },
    )
    .await
    .unwrap();

    let mut web = e.web.clone();
    web.explicit_auth_flows = Some(vec!["ALLOW_USER_AUTH".into()]);
    e.ctx
        .store
        .update_client(web.client_id.as_deref().unwrap(), "web", &web)
        .await
        .unwrap();
    let login = login_url(&e).await;
    let page = call(&e.app, "GET", &login, &[], "").await;
    assert!(
        page.body.contains(r#"name="factor" value="WEB_AUTHN""#),
        "{}",
        page.body
    );

    let start = |e: &Env| {
        let app = e.app.clone();
        let login = login.clone();
        async move {
            let body = form(&[("username", "pia"), ("factor", "WEB_AUTHN")]);
            let r = call(&app, "POST", &login, &[], &body).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.location());
            assert!(r.body.contains("Sign in with passkey"), "{}", r.body);
            r.body
        }
    };
    let answer = |body: &str, credential: &Value| {
        form(&[
            ("session", &hidden_input(body, "session")),
            ("username", &hidden_input(body, "username")),
            (
                "options",
                &testkit::unescape_html(&hidden_input(body, "options")),
            ),
            ("credential", &credential.to_string()),
        ])
    };

    // A tampered assertion (one bit of the signed authenticator data) is refused.
    let body = start(&e).await;
    let options: Value =
        serde_json::from_str(&testkit::unescape_html(&hidden_input(&body, "options"))).unwrap();
    assert_eq!(options["rpId"], "localhost");
    let mut forged = passkey.assert(&options, ORIGIN);
    let data = forged["response"]["authenticatorData"].as_str().unwrap();
    let mut data = URL_SAFE_NO_PAD.decode(data).unwrap();
    data[32] ^= 0x40;
    forged["response"]["authenticatorData"] = Value::String(URL_SAFE_NO_PAD.encode(&data));
    let r = call(
        &e.app,
        "POST",
        &form_action(&body),
        &[],
        &answer(&body, &forged),
    )
    .await;
    assert!(
        r.body.contains("Incorrect username or password."),
        "{}",
        r.body
    );

    let body = start(&e).await;
    let options: Value =
        serde_json::from_str(&testkit::unescape_html(&hidden_input(&body, "options"))).unwrap();
    let assertion = passkey.assert(&options, ORIGIN);
    let done = call(
        &e.app,
        "POST",
        &form_action(&body),
        &[],
        &answer(&body, &assertion),
    )
    .await;
    assert_eq!(signed_in_as(&e, &done).await, "pia");

    // A user without a passkey is told the option is not theirs.
    testkit::user(&e.ctx, &e.pool_id, "noah").await;
    let r = call(
        &e.app,
        "POST",
        &login,
        &[],
        &form(&[("username", "noah"), ("factor", "WEB_AUTHN")]),
    )
    .await;
    assert!(
        r.body
            .contains("That sign-in option is not available for this user."),
        "{}",
        r.body
    );
}
