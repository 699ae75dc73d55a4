//! The whole OIDC chain against an OpenID provider served by the test on a real port:
//! discovery, authorize (consent given at once), token, JWKS, userInfo.

use super::*;
use crate::crypto::keys::{SigningKey, generate};
use crate::idp::shapes::*;
use crate::testkit;
use axum::Router;
use axum::body::Body;
use axum::extract::Form;
use axum::http::{Request, header};
use axum::routing::{get, post};
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

const CALLBACK: &str = "http://localhost:5255/signin-oidc";

/// What the provider remembers between its endpoints.
#[derive(Default)]
struct Provider {
    issuer: String,
    nonce: Mutex<Option<String>>,
    /// What the next ID token is: `tamper` signs it with another key, `nonce` overrides.
    tamper: Mutex<bool>,
}

async fn serve_provider(key: Arc<SigningKey>) -> Arc<Provider> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}/realm", listener.local_addr().unwrap());
    let state = Arc::new(Provider {
        issuer: issuer.clone(),
        ..Default::default()
    });
    let other =
        Arc::new(SigningKey::from_stored("other", &generate().unwrap().private_pkcs1_der).unwrap());
    let (s1, s2, s3) = (state.clone(), state.clone(), state.clone());
    let jwk_key = key.clone();
    let app = Router::new()
        .route(
            "/realm/.well-known/openid-configuration",
            get(move || {
                let i = s1.issuer.clone();
                async move {
                    axum::Json(serde_json::json!({
                        "issuer": i,
                        "authorization_endpoint": format!("{i}/auth"),
                        "token_endpoint": format!("{i}/token"),
                        "jwks_uri": format!("{i}/jwks"),
                        "userinfo_endpoint": format!("{i}/userinfo"),
                    }))
                }
            }),
        )
        .route(
            "/realm/auth",
            get(move |Query(q): Query<BTreeMap<String, String>>| {
                let s = s2.clone();
                async move {
                    assert_eq!(q["client_id"], "corp-app");
                    assert_eq!(q["response_type"], "code");
                    *s.nonce.lock().unwrap() = q.get("nonce").cloned();
                    redirect(&with_params(
                        &q["redirect_uri"],
                        &[("code", "provider-code"), ("state", &q["state"])],
                        false,
                    ))
                }
            }),
        )
        .route(
            "/realm/token",
            post(move |Form(f): Form<BTreeMap<String, String>>| {
                let (s, key, other) = (s3.clone(), key.clone(), other.clone());
                async move {
                    assert_eq!(f["code"], "provider-code");
                    assert_eq!(f["client_secret"], "corp-secret");
                    let claims = serde_json::json!({
                        "iss": s.issuer, "aud": "corp-app", "sub": "emp-42",
                        "exp": 4_000_000_000i64, "iat": 1,
                        "nonce": s.nonce.lock().unwrap().clone(),
                        "email": "emp42@corp.example", "email_verified": true,
                    });
                    let signer = if *s.tamper.lock().unwrap() {
                        &other
                    } else {
                        &key
                    };
                    axum::Json(serde_json::json!({
                        "id_token": signer.sign_jwt(&claims).unwrap(),
                        "access_token": "provider-access",
                        "token_type": "Bearer",
                    }))
                }
            }),
        )
        .route(
            "/realm/jwks",
            get(move || {
                let k = jwk_key.clone();
                async move { axum::Json(serde_json::json!({"keys": [k.jwk()]})) }
            }),
        )
        .route(
            "/realm/userinfo",
            get(|headers: HeaderMap| async move {
                assert_eq!(
                    headers.get(header::AUTHORIZATION).unwrap(),
                    "Bearer provider-access"
                );
                axum::Json(serde_json::json!({"sub": "emp-42", "name": "Employee 42"}))
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    state
}

async fn get_path(app: &Router, uri: &str) -> (StatusCode, String) {
    let resp = app
        .clone()
        .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let location = resp
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (resp.status(), location)
}

/// The path and query of an absolute URL (the emulator's router is called directly).
fn local(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.find('/')
        .map(|i| rest[i..].to_string())
        .unwrap_or_default()
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    serde_urlencoded::from_str::<Vec<(String, String)>>(q)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[tokio::test]
async fn an_oidc_provider_signs_users_in_through_the_whole_redirect_chain() {
    let key = Arc::new(
        SigningKey::from_stored("corp-key", &generate().unwrap().private_pkcs1_der).unwrap(),
    );
    let provider = serve_provider(key).await;
    let ctx = testkit::ctx().await;
    let pool = testkit::pool(&ctx, |_| {}).await;
    let pool_id = pool.id.clone().unwrap();
    crate::idp::identity_providers::create_identity_provider(
        ctx.clone(),
        CreateIdentityProviderRequest {
            user_pool_id: pool_id.clone(),
            provider_name: "Corp".into(),
            provider_type: "OIDC".into(),
            provider_details: BTreeMap::from([
                ("client_id".to_string(), "corp-app".to_string()),
                ("client_secret".to_string(), "corp-secret".to_string()),
                ("attributes_request_method".to_string(), "GET".to_string()),
                ("oidc_issuer".to_string(), provider.issuer.clone()),
                ("authorize_scopes".to_string(), "openid email".to_string()),
            ]),
            attribute_mapping: Some(BTreeMap::from([
                ("email".to_string(), "email".to_string()),
                ("name".to_string(), "name".to_string()),
            ])),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let client = crate::idp::clients::create_user_pool_client(
        ctx.clone(),
        CreateUserPoolClientRequest {
            user_pool_id: pool_id.clone(),
            client_name: "web".into(),
            allowed_o_auth_flows_user_pool_client: Some(true),
            allowed_o_auth_flows: Some(vec!["code".into()]),
            allowed_o_auth_scopes: Some(vec!["openid".into(), "email".into()]),
            callback_ur_ls: Some(vec![CALLBACK.into()]),
            supported_identity_providers: Some(vec!["Corp".into()]),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .user_pool_client
    .unwrap();
    let app = crate::router(ctx.app.clone());
    let authorize = format!(
        "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&state=app-state&identity_provider=Corp",
        client.client_id.as_deref().unwrap(),
        CALLBACK
    );

    // Emulator -> provider -> emulator's idpresponse -> app.
    let sign_in = |provider_ok: bool| {
        let (app, authorize, provider) = (app.clone(), authorize.clone(), provider.clone());
        async move {
            *provider.tamper.lock().unwrap() = !provider_ok;
            let (status, to_provider) = get_path(&app, &authorize).await;
            assert_eq!(status, StatusCode::FOUND);
            assert!(to_provider.starts_with(&format!("{}/auth?", provider.issuer)));
            let answer = crate::http_client::send(Method::GET, &to_provider, &[], Vec::new())
                .await
                .unwrap();
            let back = answer.headers[header::LOCATION]
                .to_str()
                .unwrap()
                .to_string();
            assert!(back.contains("/oauth2/idpresponse?"), "{back}");
            let (status, to_app) = get_path(&app, &local(&back)).await;
            assert_eq!(status, StatusCode::FOUND);
            to_app
        }
    };
    let to_app = sign_in(true).await;
    assert!(to_app.starts_with(CALLBACK), "{to_app}");
    assert_eq!(query_param(&to_app, "state").as_deref(), Some("app-state"));
    assert!(query_param(&to_app, "code").is_some(), "{to_app}");
    let user = ctx
        .store
        .get_user(&pool_id, "Corp_emp-42")
        .await
        .unwrap()
        .expect("the federated user");
    assert_eq!(user.attr("email"), Some("emp42@corp.example"));
    assert_eq!(user.attr("name"), Some("Employee 42"));

    // An ID token signed with a key outside the provider's JWKS is refused back to the app.
    let refused = sign_in(false).await;
    assert!(refused.starts_with(CALLBACK), "{refused}");
    assert_eq!(
        query_param(&refused, "error").as_deref(),
        Some("invalid_request")
    );
    assert!(query_param(&refused, "code").is_none());

    // A state the emulator did not issue (or already used) is an error page.
    let (status, _) = get_path(&app, "/oauth2/idpresponse?code=x&state=forged").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The client has no COGNITO: the login page offers only the provider's button, and the
    // pool's own account pages are not available to it.
    let plain = authorize.replace("&identity_provider=Corp", "");
    let (status, to_login) = get_path(&app, &plain).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(to_login.starts_with("/login?"), "{to_login}");
    let page = app
        .clone()
        .oneshot(
            Request::builder()
                .uri(&to_login)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let body = axum::body::to_bytes(page.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("Continue with Corp"), "{body}");
    assert!(!body.contains(r#"name="password""#), "{body}");
    let posted = app
        .clone()
        .oneshot(
            Request::builder()
                .method(Method::POST)
                .uri(&to_login)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("username=kim&password=Passw0rd!"))
                .unwrap(),
        )
        .await
        .unwrap();
    let back = posted.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(back.starts_with(CALLBACK), "{back}");
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("invalid_request")
    );
    let (_, signup) = get_path(&app, &to_login.replacen("/login?", "/signup?", 1)).await;
    assert_eq!(
        query_param(&signup, "error").as_deref(),
        Some("invalid_request")
    );
    let (_, cognito) = get_path(&app, &format!("{plain}&identity_provider=COGNITO")).await;
    assert_eq!(
        query_param(&cognito, "error").as_deref(),
        Some("invalid_request")
    );
}
