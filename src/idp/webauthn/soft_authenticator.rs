//! A software authenticator for tests: a P-256 key, attestation objects (`none` or `packed`
//! self attestation) and assertions built byte by byte as WebAuthn §6 lays them out, and the
//! JSON a browser hands the relying party (RegistrationResponseJSON,
//! AuthenticationResponseJSON).

use super::cbor::{self, Value};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

pub struct SoftAuthenticator {
    key: EcdsaKeyPair,
    pub credential_id: Vec<u8>,
    pub counter: u32,
    /// Flags every ceremony reports (UP | UV by default).
    pub flags: u8,
}

impl Default for SoftAuthenticator {
    fn default() -> Self {
        Self::new()
    }
}

impl SoftAuthenticator {
    pub fn new() -> Self {
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        SoftAuthenticator {
            key,
            credential_id: uuid::Uuid::new_v4().as_bytes().to_vec(),
            counter: 0,
            flags: 0x01 | 0x04,
        }
    }

    pub fn credential_id_b64(&self) -> String {
        B64URL.encode(&self.credential_id)
    }

    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.public_key().as_ref();
        cbor::encode(&Value::Map(vec![
            (Value::Uint(1), Value::Uint(2)),
            (Value::Uint(3), Value::Nint(6)),
            (Value::Nint(0), Value::Uint(1)),
            (Value::Nint(1), Value::Bytes(point[1..33].to_vec())),
            (Value::Nint(2), Value::Bytes(point[33..65].to_vec())),
        ]))
    }

    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.key
            .sign(&SystemRandom::new(), msg)
            .unwrap()
            .as_ref()
            .to_vec()
    }

    fn auth_data(&self, rp_id: &str, attested: bool) -> Vec<u8> {
        let mut d = Sha256::digest(rp_id.as_bytes()).to_vec();
        d.push(self.flags | if attested { 0x40 } else { 0 });
        d.extend(self.counter.to_be_bytes());
        if attested {
            d.extend([0u8; 16]);
            d.extend((self.credential_id.len() as u16).to_be_bytes());
            d.extend(&self.credential_id);
            d.extend(self.cose_key());
        }
        d
    }

    fn client_data(ty: &str, challenge: &str, origin: &str) -> Vec<u8> {
        json!({"type": ty, "challenge": challenge, "origin": origin, "crossOrigin": false})
            .to_string()
            .into_bytes()
    }

    /// navigator.credentials.create() answered with `options` (CredentialCreationOptions).
    pub fn register(&mut self, options: &Json, origin: &str, fmt: &str) -> Json {
        let rp_id = options["rp"]["id"].as_str().unwrap();
        let challenge = options["challenge"].as_str().unwrap();
        let client_data = Self::client_data("webauthn.create", challenge, origin);
        let auth_data = self.auth_data(rp_id, true);
        let stmt = match fmt {
            "packed" => {
                let mut signed = auth_data.clone();
                signed.extend(Sha256::digest(&client_data));
                Value::Map(vec![
                    (Value::Text("alg".into()), Value::Nint(6)),
                    (Value::Text("sig".into()), Value::Bytes(self.sign(&signed))),
                ])
            }
            _ => Value::Map(vec![]),
        };
        let att = cbor::encode(&Value::Map(vec![
            (Value::Text("fmt".into()), Value::Text(fmt.into())),
            (Value::Text("attStmt".into()), stmt),
            (Value::Text("authData".into()), Value::Bytes(auth_data)),
        ]));
        json!({
            "id": self.credential_id_b64(),
            "rawId": self.credential_id_b64(),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": B64URL.encode(&client_data),
                "attestationObject": B64URL.encode(&att),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        })
    }

    /// navigator.credentials.get() answered with `options` (CREDENTIAL_REQUEST_OPTIONS).
    pub fn assert(&mut self, options: &Json, origin: &str) -> Json {
        self.counter += 1;
        let rp_id = options["rpId"].as_str().unwrap();
        let challenge = options["challenge"].as_str().unwrap();
        let client_data = Self::client_data("webauthn.get", challenge, origin);
        let auth_data = self.auth_data(rp_id, false);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        json!({
            "id": self.credential_id_b64(),
            "rawId": self.credential_id_b64(),
            "type": "public-key",
            "response": {
                "clientDataJSON": B64URL.encode(&client_data),
                "authenticatorData": B64URL.encode(&auth_data),
                "signature": B64URL.encode(self.sign(&signed)),
            },
            "clientExtensionResults": {},
        })
    }
}
