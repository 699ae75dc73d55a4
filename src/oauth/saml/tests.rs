//! SAML responses signed by signxml (tests/fixtures/saml/make_fixtures.py): the checks of
//! `response::read` one by one, then the whole chain through the router — CreateIdentityProvider
//! with the fixture metadata, /oauth2/authorize to the IdP with an AuthnRequest, the signed
//! response posted to /saml2/idpresponse, the app's code exchanged for tokens.

use super::*;
use crate::idp::shapes::*;
use crate::testkit;
use axum::body::Body;
use axum::http::{Request, header};
use tower::ServiceExt;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../tests/fixtures/saml/", $name))
    };
}

/// The fixtures' pool, ACS URL, and issue time (2030-01-01T12:00:00Z).
const POOL_ID: &str = "us-east-1_SamlFixt1";
const ACS: &str = "http://localhost:9229/saml2/idpresponse";
const FIXTURE_NOW: i64 = 1_893_499_200;
const CALLBACK: &str = "http://localhost:5255/signin-saml";

fn md() -> metadata::Metadata {
    metadata::parse(fixture!("idp-metadata.xml")).unwrap()
}

fn read_at(xml: &str, now: i64, request_id: Option<&str>) -> Result<response::Assertion, String> {
    let audience = request::entity_id(POOL_ID);
    response::read(
        xml,
        &md(),
        &response::Expected {
            audience: &audience,
            acs_url: ACS,
            request_id,
            now,
        },
    )
}

fn read(xml: &str) -> Result<response::Assertion, String> {
    read_at(xml, FIXTURE_NOW, Some("_any-request"))
}

#[test]
fn the_metadata_gives_the_entity_sso_urls_and_certificate() {
    let md = md();
    assert_eq!(md.entity_id, "http://idp.example.test/saml");
    assert_eq!(
        md.sso_redirect.as_deref(),
        Some("http://idp.example.test/sso")
    );
    assert_eq!(
        md.sso_post.as_deref(),
        Some("http://idp.example.test/sso-post")
    );
    assert_eq!(
        md.slo_redirect.as_deref(),
        Some("http://idp.example.test/slo")
    );
    assert_eq!(md.signing_keys.len(), 1);
    // 2040-01-01T00:00:00Z
    assert_eq!(md.signing_keys[0].not_after, 2_208_988_800);
    assert!(metadata::parse("<md:EntityDescriptor").is_err());
    assert!(metadata::parse(fixture!("entity-bomb.xml")).is_err());
}

#[test]
fn signed_responses_and_assertions_are_read() {
    for xml in [
        fixture!("response-signed.xml"),
        fixture!("response-signed-sha1.xml"),
        fixture!("assertion-signed.xml"),
    ] {
        let a = read(xml).unwrap();
        assert_eq!(a.name_id, "jane-0042");
        assert_eq!(
            a.attributes["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"],
            ["jane@corp.example"]
        );
        assert_eq!(a.attributes["department"], ["R&D <north>"]);
        assert_eq!(a.attributes["groups"], ["admins", "staff"]);
        assert_eq!(a.not_on_or_after, FIXTURE_NOW + 300);
    }
}

#[test]
fn in_response_to_must_name_our_request() {
    let xml = fixture!("response-in-response-to.xml");
    assert_eq!(
        read_at(xml, FIXTURE_NOW, Some("_request-1")).unwrap().id,
        "_assert-irt"
    );
    let e = read_at(xml, FIXTURE_NOW, Some("_request-2")).unwrap_err();
    assert!(e.contains("does not answer our request"), "{e}");
    let e = read_at(xml, FIXTURE_NOW, None).unwrap_err();
    assert!(e.contains("must not carry InResponseTo"), "{e}");
}

