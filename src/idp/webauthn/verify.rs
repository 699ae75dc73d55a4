//! WebAuthn Level 2 relying-party checks, pure (no I/O): registration (§7.1: client data,
//! attestation object, authenticator data, attestation formats `none` and `packed`) and
//! authentication (§7.2: client data, authenticator data, assertion signature, sign count).
//! Signatures are checked with aws-lc-rs (ES256, RS256, EdDSA), COSE keys and attestation
//! objects read with `cbor`.

use super::cbor::{self, Value};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1, ED25519, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents,
    UnparsedPublicKey,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use sha2::{Digest, Sha256};

/// COSE algorithms accepted (and offered in pubKeyCredParams, in this order).
pub const ES256: i64 = -7;
pub const RS256: i64 = -257;
pub const EDDSA: i64 = -8;

const FLAG_UP: u8 = 0x01;
const FLAG_UV: u8 = 0x04;
const FLAG_AT: u8 = 0x40;
const FLAG_ED: u8 = 0x80;

/// Why a credential was refused (the handlers map each to Cognito's error).
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The client data's challenge is not the one issued.
    Challenge,
    /// The client data's origin is not one the relying party allows.
    Origin(String),
    /// The authenticator data names another relying party.
    RelyingParty,
    /// A format, algorithm or key type this verifier does not support.
    Unsupported(String),
    /// Not well-formed, wrong type, a flag missing, a bad signature, a sign count gone back.
    Invalid(String),
}

fn invalid(why: impl Into<String>) -> Failure {
    Failure::Invalid(why.into())
}

/// What the relying party expects of a ceremony.
pub struct Expected<'a> {
    /// The challenge issued (base64url).
    pub challenge: &'a str,
    pub rp_id: &'a str,
    pub require_uv: bool,
}

/// Whether `origin` may speak for `rp_id`: `https://rp_id` or a subdomain of it; for the
/// relying party `localhost`, also `http://localhost` on any port (WebAuthn treats
/// localhost as a secure context).
pub fn origin_allowed(origin: &str, rp_id: &str) -> bool {
    let (scheme, rest) = match origin.split_once("://") {
        Some(parts) => parts,
        None => return false,
    };
    // host[:port], no path.
    if rest.contains('/') || rest.is_empty() {
        return false;
    }
    let host = match rest.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        Some(_) => return false,
        None => rest,
    };
    let host = host.to_ascii_lowercase();
    let rp = rp_id.to_ascii_lowercase();
    let same_site = host == rp || host.ends_with(&format!(".{rp}"));
    match scheme {
        "https" => same_site,
        "http" => rp == "localhost" && host == "localhost",
        _ => false,
    }
}

/// The parsed authenticator data (§6.1).
#[derive(Debug)]
pub struct AuthData {
    pub rp_id_hash: [u8; 32],
    pub flags: u8,
    pub sign_count: u32,
    /// Attested credential data: credential id and its COSE public key (raw CBOR).
    pub credential: Option<(Vec<u8>, Vec<u8>)>,
}

impl AuthData {
    pub fn user_present(&self) -> bool {
        self.flags & FLAG_UP != 0
    }
    pub fn user_verified(&self) -> bool {
        self.flags & FLAG_UV != 0
    }
}

