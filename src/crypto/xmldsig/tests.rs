//! Signatures made by signxml (tests/fixtures/saml/make_fixtures.py), checked against the
//! certificate in the IdP's metadata.

use super::*;
use crate::oauth::saml::metadata;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../tests/fixtures/saml/", $name))
    };
}

fn keys() -> Vec<Vec<u8>> {
    metadata::parse(fixture!("idp-metadata.xml"))
        .unwrap()
        .signing_keys
        .into_iter()
        .map(|k| k.rsa_public_key)
        .collect()
}

/// Verifies the first signature found under the element named `signed`.
fn verify_under(xml: &str, signed: &str) -> Result<String, String> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let sig = doc
        .descendants()
        .find(|n| {
            n.has_tag_name((DSIG_NS, "Signature"))
                && n.parent_element().unwrap().tag_name().name() == signed
        })
        .expect("a signature");
    let id = verify(&doc, sig, &keys())?;
    Ok(doc
        .get_node(id)
        .unwrap()
        .attribute("ID")
        .unwrap()
        .to_string())
}

#[test]
fn a_response_signature_verifies() {
    assert_eq!(
        verify_under(fixture!("response-signed.xml"), "Response").unwrap(),
        "_resp1"
    );
}

#[test]
fn a_sha1_response_signature_verifies() {
    assert_eq!(
        verify_under(fixture!("response-signed-sha1.xml"), "Response").unwrap(),
        "_resp1"
    );
}

#[test]
fn an_assertion_signature_with_a_prefix_list_verifies() {
    assert_eq!(
        verify_under(fixture!("assertion-signed.xml"), "Assertion").unwrap(),
        "_assert-only"
    );
}

#[test]
fn a_changed_attribute_breaks_the_digest() {
    let e = verify_under(fixture!("tampered.xml"), "Assertion").unwrap_err();
    assert!(e.contains("digest"), "{e}");
}

#[test]
fn another_key_does_not_verify() {
    // The response carries the attacker's certificate in KeyInfo; only the metadata counts.
    let e = verify_under(fixture!("wrong-cert.xml"), "Response").unwrap_err();
    assert!(e.contains("does not verify"), "{e}");
}

#[test]
fn a_duplicated_id_is_refused() {
    let e = verify_under(fixture!("wrapped.xml"), "Assertion").unwrap_err();
    assert!(e.contains("does not sign its parent"), "{e}");
}

#[test]
fn a_signature_must_sign_its_parent() {
    // The response's signature moved under the Status: it still names #_resp1.
    let xml = fixture!("response-signed.xml");
    let doc = roxmltree::Document::parse(xml).unwrap();
    let sig = doc
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, "Signature")))
        .unwrap();
    let sig_text = &xml[sig.range()];
    let moved = xml.replacen(sig_text, "", 1).replacen(
        "</samlp:Status>",
        &format!("{sig_text}</samlp:Status>"),
        1,
    );
    let e = verify_under(&moved, "Status").unwrap_err();
    assert!(e.contains("does not sign its parent"), "{e}");
}
