//! A self-signed X.509 certificate over a pool's signing key (GetSigningCertificate).
//!
//! The structure comes from x509-cert's types (DER encoding, names, times); the signature is
//! made by the same aws-lc-rs RS256 signer the tokens use, so no second RSA implementation
//! signs anything. RSASSA-PKCS1-v1_5 is deterministic: the same key, name and validity give
//! the same certificate on every call, so nothing has to be stored.

use super::keys::{SignError, SigningKey};
use std::str::FromStr;
use std::time::Duration;
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::der::Encode;
use x509_cert::der::asn1::{Any, BitString, GeneralizedTime, UtcTime};
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};

/// rsaEncryption (RFC 8017).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// sha256WithRSAEncryption (RFC 8017).
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// "Issued certificates are valid for 10 years from the date of issue" (GetSigningCertificate).
pub const VALID_YEARS: u64 = 10;

#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    #[error("certificate encoding: {0}")]
    Der(#[from] x509_cert::der::Error),
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error("certificate name: {0}")]
    Name(String),
}

/// RFC 5280: UTCTime through 2049, GeneralizedTime after.
fn time(secs: u64) -> Result<Time, CertificateError> {
    let at = Duration::from_secs(secs);
    Ok(if secs < 2_524_608_000 {
        Time::UtcTime(UtcTime::from_unix_duration(at)?)
    } else {
        Time::GeneralTime(GeneralizedTime::from_unix_duration(at)?)
    })
}

/// DER of a self-signed certificate for `key`, subject and issuer `CN=<common_name>`, valid
/// for ten years from `not_before` (epoch seconds).
pub fn self_signed(
    key: &SigningKey,
    common_name: &str,
    not_before: u64,
) -> Result<Vec<u8>, CertificateError> {
    let name = Name::from_str(&format!("CN={common_name}"))
        .map_err(|e| CertificateError::Name(e.to_string()))?;
    let algorithm = AlgorithmIdentifierOwned {
        oid: SHA256_WITH_RSA,
        parameters: Some(Any::null()),
    };
    // A positive serial from the key's kid: stable for the key, distinct between keys.
    let mut serial = key.kid.as_bytes()[..key.kid.len().min(16)].to_vec();
    serial[0] &= 0x7f;
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&serial)?,
        signature: algorithm.clone(),
        issuer: name.clone(),
        validity: Validity {
            not_before: time(not_before)?,
            not_after: time(not_before + VALID_YEARS * 365 * 86_400)?,
        },
        subject: name,
        subject_public_key_info: SubjectPublicKeyInfoOwned {
            algorithm: AlgorithmIdentifierOwned {
                oid: RSA_ENCRYPTION,
                parameters: Some(Any::null()),
            },
            subject_public_key: BitString::from_bytes(key.public_pkcs1_der())?,
        },
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: None,
    };
    let signature = key.sign_bytes(&tbs.to_der()?)?;
    let cert = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(cert.to_der()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
    use x509_cert::der::Decode;

    #[test]
    fn the_certificate_carries_the_key_and_verifies_with_it() {
        let generated = crate::crypto::keys::generate().unwrap();
        let key = SigningKey::from_stored(&generated.kid, &generated.private_pkcs1_der).unwrap();
        let der = self_signed(&key, "us-east-1_AbCdEf123", 1_780_000_000).unwrap();
        assert_eq!(
            der,
            self_signed(&key, "us-east-1_AbCdEf123", 1_780_000_000).unwrap()
        );
        let cert = Certificate::from_der(&der).unwrap();
        let tbs = &cert.tbs_certificate;
        assert_eq!(tbs.subject.to_string(), "CN=us-east-1_AbCdEf123");
        assert_eq!(tbs.issuer, tbs.subject);
        assert_eq!(
            tbs.subject_public_key_info.subject_public_key.raw_bytes(),
            key.public_pkcs1_der()
        );
        let span =
            tbs.validity.not_after.to_unix_duration() - tbs.validity.not_before.to_unix_duration();
        assert_eq!(span.as_secs(), VALID_YEARS * 365 * 86_400);
        // The signature over the TBS verifies with the key's public half.
        let public = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key.public_pkcs1_der());
        public
            .verify(&tbs.to_der().unwrap(), cert.signature.raw_bytes())
            .unwrap();
    }
}