pub fn parse_auth_data(data: &[u8]) -> Result<AuthData, Failure> {
    let short = || invalid("authenticator data is too short");
    let rp_id_hash: [u8; 32] = data
        .get(..32)
        .ok_or_else(short)?
        .try_into()
        .map_err(|_| short())?;
    let flags = *data.get(32).ok_or_else(short)?;
    let count: [u8; 4] = data
        .get(33..37)
        .ok_or_else(short)?
        .try_into()
        .map_err(|_| short())?;
    let mut pos = 37;
    let credential = if flags & FLAG_AT != 0 {
        // aaguid (16), credential id length (2), credential id, COSE key.
        pos += 16;
        let len_bytes = data.get(pos..pos + 2).ok_or_else(short)?;
        let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        pos += 2;
        let id = data.get(pos..pos + len).ok_or_else(short)?.to_vec();
        pos += len;
        let rest = data.get(pos..).ok_or_else(short)?;
        let (_, used) =
            cbor::decode(rest).ok_or_else(|| invalid("malformed credential public key"))?;
        let key = rest.get(..used).ok_or_else(short)?.to_vec();
        pos += used;
        Some((id, key))
    } else {
        None
    };
    if flags & FLAG_ED != 0 {
        let rest = data.get(pos..).ok_or_else(short)?;
        let (_, used) = cbor::decode(rest).ok_or_else(|| invalid("malformed extensions"))?;
        pos += used;
    }
    if pos != data.len() {
        return Err(invalid("trailing bytes in authenticator data"));
    }
    Ok(AuthData {
        rp_id_hash,
        flags,
        sign_count: u32::from_be_bytes(count),
        credential,
    })
}

/// Checks the client data of a ceremony (`webauthn.create` or `webauthn.get`).
fn check_client_data(client_data_json: &[u8], ty: &str, exp: &Expected) -> Result<(), Failure> {
    let cd: serde_json::Value = serde_json::from_slice(client_data_json)
        .map_err(|_| invalid("clientDataJSON is not JSON"))?;
    if cd["type"].as_str() != Some(ty) {
        return Err(invalid(format!("clientDataJSON type must be {ty}")));
    }
    let given = cd["challenge"]
        .as_str()
        .and_then(|c| B64URL.decode(c.trim_end_matches('=')).ok());
    let issued = B64URL.decode(exp.challenge).ok();
    if given.is_none() || given != issued {
        return Err(Failure::Challenge);
    }
    let origin = cd["origin"].as_str().unwrap_or_default();
    if !origin_allowed(origin, exp.rp_id) {
        return Err(Failure::Origin(origin.to_string()));
    }
    Ok(())
}

fn check_auth_data(auth: &AuthData, exp: &Expected) -> Result<(), Failure> {
    if auth.rp_id_hash[..] != Sha256::digest(exp.rp_id.as_bytes())[..] {
        return Err(Failure::RelyingParty);
    }
    if !auth.user_present() {
        return Err(invalid("the authenticator did not report user presence"));
    }
    if exp.require_uv && !auth.user_verified() {
        return Err(invalid(
            "user verification is required and the authenticator did not verify the user",
        ));
    }
    Ok(())
}

/// A COSE public key's algorithm.
pub fn cose_alg(cose_key: &[u8]) -> Result<i64, Failure> {
    let key = cbor::decode_all(cose_key).ok_or_else(|| invalid("malformed COSE key"))?;
    key.int_key(3)
        .and_then(Value::as_int)
        .ok_or_else(|| invalid("COSE key without alg"))
}

