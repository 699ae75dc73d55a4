use super::*;
use crate::idp::webauthn::soft_authenticator::SoftAuthenticator;
use serde_json::json;

const RP: &str = "localhost";
const ORIGIN: &str = "http://localhost:5173";

fn options(challenge: &str) -> serde_json::Value {
    json!({"rp": {"id": RP}, "rpId": RP, "challenge": challenge})
}

fn b64(v: &serde_json::Value) -> Vec<u8> {
    B64URL.decode(v.as_str().unwrap()).unwrap()
}

fn register(a: &mut SoftAuthenticator, fmt: &str, exp: &Expected) -> Result<Registered, Failure> {
    let cred = a.register(&options(exp.challenge), ORIGIN, fmt);
    verify_registration(
        &b64(&cred["response"]["clientDataJSON"]),
        &b64(&cred["response"]["attestationObject"]),
        exp,
    )
}

fn expected(challenge: &str) -> Expected<'_> {
    Expected {
        challenge,
        rp_id: RP,
        require_uv: false,
    }
}

#[test]
fn registers_none_and_packed_then_verifies_assertions() {
    for fmt in ["none", "packed"] {
        let mut a = SoftAuthenticator::new();
        let reg = register(&mut a, fmt, &expected("Y2hhbGxlbmdl")).unwrap();
        assert_eq!(reg.id, a.credential_id);
        assert_eq!(reg.fmt, fmt);
        assert_eq!(cose_alg(&reg.cose_key).unwrap(), ES256);
        let exp = expected("c2lnbi1pbg");
        let asn = a.assert(&options(exp.challenge), ORIGIN);
        let count = verify_assertion(
            &b64(&asn["response"]["clientDataJSON"]),
            &b64(&asn["response"]["authenticatorData"]),
            &b64(&asn["response"]["signature"]),
            &reg.cose_key,
            reg.sign_count,
            &exp,
        )
        .unwrap();
        assert_eq!(count, 1);
        // The same assertion again: the counter did not move.
        let replay = verify_assertion(
            &b64(&asn["response"]["clientDataJSON"]),
            &b64(&asn["response"]["authenticatorData"]),
            &b64(&asn["response"]["signature"]),
            &reg.cose_key,
            count,
            &exp,
        );
        assert!(matches!(replay, Err(Failure::Invalid(_))), "{replay:?}");
    }
}

#[test]
fn refuses_tampered_or_foreign_ceremonies() {
    let mut a = SoftAuthenticator::new();
    let reg = register(&mut a, "none", &expected("Y2hhbGxlbmdl")).unwrap();
    let exp = expected("c2lnbi1pbg");
    let asn = a.assert(&options(exp.challenge), ORIGIN);
    let cd = b64(&asn["response"]["clientDataJSON"]);
    let ad = b64(&asn["response"]["authenticatorData"]);
    let sig = b64(&asn["response"]["signature"]);
    // A flipped bit in the signed authenticator data.
    let mut tampered = ad.clone();
    tampered[36] ^= 1;
    assert!(matches!(
        verify_assertion(&cd, &tampered, &sig, &reg.cose_key, 0, &exp),
        Err(Failure::Invalid(_))
    ));
    // Another challenge, another relying party, another origin.
    assert_eq!(
        verify_assertion(&cd, &ad, &sig, &reg.cose_key, 0, &expected("b3RoZXI")),
        Err(Failure::Challenge)
    );
    let other_rp = Expected {
        challenge: exp.challenge,
        rp_id: "example.com",
        require_uv: false,
    };
    assert!(matches!(
        verify_assertion(&cd, &ad, &sig, &reg.cose_key, 0, &other_rp),
        Err(Failure::Origin(_))
    ));
    let evil = a.assert(&options(exp.challenge), "https://evil.test");
    assert!(matches!(
        verify_assertion(
            &b64(&evil["response"]["clientDataJSON"]),
            &b64(&evil["response"]["authenticatorData"]),
            &b64(&evil["response"]["signature"]),
            &reg.cose_key,
            0,
            &exp
        ),
        Err(Failure::Origin(_))
    ));
    // Another key.
    let other = SoftAuthenticator::new();
    let mut o2 = other;
    let reg2 = register(&mut o2, "none", &expected("Y2hhbGxlbmdl")).unwrap();
    assert!(matches!(
        verify_assertion(&cd, &ad, &sig, &reg2.cose_key, 0, &exp),
        Err(Failure::Invalid(_))
    ));
}

