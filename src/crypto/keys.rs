//! RSA signing keys for tokens: generation (2048 bits, as Cognito's), the `kid`, the JWK a
//! JWKS publishes, and RS256 JWT signing and verification with keys parsed once per load.
//! Private keys are never printed: `SigningKey`'s `Debug` shows only the kid.
//!
//! Signing and verifying use aws-lc-rs: measured on the 2-core AMD EPYC (AVX-512 IFMA) dev
//! machine, one RS256 signature costs ~206 µs there against ~435 µs with ring and ~1,000 µs
//! with the rsa crate (pre-parsed key); verification ~12 µs against ~113 µs with rsa.
//! Generation is aws-lc's too (several times faster than the rsa crate's, which matters
//! when a test suite makes a pool per test); the stored PKCS#1 form comes from the rsa crate.

pub use aws_lc_rs::signature::RsaKeyPair;
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::traits::PublicKeyParts;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Cognito's key size.
pub const RSA_BITS: usize = 2048;

/// A freshly generated key, as stored: the kid and the PKCS#1 DER private key.
pub struct GeneratedKey {
    pub kid: String,
    pub private_pkcs1_der: Vec<u8>,
    /// The key as aws-lc generated it, ready to sign: parsing the DER again checks the key
    /// (~500 µs), which a new pool's first sign-in would otherwise pay for both its keys.
    pub pair: Option<RsaKeyPair>,
}