#[test]
fn forged_and_misdirected_responses_are_refused() {
    let cases = [
        ("unsigned.xml", fixture!("unsigned.xml"), "is signed"),
        ("tampered.xml", fixture!("tampered.xml"), "digest"),
        (
            "wrong-cert.xml",
            fixture!("wrong-cert.xml"),
            "does not verify",
        ),
        (
            "wrong-audience.xml",
            fixture!("wrong-audience.xml"),
            "audience",
        ),
        (
            "wrapped.xml",
            fixture!("wrapped.xml"),
            "exactly one Assertion",
        ),
        (
            "two-assertions.xml",
            fixture!("two-assertions.xml"),
            "exactly one Assertion",
        ),
        (
            "entity-bomb.xml",
            fixture!("entity-bomb.xml"),
            "not well-formed",
        ),
    ];
    for (name, xml, why) in cases {
        let e = read(xml).expect_err(name);
        assert!(e.contains(why), "{name}: {e}");
    }
    // Deep nesting is refused before the recursive canonicalizer sees it.
    let deep = fixture!("response-signed.xml").replacen(
        "<saml:AttributeStatement>",
        &format!("{}<saml:AttributeStatement>", "<x>".repeat(20_000)),
        1,
    );
    let deep = deep.replacen(
        "</saml:AttributeStatement>",
        &format!("</saml:AttributeStatement>{}", "</x>".repeat(20_000)),
        1,
    );
    assert!(read(&deep).unwrap_err().contains("nest more than"));
    let failed = fixture!("response-signed.xml").replace(
        "urn:oasis:names:tc:SAML:2.0:status:Success",
        "urn:oasis:names:tc:SAML:2.0:status:Requester",
    );
    assert!(read(&failed).unwrap_err().contains("status"));
    let audience = request::entity_id(POOL_ID);
    let elsewhere = response::read(
        fixture!("response-signed.xml"),
        &md(),
        &response::Expected {
            audience: &audience,
            acs_url: "http://localhost:9229/_domain/other/saml2/idpresponse",
            request_id: None,
            now: FIXTURE_NOW,
        },
    );
    assert!(elsewhere.unwrap_err().contains("is for"));
}

#[test]
fn the_validity_window_is_kept_with_a_minute_of_skew() {
    let xml = fixture!("response-signed.xml");
    // Conditions: 11:59:30 to 12:05:00.
    assert!(read_at(xml, FIXTURE_NOW - 85, Some("_r")).is_ok());
    let e = read_at(xml, FIXTURE_NOW - 95, Some("_r")).unwrap_err();
    assert!(e.contains("not valid yet"), "{e}");
    assert!(read_at(xml, FIXTURE_NOW + 355, Some("_r")).is_ok());
    let e = read_at(xml, FIXTURE_NOW + 365, Some("_r")).unwrap_err();
    assert!(e.contains("expired"), "{e}");
    // IdP-initiated: issued in the last six minutes.
    assert!(read_at(xml, FIXTURE_NOW + 300, None).is_ok());
    let e = read_at(xml, FIXTURE_NOW + 361, None).unwrap_err();
    assert!(e.contains("six minutes"), "{e}");
}

async fn send(app: &axum::Router, req: Request<Body>) -> (StatusCode, String, String) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let location = resp
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        location,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

fn get(uri: &str) -> Request<Body> {
    Request::builder()
        .uri(uri)
        .header(header::HOST, "localhost:9229")
        .body(Body::empty())
        .unwrap()
}

fn post_form(uri: &str, pairs: &[(&str, &str)]) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::HOST, "localhost:9229")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(serde_urlencoded::to_string(pairs).unwrap()))
        .unwrap()
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    serde_urlencoded::from_str::<Vec<(String, String)>>(q)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn post_response(xml: &str, relay: &str) -> Request<Body> {
    post_form(
        "/saml2/idpresponse",
        &[("SAMLResponse", &B64.encode(xml)), ("RelayState", relay)],
    )
}