/// Verifies `sig` over `msg` with a COSE public key (EC2 P-256 / ES256, RSA / RS256,
/// OKP Ed25519 / EdDSA).
pub fn verify_cose(cose_key: &[u8], msg: &[u8], sig: &[u8]) -> Result<(), Failure> {
    let key = cbor::decode_all(cose_key).ok_or_else(|| invalid("malformed COSE key"))?;
    let int = |k: i64| key.int_key(k).and_then(Value::as_int);
    let bytes = |k: i64| key.int_key(k).and_then(Value::as_bytes);
    let bad_sig = || invalid("the signature does not verify");
    match (int(1), int(3)) {
        (Some(2), Some(ES256)) => {
            if int(-1) != Some(1) {
                return Err(Failure::Unsupported("EC2 keys must be on P-256".into()));
            }
            let (x, y) = bytes(-2)
                .zip(bytes(-3))
                .filter(|(x, y)| x.len() == 32 && y.len() == 32)
                .ok_or_else(|| invalid("malformed EC2 key"))?;
            let mut point = vec![0x04];
            point.extend_from_slice(x);
            point.extend_from_slice(y);
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, point)
                .verify(msg, sig)
                .map_err(|_| bad_sig())
        }
        (Some(3), Some(RS256)) => {
            let (n, e) = bytes(-1)
                .zip(bytes(-2))
                .ok_or_else(|| invalid("malformed RSA key"))?;
            RsaPublicKeyComponents { n, e }
                .verify(&RSA_PKCS1_2048_8192_SHA256, msg, sig)
                .map_err(|_| bad_sig())
        }
        (Some(1), Some(EDDSA)) => {
            if int(-1) != Some(6) {
                return Err(Failure::Unsupported("OKP keys must be Ed25519".into()));
            }
            let x = bytes(-2).ok_or_else(|| invalid("malformed OKP key"))?;
            UnparsedPublicKey::new(&ED25519, x)
                .verify(msg, sig)
                .map_err(|_| bad_sig())
        }
        (kty, alg) => Err(Failure::Unsupported(format!(
            "COSE key type {kty:?} with algorithm {alg:?}"
        ))),
    }
}

/// A credential that passed registration.
#[derive(Debug)]
pub struct Registered {
    pub id: Vec<u8>,
    pub cose_key: Vec<u8>,
    pub sign_count: u32,
    pub fmt: String,
}

/// §7.1 steps 5-24 for the formats `none` and `packed` (self and x5c attestation; the
/// certificate chain is not checked against trust anchors, as Cognito accepts any
/// authenticator).
pub fn verify_registration(
    client_data_json: &[u8],
    attestation_object: &[u8],
    exp: &Expected,
) -> Result<Registered, Failure> {
    check_client_data(client_data_json, "webauthn.create", exp)?;
    let att = cbor::decode_all(attestation_object)
        .ok_or_else(|| invalid("attestationObject is not CBOR"))?;
    let fmt = att
        .text_key("fmt")
        .and_then(Value::as_text)
        .ok_or_else(|| invalid("attestationObject without fmt"))?;
    let auth_bytes = att
        .text_key("authData")
        .and_then(Value::as_bytes)
        .ok_or_else(|| invalid("attestationObject without authData"))?;
    let stmt = att
        .text_key("attStmt")
        .ok_or_else(|| invalid("attestationObject without attStmt"))?;
    let auth = parse_auth_data(auth_bytes)?;
    check_auth_data(&auth, exp)?;
    let (id, cose_key) = auth
        .credential
        .clone()
        .ok_or_else(|| invalid("no attested credential data"))?;
    let alg = cose_alg(&cose_key)?;
    if ![ES256, RS256, EDDSA].contains(&alg) {
        return Err(Failure::Unsupported(format!("COSE algorithm {alg}")));
    }
    let client_hash = Sha256::digest(client_data_json);
    let mut signed = auth_bytes.to_vec();
    signed.extend_from_slice(&client_hash);
    match fmt {
        "none" => {
            if !matches!(stmt, Value::Map(m) if m.is_empty()) {
                return Err(invalid("a none attestation carries an empty attStmt"));
            }
        }
        "packed" => {
            let stmt_alg = stmt
                .text_key("alg")
                .and_then(Value::as_int)
                .ok_or_else(|| invalid("packed attStmt without alg"))?;
            let sig = stmt
                .text_key("sig")
                .and_then(Value::as_bytes)
                .ok_or_else(|| invalid("packed attStmt without sig"))?;
            match stmt.text_key("x5c") {
                Some(Value::Array(certs)) => {
                    let cert = certs
                        .first()
                        .and_then(Value::as_bytes)
                        .ok_or_else(|| invalid("packed x5c without a certificate"))?;
                    verify_with_certificate(cert, stmt_alg, &signed, sig)?;
                }
                Some(_) => return Err(invalid("packed x5c must be an array")),
                None => {
                    // Self attestation: signed by the credential key itself.
                    if stmt_alg != alg {
                        return Err(invalid("self attestation alg differs from the key's"));
                    }
                    verify_cose(&cose_key, &signed, sig)?;
                }
            }
        }
        other => {
            return Err(Failure::Unsupported(format!("attestation format {other}")));
        }
    }
    Ok(Registered {
        id,
        cose_key,
        sign_count: auth.sign_count,
        fmt: fmt.to_string(),
    })
}