/// Generates a key pair. Slow (tens to hundreds of milliseconds): call it off the async
/// runtime, once per pool and purpose.
pub fn generate() -> Result<GeneratedKey, rsa::Error> {
    use aws_lc_rs::encoding::AsDer;
    use rsa::pkcs8::DecodePrivateKey;
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
        .map_err(|_| rsa::Error::Internal)?;
    let pkcs8 = pair.as_der().map_err(|_| rsa::Error::Internal)?;
    let key = rsa::RsaPrivateKey::from_pkcs8_der(pkcs8.as_ref()).map_err(rsa::Error::from)?;
    if key.size() * 8 != RSA_BITS {
        return Err(rsa::Error::InvalidModulus);
    }
    let der = key.to_pkcs1_der().map_err(rsa::Error::from)?;
    Ok(GeneratedKey {
        kid: kid_of(&key)?,
        private_pkcs1_der: der.as_bytes().to_vec(),
        pair: Some(pair),
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

/// Why a signature could not be made (a key aws-lc refuses, or a failed signing call).
#[derive(Debug, thiserror::Error)]
#[error("RS256 signing failed: {0}")]
pub struct SignError(&'static str);

/// A key ready to sign and verify.
pub struct SigningKey {
    pub kid: String,
    /// Modulus and exponent, base64url without padding (the JWK's `n` and `e`).
    pub n: String,
    pub e: String,
    /// base64url of `{"alg":"RS256","kid":"<kid>"}`: Cognito's headers carry only alg and kid.
    header_b64: String,
    private_pkcs1_der: Vec<u8>,
    public_pkcs1_der: Vec<u8>,
    /// Parsed on first use (parsing checks the key, ~100 µs): callers that load a key per
    /// request and only publish its JWK never pay for it.
    pair: OnceLock<Result<RsaKeyPair, &'static str>>,
    public: OnceLock<Result<ParsedPublicKey, &'static str>>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// A header as the tokens carry it; members in jsonwebtoken's order (typ, alg, kid), which
/// tokens issued before this signer existed have, so old and new tokens are byte-identical.
#[derive(serde::Serialize)]
struct JwtHeader<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    typ: Option<&'a str>,
    alg: &'a str,
    kid: Option<&'a str>,
}

/// A received header: only alg and kid matter; other members are ignored as jsonwebtoken did.
#[derive(serde::Deserialize)]
struct ReceivedHeader {
    alg: String,
    kid: Option<String>,
}

impl SigningKey {
    /// Loads a stored key. Only decodes the DER (n, e and the public key's DER are fields
    /// of it): the rsa crate's full parse also validated the key and precomputed its CRT
    /// values, ~500 µs per key, paid by a pool's first sign-in for both keys.
    pub fn from_stored(kid: &str, private_pkcs1_der: &[u8]) -> Result<Self, rsa::Error> {
        use rsa::pkcs1::der::{Decode, Encode};
        let key = rsa::pkcs1::RsaPrivateKey::from_der(private_pkcs1_der)
            .map_err(|e| rsa::Error::from(rsa::pkcs1::Error::from(e)))?;
        let public = rsa::pkcs1::RsaPublicKey {
            modulus: key.modulus,
            public_exponent: key.public_exponent,
        };
        let public_pkcs1_der = public
            .to_der()
            .map_err(|e| rsa::Error::from(rsa::pkcs1::Error::from(e)))?;
        let header = serde_json::to_vec(&JwtHeader {
            typ: None,
            alg: "RS256",
            kid: Some(kid),
        })
        .map_err(|_| rsa::Error::Internal)?;
        Ok(SigningKey {
            kid: kid.to_string(),
            n: B64URL.encode(key.modulus.as_bytes()),
            e: B64URL.encode(key.public_exponent.as_bytes()),
            header_b64: B64URL.encode(header),
            private_pkcs1_der: private_pkcs1_der.to_vec(),
            public_pkcs1_der,
            pair: OnceLock::new(),
            public: OnceLock::new(),
        })
    }

    /// Hands over the already parsed pair of this key (from [`generate`]), so the first
    /// signature does not parse it.
    pub fn with_pair(self, pair: RsaKeyPair) -> Self {
        let _ = self.pair.set(Ok(pair));
        self
    }

    fn pair(&self) -> Result<&RsaKeyPair, SignError> {
        self.pair
            .get_or_init(|| {
                RsaKeyPair::from_der(&self.private_pkcs1_der).map_err(|_| "key rejected")
            })
            .as_ref()
            .map_err(|e| SignError(e))
    }

    fn public(&self) -> Option<&ParsedPublicKey> {
        self.public
            .get_or_init(|| {
                ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &self.public_pkcs1_der)
                    .map_err(|_| "key rejected")
            })
            .as_ref()
            .ok()
    }

    /// An RS256 JWT of `claims` with the header `{"alg":"RS256","kid":...}`: the bytes
    /// jsonwebtoken produced for the same header (typ unset) and claims.
    pub fn sign_jwt<T: serde::Serialize + ?Sized>(&self, claims: &T) -> Result<String, SignError> {
        self.sign_with_header(&self.header_b64, claims)
    }

    /// [`SigningKey::sign_jwt`] with a `typ` member in the header:
    /// `{"typ":"<typ>","alg":"RS256","kid":...}` (the identity service's OpenID tokens carry
    /// `"typ":"JWT"`, as jsonwebtoken's default header wrote it).
    pub fn sign_jwt_with_typ<T: serde::Serialize + ?Sized>(
        &self,
        typ: &str,
        claims: &T,
    ) -> Result<String, SignError> {
        let header = serde_json::to_vec(&JwtHeader {
            typ: Some(typ),
            alg: "RS256",
            kid: Some(&self.kid),
        })
        .map_err(|_| SignError("header"))?;
        self.sign_with_header(&B64URL.encode(header), claims)
    }

    fn sign_with_header<T: serde::Serialize + ?Sized>(
        &self,
        header_b64: &str,
        claims: &T,
    ) -> Result<String, SignError> {
        let payload = serde_json::to_vec(claims).map_err(|_| SignError("claims"))?;
        let mut token =
            String::with_capacity(header_b64.len() + 2 + payload.len().div_ceil(3) * 4 + 342 + 2);
        token.push_str(header_b64);
        token.push('.');
        B64URL.encode_string(&payload, &mut token);
        let signature = self.sign_bytes(token.as_bytes())?;
        token.push('.');
        B64URL.encode_string(&signature, &mut token);
        Ok(token)
    }

    /// The public key as PKCS#1 DER (what a certificate's subjectPublicKey holds).
    pub fn public_pkcs1_der(&self) -> &[u8] {
        &self.public_pkcs1_der
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message` (256 bytes for Cognito's 2048-bit keys).
    pub fn sign_bytes(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let pair = self.pair()?;
        let mut signature = vec![0u8; pair.public_modulus_len()];
        // PKCS#1 v1.5 padding needs no randomness; aws-lc blinds the private operation itself.
        pair.sign(
            &RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            message,
            &mut signature,
        )
        .map_err(|_| SignError("sign"))?;
        Ok(signature)
    }

    /// True when `token` is a compact JWT whose header says RS256 with this key's kid and
    /// whose signature this key made. The payload is left to the caller.
    pub fn verify_jwt_signature(&self, token: &str) -> bool {
        let Some((signed, signature)) = token.rsplit_once('.') else {
            return false;
        };
        let Some((header, payload)) = signed.split_once('.') else {
            return false;
        };
        if payload.contains('.') {
            return false;
        }
        let Ok(header) = B64URL.decode(header) else {
            return false;
        };
        match serde_json::from_slice::<ReceivedHeader>(&header) {
            Ok(h) if h.alg == "RS256" && h.kid.as_deref() == Some(self.kid.as_str()) => {}
            _ => return false,
        }
        let Ok(signature) = B64URL.decode(signature) else {
            return false;
        };
        self.public()
            .is_some_and(|k| k.verify_sig(signed.as_bytes(), &signature).is_ok())
    }

    /// The payload of a token `verify_jwt_signature` accepts.
    pub fn verify_jwt(&self, token: &str) -> Option<Map<String, Value>> {
        if !self.verify_jwt_signature(token) {
            return None;
        }
        let payload = token.split('.').nth(1)?;
        serde_json::from_slice(&B64URL.decode(payload).ok()?).ok()
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
    use rsa::pkcs1::DecodeRsaPrivateKey;

    #[test]
    fn generated_keys_load_and_have_distinct_stable_kids() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a.kid, b.kid);
        assert_eq!(a.kid.len(), 44);
        let loaded = SigningKey::from_stored(&a.kid, &a.private_pkcs1_der).unwrap();
        let parsed = rsa::RsaPrivateKey::from_pkcs1_der(&a.private_pkcs1_der).unwrap();
        assert_eq!(kid_of(&parsed).unwrap(), a.kid);
        // The DER-only load gives what the rsa crate's full parse does.
        assert_eq!(loaded.n, B64URL.encode(parsed.n().to_bytes_be()));
        assert_eq!(loaded.e, B64URL.encode(parsed.e().to_bytes_be()));
        let public = parsed.to_public_key().to_pkcs1_der().unwrap();
        assert_eq!(loaded.public_pkcs1_der(), public.as_bytes());
        assert!(SigningKey::from_stored("k", &a.private_pkcs1_der[..100]).is_err());
        assert!(SigningKey::from_stored("k", b"not a key").is_err());
        let jwk = loaded.jwk();
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["alg"], "RS256");
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["e"], "AQAB");
        // 2048-bit modulus: 256 bytes -> 342 base64url characters.
        assert_eq!(jwk["n"].as_str().unwrap().len(), 342);
        assert!(!format!("{loaded:?}").contains(&jwk["n"].as_str().unwrap()[..20]));
    }

    #[test]
    fn sign_jwt_is_byte_identical_to_jsonwebtoken_and_verifies() {
        let g = generate().unwrap();
        let key = SigningKey::from_stored(&g.kid, &g.private_pkcs1_der).unwrap();
        let claims = serde_json::json!({
            "sub": "5f1e3c2a-1b2c-4d5e-8f90-0123456789ab",
            "iss": "http://127.0.0.1:9229/us-east-1_AbCdEfGhI",
            "cognito:groups": ["a/b", "é"],
            "token_use": "access",
            "exp": 1_700_003_600,
            "scope": "aws.cognito.signin.user.admin",
        });
        let encoding = jsonwebtoken::EncodingKey::from_rsa_der(&g.private_pkcs1_der);
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.typ = None;
        header.kid = Some(key.kid.clone());
        let reference = jsonwebtoken::encode(&header, &claims, &encoding).unwrap();
        let ours = key.sign_jwt(&claims).unwrap();
        // PKCS#1 v1.5 signatures are deterministic: the whole token must match.
        assert_eq!(ours, reference);
        assert_eq!(key.verify_jwt(&ours).unwrap(), *claims.as_object().unwrap());

        // With jsonwebtoken's default header (typ JWT), as the identity service signs.
        header.typ = Some("JWT".into());
        let reference = jsonwebtoken::encode(&header, &claims, &encoding).unwrap();
        let typed = key.sign_jwt_with_typ("JWT", &claims).unwrap();
        assert_eq!(typed, reference);
        assert_eq!(
            key.verify_jwt(&typed).unwrap(),
            *claims.as_object().unwrap()
        );

        // jsonwebtoken accepts ours with the public key.
        let n = B64URL.decode(&key.n).unwrap();
        let e = B64URL.decode(&key.e).unwrap();
        let decoding = jsonwebtoken::DecodingKey::from_rsa_raw_components(&n, &e);
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        v.validate_exp = false;
        v.required_spec_claims.clear();
        jsonwebtoken::decode::<serde_json::Value>(&ours, &decoding, &v).unwrap();
        jsonwebtoken::decode::<serde_json::Value>(&typed, &decoding, &v).unwrap();

        // Refusals: another key, a changed payload, a wrong kid or alg, malformed tokens.
        let other = generate().unwrap();
        let other = SigningKey::from_stored(&key.kid, &other.private_pkcs1_der).unwrap();
        assert!(!other.verify_jwt_signature(&ours));
        let parts: Vec<&str> = ours.split('.').collect();
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            B64URL.encode(br#"{"sub":"x"}"#),
            parts[2]
        );
        assert!(!key.verify_jwt_signature(&tampered));
        let renamed = SigningKey::from_stored("other-kid", &g.private_pkcs1_der).unwrap();
        assert!(!renamed.verify_jwt_signature(&ours));
        let hs = format!(
            "{}.{}.{}",
            B64URL.encode(format!(r#"{{"alg":"HS256","kid":"{}"}}"#, key.kid)),
            parts[1],
            parts[2]
        );
        assert!(!key.verify_jwt_signature(&hs));
        for bad in [
            "",
            "a.b",
            "a.b.c.d",
            &format!("{ours}.x"),
            &ours[..ours.len() - 2],
        ] {
            assert!(!key.verify_jwt_signature(bad), "{bad}");
        }
    }
}
