//! Verifying an enveloped XML signature (XML-DSig) the way SAML uses it: one Reference to
//! the signature's parent element by ID, the enveloped-signature and exclusive-c14n
//! transforms, RSA with SHA-256 (or SHA-1, which older IdPs still send) and a digest of the
//! same family. Anything else is refused rather than half-understood.
//!
//! The verified element is returned by node id so the caller reads its data from that very
//! element: the signed element must be the Signature's parent and its ID must be unique in
//! the document, which is what defeats signature-wrapping tricks (a second element with the
//! same ID, or the signed element moved somewhere the reader does not look).

use super::c14n;
use aws_lc_rs::signature::{
    RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use roxmltree::{Document, Node, NodeId};
use sha1::Sha1;
use sha2::{Digest, Sha256};

pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";

/// The one `ds:` child of `node` named `name`; None when absent or repeated.
fn only_child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    let mut found = node
        .children()
        .filter(|c| c.is_element() && c.has_tag_name((DSIG_NS, name)));
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

fn algorithm<'a>(node: Node<'a, '_>) -> &'a str {
    node.attribute("Algorithm").unwrap_or_default()
}

/// The InclusiveNamespaces PrefixList under a c14n method or transform element.
fn prefix_list<'a>(node: Node<'a, '_>) -> Vec<&'a str> {
    node.children()
        .find(|c| c.has_tag_name((EXC_C14N, "InclusiveNamespaces")))
        .and_then(|c| c.attribute("PrefixList"))
        .map(|l| l.split_whitespace().collect())
        .unwrap_or_default()
}

/// Base64 as XML carries it: with line breaks and spaces.
fn decode_b64(text: &str) -> Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    B64.decode(compact)
        .map_err(|_| "malformed base64".to_string())
}

/// The elements of `doc` whose `ID` attribute is `id`.
fn elements_with_id<'a, 'i>(doc: &'a Document<'i>, id: &str) -> Vec<Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| n.is_element() && n.attribute("ID") == Some(id))
        .collect()
}

/// Verifies the `ds:Signature` element `signature` with any of `keys` (DER RSAPublicKey or
/// SubjectPublicKeyInfo); the id of the element it signs (its parent) when it holds.
pub fn verify(doc: &Document, signature: Node, keys: &[Vec<u8>]) -> Result<NodeId, String> {
    if !signature.has_tag_name((DSIG_NS, "Signature")) {
        return Err("not a ds:Signature element".into());
    }
    let signed_info = only_child(signature, "SignedInfo").ok_or("no SignedInfo")?;
    let c14n_method =
        only_child(signed_info, "CanonicalizationMethod").ok_or("no CanonicalizationMethod")?;
    if algorithm(c14n_method) != EXC_C14N {
        return Err(format!(
            "unsupported canonicalization {}",
            algorithm(c14n_method)
        ));
    }
    let method = algorithm(only_child(signed_info, "SignatureMethod").ok_or("no SignatureMethod")?);
    let scheme = match method {
        RSA_SHA256 => &RSA_PKCS1_2048_8192_SHA256,
        RSA_SHA1 => &RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        other => return Err(format!("unsupported signature method {other}")),
    };
    let reference = only_child(signed_info, "Reference").ok_or("not exactly one Reference")?;
    let id = reference
        .attribute("URI")
        .and_then(|u| u.strip_prefix('#'))
        .filter(|id| !id.is_empty())
        .ok_or("the Reference does not name an element by ID")?;
    let parent = signature
        .parent_element()
        .ok_or("the signature has no parent")?;
    let targets = elements_with_id(doc, id);
    if targets.len() != 1 || targets[0].id() != parent.id() {
        return Err("the signature does not sign its parent element".into());
    }
    let mut enveloped = false;
    let mut prefixes = Vec::new();
    if let Some(transforms) = only_child(reference, "Transforms") {
        for t in transforms.children().filter(|c| c.is_element()) {
            match algorithm(t) {
                ENVELOPED => enveloped = true,
                EXC_C14N => prefixes = prefix_list(t),
                other => return Err(format!("unsupported transform {other}")),
            }
        }
    }
    if !enveloped {
        return Err("the signature is not an enveloped signature".into());
    }
    let canonical = c14n::exclusive(parent, &prefixes, Some(signature.id()));
    let digest: Vec<u8> =
        match algorithm(only_child(reference, "DigestMethod").ok_or("no DigestMethod")?) {
            SHA256 => Sha256::digest(canonical.as_bytes()).to_vec(),
            SHA1 => Sha1::digest(canonical.as_bytes()).to_vec(),
            other => return Err(format!("unsupported digest {other}")),
        };
    let expected = only_child(reference, "DigestValue")
        .and_then(|d| d.text())
        .ok_or("no DigestValue")?;
    if decode_b64(expected)? != digest {
        return Err("the digest of the signed element does not match".into());
    }
    let signed_info_c14n = c14n::exclusive(signed_info, &prefix_list(c14n_method), None);
    let value = decode_b64(
        only_child(signature, "SignatureValue")
            .and_then(|v| v.text())
            .ok_or("no SignatureValue")?,
    )?;
    let holds = keys.iter().any(|k| {
        UnparsedPublicKey::new(scheme, k)
            .verify(signed_info_c14n.as_bytes(), &value)
            .is_ok()
    });
    if !holds {
        return Err("the signature does not verify with the IdP's signing certificates".into());
    }
    Ok(parent.id())
}

#[cfg(test)]
mod tests;