#[tokio::test]
async fn a_saml_idp_signs_users_in_through_the_whole_redirect_chain() {
    let ctx = testkit::ctx().await;
    crate::idp::user_pools::create_pool_with_id(
        &ctx,
        CreateUserPoolRequest {
            pool_name: "saml".into(),
            ..Default::default()
        },
        POOL_ID,
    )
    .await
    .unwrap();
    let now = ctx.clock.now_secs();
    ctx.clock.advance(FIXTURE_NOW - now);

    // Metadata that does not parse is refused; the fixture's is read and filled in.
    let create = |details: Vec<(&str, &str)>| {
        let ctx = ctx.clone();
        let details: BTreeMap<String, String> = details
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        async move {
            crate::idp::identity_providers::create_identity_provider(
                ctx,
                CreateIdentityProviderRequest {
                    user_pool_id: POOL_ID.into(),
                    provider_name: "Corp".into(),
                    provider_type: "SAML".into(),
                    provider_details: details,
                    attribute_mapping: Some(BTreeMap::from([
                        (
                            "email".to_string(),
                            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
                                .to_string(),
                        ),
                        ("name".to_string(), "department".to_string()),
                    ])),
                    ..Default::default()
                },
            )
            .await
        }
    };
    let e = create(vec![("MetadataFile", "<not-metadata/>")])
        .await
        .unwrap_err();
    assert_eq!(e.kind.name(), "InvalidParameterException");
    let e = create(vec![
        ("MetadataFile", fixture!("idp-metadata.xml")),
        ("MetadataURL", "http://127.0.0.1:1/md"),
    ])
    .await
    .unwrap_err();
    assert_eq!(e.kind.name(), "InvalidParameterException");
    let e = create(vec![
        ("MetadataFile", fixture!("idp-metadata.xml")),
        ("RequestSigningAlgorithm", "rsa-sha1"),
    ])
    .await
    .unwrap_err();
    assert_eq!(e.kind.name(), "InvalidParameterException");
    let created = create(vec![("MetadataFile", fixture!("idp-metadata.xml"))])
        .await
        .unwrap()
        .identity_provider;
    let details = created.provider_details.unwrap();
    assert_eq!(
        details["SSORedirectBindingURI"],
        "http://idp.example.test/sso"
    );
    assert_eq!(
        details["SLORedirectBindingURI"],
        "http://idp.example.test/slo"
    );

    let client = crate::idp::clients::create_user_pool_client(
        ctx.clone(),
        CreateUserPoolClientRequest {
            user_pool_id: POOL_ID.into(),
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
    let client_id = client.client_id.clone().unwrap();
    let app = crate::router(ctx.app.clone());
    let authorize = format!(
        "/oauth2/authorize?response_type=code&client_id={client_id}&redirect_uri={CALLBACK}&state=app-state&identity_provider=Corp"
    );

    // The hosted login lists the SAML provider as a button leading to /oauth2/authorize.
    let both = crate::idp::clients::create_user_pool_client(
        ctx.clone(),
        CreateUserPoolClientRequest {
            user_pool_id: POOL_ID.into(),
            client_name: "both".into(),
            allowed_o_auth_flows_user_pool_client: Some(true),
            allowed_o_auth_flows: Some(vec!["code".into()]),
            allowed_o_auth_scopes: Some(vec!["openid".into()]),
            callback_ur_ls: Some(vec![CALLBACK.into()]),
            supported_identity_providers: Some(vec!["COGNITO".into(), "Corp".into()]),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .user_pool_client
    .unwrap();
    let login = format!(
        "/login?response_type=code&client_id={}&redirect_uri={CALLBACK}",
        both.client_id.as_deref().unwrap()
    );
    let (status, _, page) = send(&app, get(&login)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Continue with Corp"), "{page}");
    let href = page
        .split("class=\"provider idpButton-customizable\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    assert!(href.contains("identity_provider=Corp"), "{href}");
    let (status, to_idp, _) = send(&app, get(&href)).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(
        to_idp.starts_with("http://idp.example.test/sso?"),
        "{to_idp}"
    );

    // SP-initiated: to the IdP with a deflated AuthnRequest and an opaque RelayState.
    let (status, to_idp, _) = send(&app, get(&authorize)).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(
        to_idp.starts_with("http://idp.example.test/sso?"),
        "{to_idp}"
    );
    let deflated = B64
        .decode(query_param(&to_idp, "SAMLRequest").unwrap())
        .unwrap();
    // Raw DEFLATE (no zlib header), as the Redirect binding wants.
    let xml =
        String::from_utf8(miniz_oxide::inflate::decompress_to_vec(&deflated).unwrap()).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let req = doc.root_element();
    assert!(req.has_tag_name((response::PROTOCOL_NS, "AuthnRequest")));
    assert!(req.attribute("ID").unwrap().starts_with('_'));
    assert_eq!(req.attribute("Version"), Some("2.0"));
    assert_eq!(req.attribute("IssueInstant"), Some("2030-01-01T12:00:00Z"));
    assert_eq!(
        req.attribute("Destination"),
        Some("http://idp.example.test/sso")
    );
    assert_eq!(req.attribute("AssertionConsumerServiceURL"), Some(ACS));
    let issuer = req.first_element_child().unwrap();
    assert!(issuer.has_tag_name((response::ASSERTION_NS, "Issuer")));
    assert_eq!(
        issuer.text(),
        Some("urn:amazon:cognito:sp:us-east-1_SamlFixt1")
    );
    assert!(query_param(&to_idp, "Signature").is_none());
    let relay = query_param(&to_idp, "RelayState").unwrap();

    // The IdP posts the signed response back: the app gets a code and its state.
    let (status, to_app, _) =
        send(&app, post_response(fixture!("response-signed.xml"), &relay)).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(to_app.starts_with(CALLBACK), "{to_app}");
    assert_eq!(query_param(&to_app, "state").as_deref(), Some("app-state"));
    let code = query_param(&to_app, "code").expect("a code");
    let user = ctx
        .store
        .get_user(POOL_ID, "Corp_jane-0042")
        .await
        .unwrap()
        .expect("the federated user");
    assert_eq!(user.attr("email"), Some("jane@corp.example"));
    assert_eq!(user.attr("name"), Some("R&D <north>"));
    let (status, _, body) = send(
        &app,
        post_form(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CALLBACK),
                ("client_id", &client_id),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let tokens: serde_json::Value = serde_json::from_str(&body).unwrap();
    let payload = tokens["id_token"]
        .as_str()
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["cognito:username"], "Corp_jane-0042");
    assert_eq!(claims["email"], "jane@corp.example");
    let identities = &claims["identities"][0];
    assert_eq!(identities["providerType"], "SAML");
    assert_eq!(identities["providerName"], "Corp");
    assert_eq!(identities["userId"], "jane-0042");

    // The RelayState is single use; the same assertion again is a replay.
    let (status, _, _) = send(&app, post_response(fixture!("response-signed.xml"), &relay)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, to_idp, _) = send(&app, get(&authorize)).await;
    let relay = query_param(&to_idp, "RelayState").unwrap();
    let (_, replayed, _) = send(&app, post_response(fixture!("response-signed.xml"), &relay)).await;
    assert!(replayed.starts_with(CALLBACK), "{replayed}");
    assert_eq!(
        query_param(&replayed, "error").as_deref(),
        Some("server_error")
    );
    assert!(query_param(&replayed, "code").is_none());

    // A forged response goes back to the app as Cognito words it.
    let (_, to_idp, _) = send(&app, get(&authorize)).await;
    let relay = query_param(&to_idp, "RelayState").unwrap();
    let (_, refused, _) = send(&app, post_response(fixture!("tampered.xml"), &relay)).await;
    assert_eq!(
        query_param(&refused, "error").as_deref(),
        Some("server_error")
    );
    assert!(
        query_param(&refused, "error_description")
            .unwrap()
            .starts_with("Invalid SAML response received: "),
        "{refused}"
    );
    assert_eq!(query_param(&refused, "state").as_deref(), Some("app-state"));

    // IdP-initiated: refused until the provider allows it, then the RelayState carries the
    // authorize parameters.
    let idp_relay = format!(
        "response_type=code&client_id={client_id}&redirect_uri={CALLBACK}&identity_provider=Corp&scope=openid"
    );
    let (status, _, body) = send(
        &app,
        post_response(fixture!("assertion-signed.xml"), &idp_relay),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("Invalid samlResponse or relayState from identity provider"));
    let enable = UpdateIdentityProviderRequest {
        user_pool_id: POOL_ID.into(),
        provider_name: "Corp".into(),
        provider_details: Some(BTreeMap::from([(
            "IDPInit".to_string(),
            "true".to_string(),
        )])),
        ..Default::default()
    };
    // A client of an IdP-initiated provider supports no non-SAML provider (the pool
    // included): the "both" client must go first.
    let e = crate::idp::identity_providers::update_identity_provider(ctx.clone(), enable.clone())
        .await
        .unwrap_err();
    assert_eq!(e.kind.name(), "InvalidParameterException");
    crate::idp::clients::delete_user_pool_client(
        ctx.clone(),
        DeleteUserPoolClientRequest {
            user_pool_id: POOL_ID.into(),
            client_id: both.client_id.clone().unwrap(),
        },
    )
    .await
    .unwrap();
    crate::idp::identity_providers::update_identity_provider(ctx.clone(), enable)
        .await
        .unwrap();
    let e = crate::idp::clients::update_user_pool_client(
        ctx.clone(),
        UpdateUserPoolClientRequest {
            user_pool_id: POOL_ID.into(),
            client_id: client_id.clone(),
            allowed_o_auth_flows_user_pool_client: Some(true),
            allowed_o_auth_flows: Some(vec!["code".into()]),
            allowed_o_auth_scopes: Some(vec!["openid".into(), "email".into()]),
            callback_ur_ls: Some(vec![CALLBACK.into()]),
            supported_identity_providers: Some(vec!["Corp".into(), "COGNITO".into()]),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind.name(), "InvalidParameterException");
    let (status, to_app, _) = send(
        &app,
        post_response(fixture!("assertion-signed.xml"), &idp_relay),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(to_app.starts_with(CALLBACK), "{to_app}");
    assert!(query_param(&to_app, "code").is_some(), "{to_app}");
    // An answer to some AuthnRequest is not an IdP-initiated sign-in.
    let (_, refused, _) = send(
        &app,
        post_response(fixture!("response-in-response-to.xml"), &idp_relay),
    )
    .await;
    assert_eq!(
        query_param(&refused, "error").as_deref(),
        Some("server_error")
    );

    // Request signing: the Redirect binding's signature over the query string, with the
    // pool's key.
    crate::idp::identity_providers::update_identity_provider(
        ctx.clone(),
        UpdateIdentityProviderRequest {
            user_pool_id: POOL_ID.into(),
            provider_name: "Corp".into(),
            provider_details: Some(BTreeMap::from([(
                "RequestSigningAlgorithm".to_string(),
                "rsa-sha256".to_string(),
            )])),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (_, to_idp, _) = send(&app, get(&authorize)).await;
    let query = to_idp.split_once('?').unwrap().1;
    let (signed, signature) = query.rsplit_once("&Signature=").unwrap();
    assert_eq!(
        query_param(&to_idp, "SigAlg").as_deref(),
        Some(request::SIG_ALG_RSA_SHA256)
    );
    let signature: String =
        serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("s={signature}"))
            .unwrap()
            .remove(0)
            .1;
    let keys = ctx.store.pool_keys(POOL_ID).await.unwrap().unwrap();
    let jwk = keys.id.jwk();
    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(jwk["n"].as_str().unwrap())
        .unwrap();
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(jwk["e"].as_str().unwrap())
        .unwrap();
    aws_lc_rs::signature::RsaPublicKeyComponents { n: &n, e: &e }
        .verify(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            signed.as_bytes(),
            &B64.decode(signature).unwrap(),
        )
        .expect("the AuthnRequest signature verifies with the pool's key");
}
