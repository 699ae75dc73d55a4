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

/// Parsing options for documents from outside: no DTD (so no entity expansion), a bounded
/// node count.
pub fn parsing_options() -> ParsingOptions {
    ParsingOptions {
        allow_dtd: false,
        nodes_limit: 50_000,
    }
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
    let doc = Document::parse_with_options(xml, parsing_options())
        .map_err(|e| format!("the metadata is not well-formed XML: {e}"))?;
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
