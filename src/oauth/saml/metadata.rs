//! A SAML IdP's metadata: its entity ID, where its single sign-on (and sign-out) service
//! listens, and the certificates it signs with — what Cognito reads from `MetadataFile` or
//! `MetadataURL` ("Adding SAML identity providers to a user pool").

use crate::idp::shapes::IdentityProviderType;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use roxmltree::{Document, Node, ParsingOptions};
use x509_cert::der::Decode;

pub const MD_NS: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const DSIG_NS: &str = crate::crypto::xmldsig::DSIG_NS;
pub const REDIRECT_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
pub const POST_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
/// rsaEncryption, the only key type the verifier takes.
const RSA_OID: x509_cert::der::asn1::ObjectIdentifier =
    x509_cert::der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// The largest metadata document read (a federation's aggregate is not an IdP's metadata).
pub const MAX_METADATA_BYTES: usize = 1 << 20;

/// A signing certificate's public key.
#[derive(Debug, Clone)]
pub struct SigningKey {
    /// DER RSAPublicKey.
    pub rsa_public_key: Vec<u8>,
    /// When the certificate stops being valid (Unix seconds).
    pub not_after: i64,
}

#[derive(Debug, Clone)]
pub struct Metadata {
    pub entity_id: String,
    pub sso_redirect: Option<String>,
    pub sso_post: Option<String>,
    pub slo_redirect: Option<String>,
    pub signing_keys: Vec<SigningKey>,
}

/// The deepest element nesting read. SAML documents nest about ten deep; the bound keeps
/// the (recursive) canonicalizer far from the end of a worker thread's stack.
pub const MAX_DEPTH: usize = 64;

/// Whether start tags in `xml` nest deeper than `max`, found by a scan of the text (roxmltree's
/// tokenizer recurses per element, so a deep document must be refused before it parses).
/// Comments, CDATA, processing instructions and quoted attribute values are skipped.
fn nests_deeper_than(xml: &str, max: usize) -> bool {
    let b = xml.as_bytes();
    let skip_past = |from: usize, end: &str| {
        xml.get(from..)
            .and_then(|rest| rest.find(end))
            .map_or(b.len(), |i| from + i + end.len())
    };
    let (mut i, mut depth) = (0, 0usize);
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &xml[i..];
        if rest.starts_with("<!--") {
            i = skip_past(i, "-->");
        } else if rest.starts_with("<![CDATA[") {
            i = skip_past(i, "]]>");
        } else if rest.starts_with("<?") {
            i = skip_past(i, "?>");
        } else if rest.starts_with("</") || rest.starts_with("<!") {
            depth = depth.saturating_sub(usize::from(rest.starts_with("</")));
            i = skip_past(i, ">");
        } else {
            // A start tag: to its end, past quoted values; `/>` closes it at once.
            let mut j = i + 1;
            let mut quote = None;
            while j < b.len() {
                match (quote, b[j]) {
                    (Some(q), c) if c == q => quote = None,
                    (None, b'"' | b'\'') => quote = Some(b[j]),
                    (None, b'>') => break,
                    _ => {}
                }
                j += 1;
            }
            if b.get(j - 1) != Some(&b'/') {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            i = j + 1;
        }
    }
    false
}

/// Parses a document from outside: no DTD (so no entity expansion), a bounded node count
/// and nesting depth.
pub fn parse_untrusted(xml: &str) -> Result<Document<'_>, String> {
    if nests_deeper_than(xml, MAX_DEPTH) {
        return Err(format!("elements nest more than {MAX_DEPTH} deep"));
    }
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: 50_000,
    };
    let doc = Document::parse_with_options(xml, options).map_err(|e| e.to_string())?;
    // Parents come before their children in document order: one pass finds every depth.
    let mut depth = vec![0usize; doc.descendants().count() + 1];
    for node in doc.descendants() {
        let d = node.parent().map_or(0, |p| {
            depth.get(p.id().get_usize()).copied().unwrap_or(0) + 1
        });
        if d > MAX_DEPTH {
            return Err(format!("elements nest more than {MAX_DEPTH} deep"));
        }
        if let Some(slot) = depth.get_mut(node.id().get_usize()) {
            *slot = d;
        }
    }
    Ok(doc)
}

/// The RSA public key of a DER X.509 certificate.
pub fn certificate_key(der: &[u8]) -> Result<SigningKey, String> {
    let cert = x509_cert::Certificate::from_der(der)
        .map_err(|e| format!("the certificate cannot be read: {e}"))?;
    let tbs = &cert.tbs_certificate;
    let spki = &tbs.subject_public_key_info;
    if spki.algorithm.oid != RSA_OID {
        return Err("the certificate's key is not an RSA key".into());
    }
    let key = spki
        .subject_public_key
        .as_bytes()
        .ok_or("the certificate's key is malformed")?
        .to_vec();
    let not_after = tbs.validity.not_after.to_unix_duration().as_secs();
    Ok(SigningKey {
        rsa_public_key: key,
        not_after: i64::try_from(not_after).unwrap_or(i64::MAX),
    })
}

