//! OAuth 2.0 / OIDC over plain HTTP: client credentials with a resource-server scope, and the
//! authorization-code flow with PKCE through the hosted login page (GET authorize -> POST the
//! login form -> 302 with a code -> token exchange). Emulator-only: on AWS these endpoints live
//! on the pool's domain, which the suite does not create.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use conformance::idp::types::{MessageActionType, OAuthFlowType, ResourceServerScopeType};
use conformance::{Harness, unique_name};

const CALLBACK: &str = "http://localhost:5255/signin-oidc";
// RFC 7636 appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn claims(jwt: &str) -> serde_json::Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

fn header_kid(jwt: &str) -> String {
    let h = jwt.split('.').next().expect("a JWT");
    let v: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).expect("base64url")).expect("JSON");
    v["kid"].as_str().expect("kid").to_string()
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

#[tokio::test]
async fn client_credentials_with_a_resource_server_scope() {
    let Some(h) = Harness::emulator_only("OAuth endpoints need a pool domain on AWS") else {
        return;
    };
    let pool_id = h.user_pool().await.id.expect("Id");
    let identifier = unique_name("api");
    h.idp
        .create_resource_server()
        .user_pool_id(&pool_id)
        .identifier(&identifier)
        .name("api")
        .scopes(
            ResourceServerScopeType::builder()
                .scope_name("read")
                .scope_description("read")
                .build()
                .expect("scope"),
        )
        .send()
        .await
        .expect("CreateResourceServer");
    let scope = format!("{identifier}/read");
    let client = h
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name(unique_name("m2m"))
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_scopes(&scope)
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .expect("client");
    let id = client.client_id.expect("ClientId");
    let secret = client.client_secret.expect("ClientSecret");

    let raw = h.raw();
    let r = raw
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials"), ("scope", &scope)],
            &[("authorization", &basic(&id, &secret))],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());
    let access = body["access_token"].as_str().expect("access_token");
    let c = claims(access);
    assert_eq!(c["client_id"], id.as_str());
    assert_eq!(c["sub"], id.as_str());
    assert_eq!(c["scope"], scope.as_str());
    assert_eq!(c["token_use"], "access");
    // The key is in the pool's JWKS.
    let jwks = raw
        .get(&format!("/{pool_id}/.well-known/jwks.json"))
        .await
        .json();
    let kid = header_kid(access);
    assert!(
        jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .any(|k| k["kid"] == kid.as_str())
    );

    let r = raw
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials")],
            &[("authorization", &basic(&id, "wrong"))],
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "invalid_client");
}

#[tokio::test]
async fn authorization_code_flow_with_pkce_through_the_login_page() {
    let Some(h) = Harness::emulator_only("the hosted login page is driven over plain HTTP") else {
        return;
    };
    let pool_id = h.user_pool().await.id.expect("Id");
    let client = h
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name(unique_name("web"))
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .callback_urls(CALLBACK)
        .supported_identity_providers("COGNITO")
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .expect("client");
    let id = client.client_id.expect("ClientId");
    let secret = client.client_secret.expect("ClientSecret");
    h.idp
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("alice")
        .user_attributes(
            conformance::idp::types::AttributeType::builder()
                .name("email")
                .value("alice@example.com")
                .build()
                .expect("attr"),
        )
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("AdminCreateUser");
    h.idp
        .admin_set_user_password()
        .user_pool_id(&pool_id)
        .username("alice")
        .password("Passw0rd!")
        .permanent(true)
        .send()
        .await
        .expect("AdminSetUserPassword");

    let raw = h.raw();
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("response_type", "code"),
            ("client_id", id.as_str()),
            ("redirect_uri", CALLBACK),
            ("scope", "openid email"),
            ("state", "xyz"),
            ("nonce", "n-123"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    let r = raw.get(&format!("/oauth2/authorize?{query}")).await;
    assert_eq!(r.status, 302, "{}", r.text());
    let login = r.header("location").expect("Location").to_string();
    assert!(login.starts_with("/login?"), "{login}");
    let page = raw.get(&login).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("name=\"password\""));
    let r = raw
        .post_form(
            &login,
            &[("username", "alice"), ("password", "Passw0rd!")],
            &[],
        )
        .await;
    assert_eq!(r.status, 302, "{}", r.text());
    let callback = r.header("location").expect("Location").to_string();
    assert!(callback.starts_with(CALLBACK), "{callback}");
    assert_eq!(query_param(&callback, "state").as_deref(), Some("xyz"));
    let code = query_param(&callback, "code").expect("code");

    let r = raw
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ],
            &[("authorization", &basic(&id, &secret))],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.json();
    let id_claims = claims(t["id_token"].as_str().expect("id_token"));
    assert_eq!(id_claims["aud"], id.as_str());
    assert_eq!(id_claims["nonce"], "n-123");
    assert_eq!(id_claims["token_use"], "id");
    assert_eq!(id_claims["cognito:username"], "alice");
    let iss = id_claims["iss"].as_str().expect("iss");
    assert!(iss.ends_with(&pool_id), "{iss}");
    assert!(t["refresh_token"].is_string());
    let access = t["access_token"].as_str().expect("access_token");
    assert_eq!(claims(access)["scope"], "openid email");

    // Discovery points at these endpoints.
    let doc = raw
        .get(&format!("/{pool_id}/.well-known/openid-configuration"))
        .await
        .json();
    assert_eq!(doc["issuer"], iss);
    assert!(
        doc["token_endpoint"]
            .as_str()
            .expect("token_endpoint")
            .ends_with("/oauth2/token")
    );
    assert!(
        doc["authorization_endpoint"]
            .as_str()
            .expect("authorize")
            .ends_with("/oauth2/authorize")
    );

    // userInfo with the access token.
    let r = raw
        .request(
            "GET",
            "/oauth2/userInfo",
            &[("authorization", &format!("Bearer {access}"))],
            bytes::Bytes::new(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["email"], "alice@example.com");

    // The code is spent.
    let r = raw
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ],
            &[("authorization", &basic(&id, &secret))],
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid_grant");
}
