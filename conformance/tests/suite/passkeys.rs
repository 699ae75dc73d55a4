//! Passkeys through the SDK: a software authenticator (a P-256 key; attestation objects and
//! assertions built as WebAuthn §6 lays them out) registers with StartWebAuthnRegistration /
//! CompleteWebAuthnRegistration, is listed, signs in through USER_AUTH's WEB_AUTHN challenge,
//! and a tampered assertion is refused.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use aws_smithy_types::{Document, Number};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use conformance::idp::types::{
    AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, SignInPolicyType, UserPoolPolicyType,
    WebAuthnConfigurationType,
};
use conformance::{Harness, unique_name};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

const PW: &str = "Passw0rd!";
const ORIGIN: &str = "http://localhost:5173";

fn to_json(d: &Document) -> Value {
    match d {
        Document::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
        Document::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        Document::Number(Number::PosInt(n)) => json!(n),
        Document::Number(Number::NegInt(n)) => json!(n),
        Document::Number(Number::Float(f)) => json!(f),
        Document::String(s) => json!(s),
        Document::Bool(b) => json!(b),
        Document::Null => Value::Null,
    }
}

fn to_document(v: &Value) -> Document {
    match v {
        Value::Object(m) => Document::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), to_document(v)))
                .collect::<HashMap<_, _>>(),
        ),
        Value::Array(a) => Document::Array(a.iter().map(to_document).collect()),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Document::Number(Number::PosInt(u)),
            (None, Some(i)) => Document::Number(Number::NegInt(i)),
            _ => Document::Number(Number::Float(n.as_f64().unwrap_or_default())),
        },
        Value::String(s) => Document::String(s.clone()),
        Value::Bool(b) => Document::Bool(*b),
        Value::Null => Document::Null,
    }
}

/// CBOR heads and the few item kinds an attestation object needs.
fn cbor_head(out: &mut Vec<u8>, major: u8, n: usize) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend([m | 24, n as u8]),
        _ => {
            out.push(m | 25);
            out.extend((n as u16).to_be_bytes());
        }
    }
}
fn cbor_bytes(out: &mut Vec<u8>, b: &[u8]) {
    cbor_head(out, 2, b.len());
    out.extend(b);
}
fn cbor_text(out: &mut Vec<u8>, t: &str) {
    cbor_head(out, 3, t.len());
    out.extend(t.as_bytes());
}

struct Authenticator {
    key: EcdsaKeyPair,
    id: Vec<u8>,
    counter: u32,
}

impl Authenticator {
    fn new() -> Self {
        Authenticator {
            key: EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap(),
            id: uuid::Uuid::new_v4().as_bytes().to_vec(),
            counter: 0,
        }
    }

    fn auth_data(&self, rp_id: &str, attested: bool) -> Vec<u8> {
        let mut d = Sha256::digest(rp_id.as_bytes()).to_vec();
        d.push(0x05 | if attested { 0x40 } else { 0 }); // UP | UV (| AT)
        d.extend(self.counter.to_be_bytes());
        if attested {
            d.extend([0u8; 16]);
            d.extend((self.id.len() as u16).to_be_bytes());
            d.extend(&self.id);
            let point = self.key.public_key().as_ref();
            // COSE EC2 key: {1: 2, 3: -7, -1: 1, -2: x, -3: y}
            d.extend([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21]);
            cbor_bytes(&mut d, &point[1..33]);
            d.push(0x22);
            cbor_bytes(&mut d, &point[33..65]);
        }
        d
    }

    fn client_data(ty: &str, challenge: &str) -> Vec<u8> {
        json!({"type": ty, "challenge": challenge, "origin": ORIGIN})
            .to_string()
            .into_bytes()
    }