fn md<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.has_tag_name((MD_NS, name)))
}

fn service(idp: Node, name: &'static str, binding: &str) -> Option<String> {
    md(idp, name)
        .find(|s| s.attribute("Binding") == Some(binding))
        .and_then(|s| s.attribute("Location"))
        .map(str::to_string)
}

/// Parses IdP metadata: an EntityDescriptor (alone or the first with an IDPSSODescriptor in
/// an EntitiesDescriptor).
pub fn parse(xml: &str) -> Result<Metadata, String> {
    if xml.len() > MAX_METADATA_BYTES {
        return Err("the metadata document is too large".into());
    }
    let doc =
        parse_untrusted(xml).map_err(|e| format!("the metadata is not well-formed XML: {e}"))?;
    let root = doc.root_element();
    let entity = if root.has_tag_name((MD_NS, "EntityDescriptor")) {
        Some(root)
    } else if root.has_tag_name((MD_NS, "EntitiesDescriptor")) {
        md(root, "EntityDescriptor").find(|e| md(*e, "IDPSSODescriptor").next().is_some())
    } else {
        None
    }
    .ok_or("the metadata has no EntityDescriptor")?;
    let entity_id = entity
        .attribute("entityID")
        .filter(|e| !e.is_empty())
        .ok_or("the EntityDescriptor has no entityID")?;
    let idp = md(entity, "IDPSSODescriptor")
        .next()
        .ok_or("the metadata has no IDPSSODescriptor")?;
    let mut signing_keys = Vec::new();
    for kd in md(idp, "KeyDescriptor").filter(|k| k.attribute("use").is_none_or(|u| u == "signing"))
    {
        for cert in kd
            .descendants()
            .filter(|n| n.has_tag_name((DSIG_NS, "X509Certificate")))
        {
            let text: String = cert
                .text()
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let der = B64
                .decode(text)
                .map_err(|_| "an X509Certificate is not base64")?;
            signing_keys.push(certificate_key(&der)?);
        }
    }
    if signing_keys.is_empty() {
        return Err("the metadata has no signing certificate".into());
    }
    let sso_redirect = service(idp, "SingleSignOnService", REDIRECT_BINDING);
    let sso_post = service(idp, "SingleSignOnService", POST_BINDING);
    if sso_redirect.is_none() && sso_post.is_none() {
        return Err("the metadata has no HTTP-Redirect or HTTP-POST SingleSignOnService".into());
    }
    Ok(Metadata {
        entity_id: entity_id.to_string(),
        sso_redirect,
        sso_post,
        slo_redirect: service(idp, "SingleLogoutService", REDIRECT_BINDING),
        signing_keys,
    })
}

/// The metadata document of a SAML provider: its MetadataFile, or what its MetadataURL
/// answers now.
pub async fn document(
    details: &std::collections::BTreeMap<String, String>,
) -> Result<String, String> {
    if let Some(file) = details.get("MetadataFile").filter(|f| !f.is_empty()) {
        return Ok(file.clone());
    }
    let url = details
        .get("MetadataURL")
        .filter(|u| !u.is_empty())
        .ok_or("the provider has neither MetadataFile nor MetadataURL")?;
    let answer = crate::http_client::send(
        axum::http::Method::GET,
        url,
        &[("accept", "application/xml")],
        Vec::new(),
    )
    .await?;
    if !(200..300).contains(&answer.status) {
        return Err(format!("{url} answered HTTP {}", answer.status));
    }
    if answer.body.len() > MAX_METADATA_BYTES {
        return Err("the metadata document is too large".into());
    }
    String::from_utf8(answer.body).map_err(|_| "the metadata is not UTF-8".to_string())
}

/// A SAML provider's parsed metadata.
pub async fn of_provider(p: &IdentityProviderType) -> Result<Metadata, String> {
    let details = p.provider_details.clone().unwrap_or_default();
    parse(&document(&details).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_counted_past_comments_cdata_and_quoted_values() {
        let nested = |n: usize| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        assert!(!nests_deeper_than(&nested(3), 3));
        assert!(nests_deeper_than(&nested(4), 3));
        let tricky =
            r#"<a x="/>" y='>'><!-- <b><c><d> --><![CDATA[<b><c><d>]]><?pi <b>?><e/><e/></a>"#;
        assert!(!nests_deeper_than(tricky, 1));
        assert!(nests_deeper_than(r#"<a x="/>"><b><c/></b></a>"#, 1));
        assert!(parse_untrusted(&nested(MAX_DEPTH)).is_ok());
        assert!(parse_untrusted(&nested(100_000)).is_err());
    }
}
