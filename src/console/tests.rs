//! The console through the router, as a browser reaches it: each page, each action (and that
//! it stores what the API action stores), escaping of stored values, and the refusal of
//! cross-site posts.

use crate::idp::shapes::*;
use crate::protocol::ctx::Ctx;
use crate::testkit::{self, attr};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use tower::ServiceExt;

const HOST: &str = "localhost:9229";
const BASE: &str = "http://localhost:9229";
const EVIL: &str = "<script>alert(1)</script>";
const PASSWORD: &str = "Passw0rd!Passw0rd";

struct Console {
    app: axum::Router,
    /// Addressed as the browser addresses the console, so issuers match.
    ctx: Ctx,
    pool_id: String,
}

async fn console() -> Console {
    let state = crate::build_state(crate::config::Config::for_tests())
        .await
        .unwrap();
    let ctx = Ctx {
        base_url: BASE.into(),
        ..Ctx::internal(state.clone())
    };
    let pool = testkit::pool(&ctx, |p| p.name = Some("console pool".into())).await;
    Console {
        app: crate::router(state),
        ctx,
        pool_id: pool.id.unwrap(),
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

async fn send(app: &axum::Router, req: Request<Body>) -> Answer {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// A page, as the browser asks for it from a console link.
async fn get(c: &Console, uri: &str) -> Answer {
    let req = Request::get(uri)
        .header("host", HOST)
        .header("accept", "text/html")
        .header("sec-fetch-site", "same-origin")
        .header("sec-fetch-mode", "navigate")
        .body(Body::empty())
        .unwrap();
    send(&c.app, req).await
}

/// A form post from a console page (`extra` headers replace the browser's own).
async fn post_with(
    c: &Console,
    uri: &str,
    form: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Answer {
    let mut req = Request::post(uri)
        .header("host", HOST)
        .header("content-type", "application/x-www-form-urlencoded");
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    let body = serde_urlencoded::to_string(form).unwrap();
    send(&c.app, req.body(Body::from(body)).unwrap()).await
}

async fn post(c: &Console, uri: &str, form: &[(&str, &str)]) -> Answer {
    let same_origin = [
        ("origin", BASE),
        ("sec-fetch-site", "same-origin"),
        ("sec-fetch-mode", "navigate"),
    ];
    post_with(c, uri, form, &same_origin).await
}

/// The link that follows `marker` on the page.
fn href_after(body: &str, marker: &str) -> Option<String> {
    let at = body.find(marker)? + marker.len();
    let end = body[at..].find('"')?;
    Some(testkit::unescape_html(&body[at..at + end]))
}

async fn user(ctx: &Ctx, pool_id: &str, username: &str) -> AdminGetUserResponse {
    crate::idp::admin_users::admin_get_user(
        ctx.clone(),
        AdminGetUserRequest {
            user_pool_id: pool_id.into(),
            username: username.into(),
        },
    )
    .await
    .unwrap()
}

fn users_uri(c: &Console) -> String {
    format!("/_dev/pools/{}/users", c.pool_id)
}

fn action_uri(c: &Console, action: &str) -> String {
    format!("/_dev/pools/{}/user/{action}", c.pool_id)
}

#[tokio::test]
async fn home_lists_pools_clock_mail_and_cannot_be_framed() {
    let c = console().await;
    for uri in ["/_dev", "/_dev/"] {
        let a = get(&c, uri).await;
        assert_eq!(a.status, StatusCode::OK, "{uri}");
        assert!(a.body.contains("console pool"), "{}", a.body);
        assert!(
            a.body
                .contains(&format!("href=\"/_dev/pools/{}\"", c.pool_id))
        );
        assert!(a.body.contains("id=\"emulated-time\""));
        assert!(a.body.contains("/_dev/mailbox"));
        assert!(a.body.contains("/_dev/triggers"));
        assert!(a.body.contains("/_dev/token"));
        assert_eq!(a.headers[header::X_FRAME_OPTIONS], "DENY");
        let csp = a.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        // no-referrer would make Chromium post the forms with `Origin: null` (refused).
        assert_eq!(a.headers[header::REFERRER_POLICY], "same-origin");
        assert!(a.headers.get("access-control-allow-origin").is_none());
    }
}

#[tokio::test]
async fn pool_page_shows_settings_clients_domain_groups_links_and_cli() {
    let c = console().await;
    let pool = crate::idp::user_pools::load_pool(&c.ctx, &c.pool_id)
        .await
        .unwrap();
    let client = testkit::client_with(&c.ctx, &pool, |cl| {
        cl.client_name = Some("web app".into());
        cl.allowed_o_auth_flows_user_pool_client = Some(true);
        cl.allowed_o_auth_flows = Some(vec!["code".into()]);
        cl.allowed_o_auth_scopes = Some(vec!["openid".into()]);
        cl.callback_ur_ls = Some(vec!["http://localhost:3000/cb".into()]);
    })
    .await;
    crate::idp::domains::create_user_pool_domain(
        c.ctx.clone(),
        CreateUserPoolDomainRequest {
            domain: "console-test".into(),
            user_pool_id: c.pool_id.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    crate::idp::groups::create_group(
        c.ctx.clone(),
        CreateGroupRequest {
            group_name: "admins".into(),
            user_pool_id: c.pool_id.clone(),
            description: Some(format!("Admins {EVIL}")),
            precedence: Some(1),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let a = get(&c, &format!("/_dev/pools/{}", c.pool_id)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let id = &c.pool_id;
    for expected in [
        "console pool",
        "us-east-1",
        "OFF",
        "at least 8 characters",
        "web app",
        client.client_id.as_deref().unwrap(),
        "console-test.auth.us-east-1.amazoncognito.com",
        "admins",
        "Admins &lt;script&gt;alert(1)&lt;/script&gt;",
        &format!("href=\"/{id}/.well-known/jwks.json\""),
        &format!("href=\"/{id}/.well-known/openid-configuration\""),
        &format!("{BASE}/{id}"),
        &format!(
            "AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1 \
             aws cognito-idp describe-user-pool --user-pool-id {id} --endpoint-url {BASE}"
        ),
        "/oauth2/authorize?client_id=",
    ] {
        assert!(a.body.contains(expected), "{expected} in {}", a.body);
    }
    assert!(!a.body.contains(EVIL));

    let a = get(&c, "/_dev/pools/us-east-1_Nope").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.contains("ResourceNotFoundException"), "{}", a.body);
}

#[tokio::test]
async fn create_a_user_through_the_form_with_escaped_attributes() {
    let c = console().await;
    let name_attr = format!("name={EVIL}");
    let a = post(
        &c,
        &users_uri(&c),
        &[
            ("username", "ada"),
            ("email", "ada@example.com"),
            ("email_verified", "on"),
            ("password", PASSWORD),
            ("permanent", "on"),
            ("attributes", &format!("{name_attr}\n\ngiven_name = Ada\n")),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert_eq!(
        a.location(),
        format!("/_dev/pools/{}/user?username=ada&done=created", c.pool_id)
    );
    // Stored as the API stores it: confirmed, verified email, the password works.
    let u = user(&c.ctx, &c.pool_id, "ada").await;
    assert_eq!(u.user_status.as_deref(), Some("CONFIRMED"));
    let attrs = u.user_attributes.unwrap();
    assert!(attrs.contains(&attr("email_verified", "true")));
    assert!(attrs.contains(&attr("name", EVIL)));
    let pool = crate::idp::user_pools::load_pool(&c.ctx, &c.pool_id)
        .await
        .unwrap();
    let client = testkit::admin_client(&c.ctx, &pool).await;
    testkit::sign_in(&c.ctx, &c.pool_id, &client, "ada").await;

    let page = get(&c, a.location()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("User created."), "{}", page.body);
    assert!(page.body.contains("CONFIRMED"));
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.body.contains(EVIL), "{}", page.body);
    let list = get(&c, &users_uri(&c)).await;
    assert!(list.body.contains("ada@example.com"));
    assert!(list.body.contains("name = &lt;script&gt;"), "{}", list.body);
    assert!(!list.body.contains(EVIL));

    // Without a password: a temporary one, FORCE_CHANGE_PASSWORD; with an invitation, mail.
    let a = post(
        &c,
        &users_uri(&c),
        &[
            ("username", "bob"),
            ("email", "bob@example.com"),
            ("invite", "on"),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let u = user(&c.ctx, &c.pool_id, "bob").await;
    assert_eq!(u.user_status.as_deref(), Some("FORCE_CHANGE_PASSWORD"));
    let invitation = testkit::latest(&c.ctx, "bob@example.com").await;
    assert_eq!(invitation.kind, "invitation");
    let page = get(&c, a.location()).await;
    assert!(page.body.contains("invitation"), "{}", page.body);
    let home = get(&c, "/_dev/").await;
    assert!(home.body.contains("bob@example.com"), "{}", home.body);
}

#[tokio::test]
async fn a_refused_create_shows_the_aws_error_and_keeps_the_form() {
    let c = console().await;
    testkit::user(&c.ctx, &c.pool_id, "taken").await;
    type Form<'a> = &'a [(&'a str, &'a str)];
    let cases: [(Form, &str); 4] = [
        (
            &[("username", "taken"), ("email", "t@example.com")],
            "UsernameExistsException",
        ),
        (
            &[
                ("username", "weak"),
                ("password", "short"),
                ("permanent", "on"),
            ],
            "InvalidPasswordException",
        ),
        // The model's constraints, checked before the handler as POST / checks them.
        (
            &[("username", &"x".repeat(129))],
            "1 validation error detected",
        ),
        (
            &[("username", "odd"), ("attributes", "no equals sign")],
            "is not name=value",
        ),
    ];
    for (form, expected) in cases {
        let a = post(&c, &users_uri(&c), form).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{form:?}: {}", a.body);
        assert!(a.body.contains(expected), "{expected}: {}", a.body);
        assert!(a.body.contains("role=\"alert\""));
        // The values typed are still in the form.
        let username = form[0].1;
        assert!(
            a.body.contains(&format!("value=\"{username}\"")),
            "{}",
            a.body
        );
    }
    let u = crate::idp::admin_users::admin_get_user(
        c.ctx.clone(),
        AdminGetUserRequest {
            user_pool_id: c.pool_id.clone(),
            username: "weak".into(),
        },
    )
    .await;
    assert_eq!(testkit::kind(u), "UserNotFoundException");
}

#[tokio::test]
async fn search_by_prefix_and_page_through_users() {
    let c = console().await;
    for name in ["ann", "andy", "anna", "bob", "carl"] {
        crate::idp::admin_users::admin_create_user(
            c.ctx.clone(),
            AdminCreateUserRequest {
                user_pool_id: c.pool_id.clone(),
                username: name.into(),
                user_attributes: Some(vec![attr("email", &format!("{name}@example.com"))]),
                message_action: Some("SUPPRESS".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let names = |body: &str| -> Vec<String> {
        body.match_indices("user?username=")
            .map(|(i, m)| {
                let rest = &body[i + m.len()..];
                rest[..rest.find('"').unwrap()].to_string()
            })
            .collect()
    };
    let a = get(&c, &format!("{}?q=an", users_uri(&c))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(names(&a.body), ["andy", "ann", "anna"]);
    let a = get(&c, &format!("{}?q=bob%40ex", users_uri(&c))).await;
    assert_eq!(names(&a.body), ["bob"]);
    let a = get(&c, &format!("{}?q=car&by=email", users_uri(&c))).await;
    assert_eq!(names(&a.body), ["carl"]);
    let a = get(&c, &format!("{}?q=zed", users_uri(&c))).await;
    assert!(a.body.contains("No users match."));
    // A quote in the search is a character of the prefix, not filter syntax.
    let a = get(&c, &format!("{}?q=%22%20or", users_uri(&c))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);

    // Pages of two: follow "Next page" to the end.
    let mut uri = format!("{}?limit=2", users_uri(&c));
    let mut seen = Vec::new();
    for _ in 0..5 {
        let a = get(&c, &uri).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        let page = names(&a.body);
        assert!(page.len() <= 2);
        seen.extend(page);
        match href_after(&a.body, "rel=\"next\" href=\"") {
            Some(next) => uri = next,
            None => break,
        }
    }
    assert_eq!(seen, ["andy", "ann", "anna", "bob", "carl"]);
}

#[tokio::test]
async fn user_actions_do_what_the_api_actions_do() {
    let c = console().await;
    let pool = crate::idp::user_pools::load_pool(&c.ctx, &c.pool_id)
        .await
        .unwrap();
    let client = testkit::admin_client(&c.ctx, &pool).await;
    testkit::user(&c.ctx, &c.pool_id, "ada").await;
    crate::idp::groups::create_group(
        c.ctx.clone(),
        CreateGroupRequest {
            group_name: "staff".into(),
            user_pool_id: c.pool_id.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    crate::idp::groups::admin_add_user_to_group(
        c.ctx.clone(),
        AdminAddUserToGroupRequest {
            user_pool_id: c.pool_id.clone(),
            username: "ada".into(),
            group_name: "staff".into(),
        },
    )
    .await
    .unwrap();
    let page = get(&c, &format!("/_dev/pools/{}/user?username=ada", c.pool_id)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("staff"));
    assert!(page.body.contains("No remembered or tracked devices."));
    assert!(
        page.body
            .contains(&format!("admin-get-user --user-pool-id {}", c.pool_id))
    );

    let enabled = |c: &Console| {
        let ctx = c.ctx.clone();
        let pool_id = c.pool_id.clone();
        async move { user(&ctx, &pool_id, "ada").await.enabled }
    };
    let a = post(&c, &action_uri(&c, "disable"), &[("username", "ada")]).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert!(a.location().ends_with("username=ada&done=disable"));
    assert_eq!(enabled(&c).await, Some(false));
    let page = get(&c, a.location()).await;
    assert!(page.body.contains("User disabled"));
    assert!(page.body.contains(">Enable<"));
    let a = post(&c, &action_uri(&c, "enable"), &[("username", "ada")]).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(enabled(&c).await, Some(true));

    // Sign out everywhere: the access token is refused afterwards.
    let signed = testkit::sign_in(&c.ctx, &c.pool_id, &client, "ada").await;
    crate::tokens::verify_access_token(&c.ctx, &signed.access)
        .await
        .unwrap();
    let a = post(&c, &action_uri(&c, "sign-out"), &[("username", "ada")]).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let refused = crate::tokens::verify_access_token(&c.ctx, &signed.access).await;
    assert_eq!(
        refused.unwrap_err().message,
        "Access Token has been revoked"
    );

    // A temporary password, then a permanent one; the policy's refusal is shown.
    let set = |password: &'static str, permanent: bool| {
        let mut form = vec![("username", "ada"), ("password", password)];
        if permanent {
            form.push(("permanent", "on"));
        }
        form
    };
    let a = post(
        &c,
        &action_uri(&c, "set-password"),
        &set("Temp0rary!pass", false),
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let status = |c: &Console| {
        let ctx = c.ctx.clone();
        let pool_id = c.pool_id.clone();
        async move { user(&ctx, &pool_id, "ada").await.user_status.unwrap() }
    };
    assert_eq!(status(&c).await, "FORCE_CHANGE_PASSWORD");
    let a = post(&c, &action_uri(&c, "set-password"), &set(PASSWORD, true)).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(status(&c).await, "CONFIRMED");
    let a = post(&c, &action_uri(&c, "set-password"), &set("short", true)).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.contains("InvalidPasswordException"), "{}", a.body);
    assert!(a.body.contains("ada"));

    // Confirming a confirmed user is refused as the API refuses it.
    let a = post(&c, &action_uri(&c, "confirm"), &[("username", "ada")]).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert!(a.body.contains("NotAuthorizedException"), "{}", a.body);

    // Unknown user, unknown action.
    let a = post(&c, &action_uri(&c, "enable"), &[("username", "nobody")]).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.contains("UserNotFoundException"));
    let a = post(&c, &action_uri(&c, "explode"), &[("username", "ada")]).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.contains("no user action explode"));

    // Delete asks first.
    let a = post(&c, &action_uri(&c, "delete"), &[("username", "ada")]).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.contains("really"));
    let a = post(
        &c,
        &action_uri(&c, "delete"),
        &[("username", "ada"), ("confirm", "on")],
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(
        a.location(),
        format!("/_dev/pools/{}/users?done=deleted", c.pool_id)
    );
    assert!(
        get(&c, a.location())
            .await
            .body
            .contains("The user was deleted.")
    );
    let gone = get(&c, &format!("/_dev/pools/{}/user?username=ada", c.pool_id)).await;
    assert_eq!(gone.status, StatusCode::BAD_REQUEST);
    assert!(gone.body.contains("UserNotFoundException"));
}

#[tokio::test]
async fn confirm_sign_up_of_an_unconfirmed_user() {
    let c = console().await;
    let pool = crate::idp::user_pools::load_pool(&c.ctx, &c.pool_id)
        .await
        .unwrap();
    let client = testkit::client(&c.ctx, &pool, false).await;
    crate::idp::sign_up::sign_up(
        c.ctx.clone(),
        SignUpRequest {
            client_id: client.client_id.unwrap(),
            username: "new".into(),
            password: Some(PASSWORD.into()),
            user_attributes: Some(vec![attr("email", "new@example.com")]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let page = get(&c, &format!("/_dev/pools/{}/user?username=new", c.pool_id)).await;
    assert!(page.body.contains("UNCONFIRMED"));
    assert!(page.body.contains("Confirm sign-up"));
    // The sign-up code is on the user's page.
    let code = testkit::latest_code(&c.ctx, "new@example.com").await;
    assert!(page.body.contains(&code), "{}", page.body);
    let a = post(&c, &action_uri(&c, "confirm"), &[("username", "new")]).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert_eq!(
        user(&c.ctx, &c.pool_id, "new").await.user_status.as_deref(),
        Some("CONFIRMED")
    );
}

#[tokio::test]
async fn token_decoder_checks_signature_issuer_expiry_and_revocation() {
    let c = console().await;
    let pool = crate::idp::user_pools::load_pool(&c.ctx, &c.pool_id)
        .await
        .unwrap();
    let client = testkit::admin_client(&c.ctx, &pool).await;
    testkit::user(&c.ctx, &c.pool_id, "ada").await;
    let signed = testkit::sign_in(&c.ctx, &c.pool_id, &client, "ada").await;

    let form = get(&c, "/_dev/token").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("<textarea"));

    let decode = |token: String| {
        let c = &c;
        async move { post(c, "/_dev/token", &[("token", &token)]).await }
    };
    let a = decode(format!("Bearer {}", signed.access)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let body = &a.body;
    assert!(
        body.contains("&quot;alg&quot;: &quot;RS256&quot;"),
        "{body}"
    );
    assert!(body.contains("&quot;token_use&quot;: &quot;access&quot;"));
    assert!(
        body.contains(&format!("made with pool {}", c.pool_id)),
        "{body}"
    );
    assert!(body.contains("as this emulator issues it here"), "{body}");
    assert!(body.contains("expires "));
    assert!(
        body.contains("accepted (GetUser would answer for ada)"),
        "{body}"
    );
    assert!(!body.contains("✗"), "{body}");

    // Another payload under the same signature.
    let parts: Vec<&str> = signed.access.split('.').collect();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims = crate::tokens::verify::peek(&signed.access);
    claims["username"] = serde_json::json!(EVIL);
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(claims.to_string()),
        parts[2]
    );
    let a = decode(forged).await;
    assert!(a.body.contains("does not verify with pool"), "{}", a.body);
    assert!(
        a.body
            .contains("refused: NotAuthorizedException: Invalid Access Token")
    );
    assert!(a.body.contains("&lt;script&gt;"));
    assert!(!a.body.contains(EVIL));

    // Addressed under another name, the issuer is not the one this address gives.
    let other_host = {
        let mut req = Request::post("/_dev/token")
            .header("host", "127.0.0.1:9229")
            .header("content-type", "application/x-www-form-urlencoded");
        req = req.header("sec-fetch-site", "same-origin");
        let body = serde_urlencoded::to_string([("token", &signed.access)]).unwrap();
        send(&c.app, req.body(Body::from(body)).unwrap()).await
    };
    assert!(
        other_host
            .body
            .contains("this emulator issues http://127.0.0.1:9229/")
    );

    // Later: expired by the emulated clock.
    c.ctx.clock.advance(2 * 3600);
    let a = decode(signed.access.clone()).await;
    assert!(a.body.contains("expired "), "{}", a.body);
    assert!(a.body.contains("Access Token has expired"), "{}", a.body);
    c.ctx.clock.advance(-2 * 3600);

    // Revoked by a global sign-out.
    post(&c, &action_uri(&c, "sign-out"), &[("username", "ada")]).await;
    let a = decode(signed.access.clone()).await;
    assert!(
        a.body.contains("Access Token has been revoked"),
        "{}",
        a.body
    );

    let a = decode(signed.refresh.clone()).await;
    assert!(
        a.body.contains("as Cognito's refresh tokens are"),
        "{}",
        a.body
    );
}

#[tokio::test]
async fn the_clock_form_moves_the_emulated_clock() {
    let c = console().await;
    let a = post(&c, "/_dev/clock", &[("seconds", "3600")]).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert_eq!(a.location(), "/_dev/?done=clock#clock");
    assert_eq!(c.ctx.clock.offset_secs(), 3600);
    let home = get(&c, "/_dev/?done=clock").await;
    assert!(
        home.body.contains("3600 s ahead of real time"),
        "{}",
        home.body
    );
    assert!(home.body.contains("The clock moved."));
    for bad in ["soon", "99999999999999"] {
        let a = post(&c, "/_dev/clock", &[("seconds", bad)]).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(c.ctx.clock.offset_secs(), 3600);
    }
    let a = post(&c, "/_dev/clock", &[("real_time", "1")]).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(c.ctx.clock.offset_secs(), 0);
}

#[tokio::test]
async fn other_sites_cannot_post_the_console_forms() {
    let c = console().await;
    testkit::user(&c.ctx, &c.pool_id, "ada").await;
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        (users_uri(&c), vec![("username", "mallory")]),
        (action_uri(&c, "disable"), vec![("username", "ada")]),
        (action_uri(&c, "sign-out"), vec![("username", "ada")]),
        (
            action_uri(&c, "set-password"),
            vec![
                ("username", "ada"),
                ("password", "Evil-Passw0rd!"),
                ("permanent", "on"),
            ],
        ),
        (
            action_uri(&c, "delete"),
            vec![("username", "ada"), ("confirm", "on")],
        ),
        ("/_dev/clock".into(), vec![("seconds", "86400")]),
        ("/_dev/token".into(), vec![("token", "a.b.c")]),
    ];
    let foreign: [&[(&str, &str)]; 3] = [
        // A form on another site, submitted by the developer's browser.
        &[
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "navigate"),
        ],
        // An older browser: no Sec-Fetch-*, only the Origin.
        &[("origin", "https://evil.example")],
        // A sandboxed frame or a data: page.
        &[("origin", "null")],
    ];
    for (uri, form) in &forms {
        for headers in foreign {
            let a = post_with(&c, uri, form, headers).await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{uri} {headers:?}");
            assert!(a.body.contains("AccessDeniedException"));
            assert!(a.headers.get("access-control-allow-origin").is_none());
        }
    }
    // Nothing changed.
    let u = user(&c.ctx, &c.pool_id, "ada").await;
    assert_eq!(u.enabled, Some(true));
    assert_eq!(c.ctx.clock.offset_secs(), 0);
    let mallory = crate::idp::admin_users::admin_get_user(
        c.ctx.clone(),
        AdminGetUserRequest {
            user_pool_id: c.pool_id.clone(),
            username: "mallory".into(),
        },
    )
    .await;
    assert_eq!(testkit::kind(mallory), "UserNotFoundException");
    let pool = crate::idp::user_pools::load_pool(&c.ctx, &c.pool_id)
        .await
        .unwrap();
    let client = testkit::admin_client(&c.ctx, &pool).await;
    testkit::sign_in(&c.ctx, &c.pool_id, &client, "ada").await;

    // A page from another site under a DNS-rebound name is refused by Host.
    let a = send(
        &c.app,
        Request::post("/_dev/clock")
            .header("host", "evil.example")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("seconds=60"))
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(c.ctx.clock.offset_secs(), 0);
}

#[tokio::test]
async fn no_dev_console_removes_the_console() {
    let mut config = crate::config::Config::for_tests();
    config.no_dev_routes = true;
    let app = crate::router(crate::build_state(config).await.unwrap());
    for (method, uri) in [
        ("GET", "/_dev/"),
        ("GET", "/_dev/pools/us-east-1_X"),
        ("GET", "/_dev/pools/us-east-1_X/users"),
        ("GET", "/_dev/token"),
        ("POST", "/_dev/clock"),
        ("POST", "/_dev/pools/us-east-1_X/user/delete"),
    ] {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", HOST)
            .body(Body::empty())
            .unwrap();
        let a = send(&app, req).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{method} {uri}");
    }
}
