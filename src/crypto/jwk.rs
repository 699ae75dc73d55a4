//! Verifying a JWT someone else signed against their JWKS (an OpenID provider's ID tokens):
//! RS256 only, the key chosen by `kid`.

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde_json::{Map, Value};

/// The payload of `token` when its RS256 signature verifies with the key of `jwks`
/// (`{"keys": [...]}`) its header names; None otherwise. Claims are left to the caller.
pub fn verify_rs256(jwks: &Value, token: &str) -> Option<Map<String, Value>> {
    let (signed, signature) = token.rsplit_once('.')?;
    let (header, payload) = signed.split_once('.')?;
    let header: Value = serde_json::from_slice(&B64URL.decode(header).ok()?).ok()?;
    if header["alg"] != "RS256" {
        return None;
    }
    let kid = header["kid"].as_str();
    let key = jwks["keys"]
        .as_array()?
        .iter()
        .find(|k| k["kty"] == "RSA" && (kid.is_none() || k["kid"].as_str() == kid))?;
    let n = B64URL.decode(key["n"].as_str()?).ok()?;
    let e = B64URL.decode(key["e"].as_str()?).ok()?;
    let signature = B64URL.decode(signature).ok()?;
    RsaPublicKeyComponents { n: &n, e: &e }
        .verify(&RSA_PKCS1_2048_8192_SHA256, signed.as_bytes(), &signature)
        .ok()?;
    serde_json::from_slice(&B64URL.decode(payload).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys::{SigningKey, generate};

    #[test]
    fn tokens_verify_with_the_named_key_only() {
        let made = generate().unwrap();
        let key = SigningKey::from_stored("k1", &made.private_pkcs1_der).unwrap();
        let token = key.sign_jwt(&serde_json::json!({"sub": "s"})).unwrap();
        let jwks = serde_json::json!({"keys": [key.jwk()]});
        assert_eq!(verify_rs256(&jwks, &token).unwrap()["sub"], "s");
        let mut tampered = token.clone();
        tampered.replace_range(token.len() - 4.., "AAAA");
        assert!(verify_rs256(&jwks, &tampered).is_none());
        let other =
            serde_json::json!({"keys": [{"kty": "RSA", "kid": "k2", "n": "AQAB", "e": "AQAB"}]});
        assert!(verify_rs256(&other, &token).is_none());
    }
}