/// §7.2 steps 11-21: client data, authenticator data, the signature with the stored key, and
/// the sign count (which must grow when either side is non-zero). Answers the new count.
pub fn verify_assertion(
    client_data_json: &[u8],
    authenticator_data: &[u8],
    signature: &[u8],
    cose_key: &[u8],
    stored_count: u32,
    exp: &Expected,
) -> Result<u32, Failure> {
    check_client_data(client_data_json, "webauthn.get", exp)?;
    let auth = parse_auth_data(authenticator_data)?;
    check_auth_data(&auth, exp)?;
    let mut signed = authenticator_data.to_vec();
    signed.extend_from_slice(&Sha256::digest(client_data_json));
    verify_cose(cose_key, &signed, signature)?;
    if (auth.sign_count != 0 || stored_count != 0) && auth.sign_count <= stored_count {
        return Err(invalid(
            "the signature counter did not increase (a cloned authenticator?)",
        ));
    }
    Ok(auth.sign_count)
}

/// The attestation certificate's key checks the packed signature. Just enough DER to reach
/// SubjectPublicKeyInfo: Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version,
/// serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, ... }, ... }.
fn verify_with_certificate(cert: &[u8], alg: i64, msg: &[u8], sig: &[u8]) -> Result<(), Failure> {
    let bad = || invalid("malformed attestation certificate");
    let (tag, certificate, _) = der(cert).ok_or_else(bad)?;
    if tag != 0x30 {
        return Err(bad());
    }
    let (tag, mut tbs, _) = der(certificate).ok_or_else(bad)?;
    if tag != 0x30 {
        return Err(bad());
    }
    let mut fields = Vec::new();
    while !tbs.is_empty() {
        let (tag, content, rest) = der(tbs).ok_or_else(bad)?;
        fields.push((tag, content));
        tbs = rest;
    }
    // Skip the explicit [0] version when present.
    let offset = usize::from(fields.first().is_some_and(|(t, _)| *t == 0xa0));
    let (tag, spki) = *fields.get(offset + 5).ok_or_else(bad)?;
    if tag != 0x30 {
        return Err(bad());
    }
    let (_, _alg_id, rest) = der(spki).ok_or_else(bad)?;
    let (tag, bits, _) = der(rest).ok_or_else(bad)?;
    if tag != 0x03 || bits.first() != Some(&0) {
        return Err(bad());
    }
    let key = &bits[1..];
    let verified = match alg {
        ES256 => UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, key).verify(msg, sig),
        RS256 => UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key).verify(msg, sig),
        EDDSA => UnparsedPublicKey::new(&ED25519, key).verify(msg, sig),
        other => {
            return Err(Failure::Unsupported(format!(
                "attestation algorithm {other}"
            )));
        }
    };
    verified.map_err(|_| invalid("the attestation signature does not verify"))
}

/// One DER element: (tag, content, the bytes after it). Single-byte tags, definite lengths.
fn der(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *bytes.first()?;
    let first = *bytes.get(1)?;
    let (len, start) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for b in bytes.get(2..2 + n)? {
            len = (len << 8) | usize::from(*b);
        }
        (len, 2 + n)
    };
    let end = start.checked_add(len)?;
    Some((tag, bytes.get(start..end)?, bytes.get(end..)?))
}

#[cfg(test)]
pub(crate) mod tests;
