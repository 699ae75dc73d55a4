//! RSA signing keys for tokens: generation (2048 bits, as Cognito's), the `kid`, the JWK a
//! JWKS publishes, and the jsonwebtoken keys made once per load. Private keys are never
//! printed: `SigningKey`'s `Debug` shows only the kid.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use jsonwebtoken::{DecodingKey, EncodingKey};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};

/// Cognito's key size.
pub const RSA_BITS: usize = 2048;

/// A freshly generated key, as stored: the kid and the PKCS#1 DER private key.
pub struct GeneratedKey {
    pub kid: String,
    pub private_pkcs1_der: Vec<u8>,
}

/// Generates a key pair. Slow (tens to hundreds of milliseconds): call it off the async
/// runtime, once per pool and purpose.
pub fn generate() -> Result<GeneratedKey, rsa::Error> {
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, RSA_BITS)?;
    let der = key.to_pkcs1_der().map_err(rsa::Error::from)?;
    Ok(GeneratedKey {
        kid: kid_of(&key)?,
        private_pkcs1_der: der.as_bytes().to_vec(),
    })
}

/// The kid: standard base64 of SHA-256 of the public key's DER (44 characters, the shape of
/// Cognito's kids), so it is stable for a key and differs between keys.
fn kid_of(key: &rsa::RsaPrivateKey) -> Result<String, rsa::Error> {
    let public = key
        .to_public_key()
        .to_pkcs1_der()
        .map_err(rsa::Error::from)?;
    Ok(B64.encode(Sha256::digest(public.as_bytes())))
}

/// A key ready to sign and verify.
pub struct SigningKey {
    pub kid: String,
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    /// Modulus and exponent, base64url without padding (the JWK's `n` and `e`).
    pub n: String,
    pub e: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Loads a stored key.
    pub fn from_stored(kid: &str, private_pkcs1_der: &[u8]) -> Result<Self, rsa::Error> {
        let key =
            rsa::RsaPrivateKey::from_pkcs1_der(private_pkcs1_der).map_err(rsa::Error::from)?;
        let n = key.n().to_bytes_be();
        let e = key.e().to_bytes_be();
        Ok(SigningKey {
            kid: kid.to_string(),
            encoding: EncodingKey::from_rsa_der(private_pkcs1_der),
            decoding: DecodingKey::from_rsa_raw_components(&n, &e),
            n: B64URL.encode(n),
            e: B64URL.encode(e),
        })
    }

    /// The public JWK, as Cognito's JWKS lists it.
    pub fn jwk(&self) -> serde_json::Value {
        serde_json::json!({
            "alg": "RS256",
            "e": self.e,
            "kid": self.kid,
            "kty": "RSA",
            "n": self.n,
            "use": "sig",
        })
    }
}

/// A pool's two keys: Cognito signs ID and access tokens with different keys.
#[derive(Debug)]
pub struct PoolKeys {
    pub id: SigningKey,
    pub access: SigningKey,
}

impl PoolKeys {
    /// `{"keys": [...]}` with both public keys.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({"keys": [self.id.jwk(), self.access.jwk()]})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_load_and_have_distinct_stable_kids() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a.kid, b.kid);
        assert_eq!(a.kid.len(), 44);
        let loaded = SigningKey::from_stored(&a.kid, &a.private_pkcs1_der).unwrap();
        let parsed = rsa::RsaPrivateKey::from_pkcs1_der(&a.private_pkcs1_der).unwrap();
        assert_eq!(kid_of(&parsed).unwrap(), a.kid);
        let jwk = loaded.jwk();
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["alg"], "RS256");
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["e"], "AQAB");
        // 2048-bit modulus: 256 bytes -> 342 base64url characters.
        assert_eq!(jwk["n"].as_str().unwrap().len(), 342);
        assert!(!format!("{loaded:?}").contains(&jwk["n"].as_str().unwrap()[..20]));
    }
}
