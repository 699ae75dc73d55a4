//! The canonical forms lxml (libxml2) writes for the same input, made by
//! tests/fixtures/saml/make_fixtures.py.

use super::*;

const TRICKY: &str = include_str!("../../../tests/fixtures/saml/tricky.xml");

fn parse(xml: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(xml).unwrap()
}

#[test]
fn namespaces_attributes_and_escaping_match_libxml2() {
    let doc = parse(TRICKY);
    let inner = doc.root_element().first_element_child().unwrap();
    assert_eq!(
        exclusive(inner, &[], None),
        include_str!("../../../tests/fixtures/saml/tricky-inner.c14n")
    );
}

#[test]
fn the_prefix_list_renders_namespaces_in_scope_even_unused() {
    let doc = parse(TRICKY);
    let inner = doc.root_element().first_element_child().unwrap();
    assert_eq!(
        exclusive(inner, &["b", "unused", "not-in-scope"], None),
        include_str!("../../../tests/fixtures/saml/tricky-inner-prefixes.c14n")
    );
}

#[test]
fn a_signed_assertion_and_its_signed_info_match_libxml2() {
    let xml = include_str!("../../../tests/fixtures/saml/assertion-signed.xml");
    let doc = parse(xml);
    let assertion = doc
        .descendants()
        .find(|n| n.has_tag_name("Assertion"))
        .unwrap();
    let signature = assertion
        .children()
        .find(|n| n.has_tag_name("Signature"))
        .unwrap();
    assert_eq!(
        exclusive(assertion, &["xs"], Some(signature.id())),
        include_str!("../../../tests/fixtures/saml/assertion.c14n")
    );
    let signed_info = signature.first_element_child().unwrap();
    assert_eq!(
        exclusive(signed_info, &["xs"], None),
        include_str!("../../../tests/fixtures/saml/signedinfo.c14n")
    );
}