#[test]
fn user_verification_when_required() {
    let mut a = SoftAuthenticator::new();
    a.flags = 0x01; // presence only
    let exp = Expected {
        challenge: "Y2hhbGxlbmdl",
        rp_id: RP,
        require_uv: true,
    };
    assert!(matches!(
        register(&mut a, "none", &exp),
        Err(Failure::Invalid(_))
    ));
    assert!(register(&mut a, "none", &expected("Y2hhbGxlbmdl")).is_ok());
    a.flags = 0; // not even presence
    assert!(matches!(
        register(&mut a, "none", &expected("Y2hhbGxlbmdl")),
        Err(Failure::Invalid(_))
    ));
}

#[test]
fn unsupported_formats_and_mismatched_rp_ids() {
    let mut a = SoftAuthenticator::new();
    assert!(matches!(
        register(&mut a, "tpm", &expected("Y2hhbGxlbmdl")),
        Err(Failure::Unsupported(_))
    ));
    let opts = json!({"rp": {"id": "other.example"}, "challenge": "Y2hhbGxlbmdl"});
    let cred = a.register(&opts, ORIGIN, "none");
    assert_eq!(
        verify_registration(
            &b64(&cred["response"]["clientDataJSON"]),
            &b64(&cred["response"]["attestationObject"]),
            &expected("Y2hhbGxlbmdl"),
        )
        .unwrap_err(),
        Failure::RelyingParty
    );
    // Garbage never panics.
    for junk in [&[][..], &[0xa1, 0x63], &[0xff; 40]] {
        assert!(verify_registration(b"{}", junk, &expected("Y2hhbGxlbmdl")).is_err());
        assert!(parse_auth_data(junk).is_err());
    }
}

#[test]
fn origins_allowed_for_a_relying_party() {
    assert!(origin_allowed("http://localhost:3000", "localhost"));
    assert!(origin_allowed("http://localhost", "localhost"));
    assert!(origin_allowed("https://localhost:8443", "localhost"));
    assert!(origin_allowed("https://example.com", "example.com"));
    assert!(origin_allowed("https://auth.example.com", "example.com"));
    assert!(!origin_allowed("http://example.com", "example.com"));
    assert!(!origin_allowed("https://badexample.com", "example.com"));
    assert!(!origin_allowed("https://example.com.evil", "example.com"));
    assert!(!origin_allowed("http://127.0.0.1:3000", "localhost"));
    assert!(!origin_allowed("http://localhost:3000/path", "localhost"));
    assert!(!origin_allowed("localhost", "localhost"));
}

#[test]
fn packed_x5c_is_checked_with_the_certificate_key() {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
    let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    let der_el = |tag: u8, content: &[u8]| {
        let mut v = vec![tag, content.len() as u8];
        v.extend_from_slice(content);
        v
    };
    // A minimal certificate: version, serial, algorithm, issuer, validity, subject, SPKI.
    let mut bits = vec![0u8];
    bits.extend(key.public_key().as_ref());
    let spki = der_el(
        0x30,
        &[der_el(0x30, &[0x06, 0x01, 0x2a]), der_el(0x03, &bits)].concat(),
    );
    let tbs = [
        der_el(0xa0, &der_el(0x02, &[2])),
        der_el(0x02, &[1]),
        der_el(0x30, &[]),
        der_el(0x30, &[]),
        der_el(0x30, &[]),
        der_el(0x30, &[]),
        spki,
    ]
    .concat();
    let cert = der_el(0x30, &der_el(0x30, &tbs));
    let sig = key
        .sign(&aws_lc_rs::rand::SystemRandom::new(), b"msg")
        .unwrap();
    assert_eq!(
        verify_with_certificate(&cert, ES256, b"msg", sig.as_ref()),
        Ok(())
    );
    assert_eq!(
        verify_with_certificate(&cert, ES256, b"other", sig.as_ref()),
        Err(Failure::Invalid(
            "the attestation signature does not verify".into()
        ))
    );
    assert!(matches!(
        verify_with_certificate(&[0x30, 0x00], ES256, b"msg", b"sig"),
        Err(Failure::Invalid(_))
    ));
}