    fn register(&self, options: &Value) -> Value {
        let client_data =
            Self::client_data("webauthn.create", options["challenge"].as_str().unwrap());
        let auth_data = self.auth_data(options["rp"]["id"].as_str().unwrap(), true);
        // {"fmt": "none", "attStmt": {}, "authData": ...}
        let mut att = vec![0xa3];
        cbor_text(&mut att, "fmt");
        cbor_text(&mut att, "none");
        cbor_text(&mut att, "attStmt");
        att.push(0xa0);
        cbor_text(&mut att, "authData");
        cbor_bytes(&mut att, &auth_data);
        json!({
            "id": B64URL.encode(&self.id),
            "rawId": B64URL.encode(&self.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": B64URL.encode(&client_data),
                "attestationObject": B64URL.encode(&att),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        })
    }

    fn assert(&mut self, options: &Value) -> Value {
        self.counter += 1;
        let client_data = Self::client_data("webauthn.get", options["challenge"].as_str().unwrap());
        let auth_data = self.auth_data(options["rpId"].as_str().unwrap(), false);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        let sig = self.key.sign(&SystemRandom::new(), &signed).unwrap();
        json!({
            "id": B64URL.encode(&self.id),
            "rawId": B64URL.encode(&self.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": B64URL.encode(&client_data),
                "authenticatorData": B64URL.encode(&auth_data),
                "signature": B64URL.encode(sig.as_ref()),
            },
            "clientExtensionResults": {},
        })
    }
}

#[tokio::test]
async fn a_passkey_registers_and_signs_in_and_a_tampered_one_does_not() {
    let Some(h) = Harness::emulator_only("a software authenticator on a localhost relying party")
    else {
        return;
    };
    let pool_id = h
        .idp
        .create_user_pool()
        .pool_name(unique_name("pool"))
        .policies(
            UserPoolPolicyType::builder()
                .sign_in_policy(
                    SignInPolicyType::builder()
                        .allowed_first_auth_factors("PASSWORD".into())
                        .allowed_first_auth_factors("WEB_AUTHN".into())
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("CreateUserPool")
        .user_pool
        .and_then(|p| p.id)
        .expect("Id");
    h.track_user_pool(&pool_id);
    h.idp
        .set_user_pool_mfa_config()
        .user_pool_id(&pool_id)
        .web_authn_configuration(
            WebAuthnConfigurationType::builder()
                .relying_party_id("localhost")
                .build(),
        )
        .send()
        .await
        .expect("SetUserPoolMfaConfig");
    let client_id = h
        .app_client(
            &pool_id,
            &[
                ExplicitAuthFlowsType::AllowUserAuth,
                ExplicitAuthFlowsType::AllowRefreshTokenAuth,
            ],
        )
        .await;
    h.confirmed_user(&pool_id, "alice", PW).await;
    let access = h
        .idp
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PREFERRED_CHALLENGE", "PASSWORD")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await
        .expect("password sign-in")
        .authentication_result
        .and_then(|r| r.access_token)
        .expect("AccessToken");

    let options = h
        .idp
        .start_web_authn_registration()
        .access_token(&access)
        .send()
        .await
        .expect("StartWebAuthnRegistration");
    let options = to_json(options.credential_creation_options());
    assert_eq!(options["rp"]["id"], "localhost");
    let mut passkey = Authenticator::new();
    h.idp
        .complete_web_authn_registration()
        .access_token(&access)
        .credential(to_document(&passkey.register(&options)))
        .send()
        .await
        .expect("CompleteWebAuthnRegistration");
    let listed = h
        .idp
        .list_web_authn_credentials()
        .access_token(&access)
        .send()
        .await
        .expect("ListWebAuthnCredentials");
    assert_eq!(listed.credentials().len(), 1);
    assert_eq!(
        listed.credentials()[0].credential_id(),
        B64URL.encode(&passkey.id)
    );

    let challenge = || {
        h.idp
            .initiate_auth()
            .client_id(&client_id)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PREFERRED_CHALLENGE", "WEB_AUTHN")
            .send()
    };
    let answer = |session: String, credential: Value| {
        h.idp
            .respond_to_auth_challenge()
            .client_id(&client_id)
            .challenge_name(ChallengeNameType::WebAuthn)
            .session(session)
            .challenge_responses("USERNAME", "alice")
            .challenge_responses("CREDENTIAL", credential.to_string())
            .send()
    };
    let request_options = |out: &conformance::idp::operation::initiate_auth::InitiateAuthOutput| {
        let params = out
            .challenge_parameters
            .as_ref()
            .expect("ChallengeParameters");
        serde_json::from_str::<Value>(&params["CREDENTIAL_REQUEST_OPTIONS"]).expect("JSON")
    };

    // Tampered: the signature no longer matches the signed bytes.
    let out = challenge().await.expect("WEB_AUTHN challenge");
    assert_eq!(out.challenge_name, Some(ChallengeNameType::WebAuthn));
    let mut tampered = passkey.assert(&request_options(&out));
    let mut sig = B64URL
        .decode(tampered["response"]["signature"].as_str().unwrap())
        .unwrap();
    let last = sig.len() - 1;
    sig[last] ^= 1;
    tampered["response"]["signature"] = json!(B64URL.encode(sig));
    let err = answer(out.session.expect("Session"), tampered)
        .await
        .expect_err("tampered assertion")
        .into_service_error();
    assert!(err.is_not_authorized_exception(), "{err:?}");

    let out = challenge().await.expect("WEB_AUTHN challenge");
    let good = passkey.assert(&request_options(&out));
    let done = answer(out.session.expect("Session"), good)
        .await
        .expect("passkey sign-in");
    assert!(
        done.authentication_result
            .and_then(|r| r.id_token)
            .is_some()
    );

    h.idp
        .delete_web_authn_credential()
        .access_token(&access)
        .credential_id(B64URL.encode(&passkey.id))
        .send()
        .await
        .expect("DeleteWebAuthnCredential");
}
