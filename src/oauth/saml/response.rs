//! Reading an IdP's SAML Response for the user pool, with every check Cognito's developer
//! guide names ("Things to know about SAML IdPs", "SAML session initiation"): the XML
//! signature (on the Response or on the Assertion) against the metadata's signing
//! certificates, Status Success, the issuer, the audience
//! `urn:amazon:cognito:sp:<pool id>`, the validity window, the bearer confirmation's
//! recipient (our ACS URL) and InResponseTo, and for IdP-initiated sign-in no InResponseTo
//! and an assertion issued within the last six minutes.
//!
//! Data is read only from the one Assertion the document holds, a direct child of the
//! Response, and only when the element whose signature verified is that Assertion or the
//! Response around it.

use super::metadata::{Metadata, parse_untrusted};
use crate::crypto::xmldsig;
use roxmltree::Node;
use std::collections::BTreeMap;

pub const PROTOCOL_NS: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub const ASSERTION_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
/// Clock difference tolerated between the IdP and the emulator.
pub const SKEW_SECS: i64 = 60;
/// How old an unsolicited (IdP-initiated) assertion may be (Cognito: six minutes).
pub const IDP_INITIATED_MAX_AGE_SECS: i64 = 360;

/// What the response must say.
pub struct Expected<'a> {
    /// `urn:amazon:cognito:sp:<pool id>`.
    pub audience: &'a str,
    /// Our /saml2/idpresponse URL.
    pub acs_url: &'a str,
    /// The AuthnRequest ID for SP-initiated sign-in; None for IdP-initiated.
    pub request_id: Option<&'a str>,
    pub now: i64,
}

/// The signed assertion's content.
#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    pub id: String,
    pub name_id: String,
    /// Attribute Name → its values, in document order.
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Until when the assertion may be presented (for replay bookkeeping).
    pub not_on_or_after: i64,
}

fn child<'a, 'i>(node: Node<'a, 'i>, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.has_tag_name((ns, name)))
}

fn children<'a, 'i>(
    node: Node<'a, 'i>,
    ns: &'static str,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.has_tag_name((ns, name)))
}

/// An xs:dateTime (`2030-01-01T12:00:00Z`, `...:00.123Z`, `...:00+02:00`) in Unix seconds.
pub fn parse_instant(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, rest) = s.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let (y, mo, da): (i64, i64, i64) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    let (time, offset) = if let Some(t) = rest.strip_suffix('Z') {
        (t, 0)
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let (t, z) = rest.split_at(i);
        let sign = if z.starts_with('-') { -1 } else { 1 };
        let (h, m) = z[1..].split_once(':')?;
        (
            t,
            sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60),
        )
    } else {
        (rest, 0)
    };
    let mut t = time.splitn(3, ':');
    let (h, mi): (i64, i64) = (t.next()?.parse().ok()?, t.next()?.parse().ok()?);
    let sec: f64 = t.next()?.parse().ok()?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) || h > 24 || mi > 59 || sec >= 61.0 {
        return None;
    }
    Some(
        crate::clock::days_from_civil(y, mo, da) * 86_400 + h * 3600 + mi * 60 + sec as i64
            - offset,
    )
}

fn instant(node: Node, attr: &str) -> Result<Option<i64>, String> {
    match node.attribute(attr) {
        None => Ok(None),
        Some(v) => parse_instant(v)
            .map(Some)
            .ok_or_else(|| format!("{attr} is not a valid time")),
    }
}

/// Parses, verifies and checks a decoded SAMLResponse.
pub fn read(xml: &str, md: &Metadata, expected: &Expected) -> Result<Assertion, String> {
    let doc = parse_untrusted(xml)
        .map_err(|e| format!("the SAML response is not well-formed XML: {e}"))?;
    let response = doc.root_element();
    if !response.has_tag_name((PROTOCOL_NS, "Response")) {
        return Err("the document is not a SAML Response".into());
    }
    let status = child(response, PROTOCOL_NS, "Status")
        .and_then(|s| child(s, PROTOCOL_NS, "StatusCode"))
        .and_then(|c| c.attribute("Value"))
        .unwrap_or_default();
    if status != SUCCESS {
        return Err(format!("the IdP answered with status {status}"));
    }
    if doc
        .descendants()
        .any(|n| n.has_tag_name((ASSERTION_NS, "EncryptedAssertion")))
    {
        return Err("encrypted assertions are not supported".into());
    }
    let all: Vec<Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name((ASSERTION_NS, "Assertion")))
        .collect();
    let [assertion] = all[..] else {
        return Err("the response must hold exactly one Assertion".into());
    };
    if assertion.parent_element().map(|p| p.id()) != Some(response.id()) {
        return Err("the Assertion is not where a SAML Response holds it".into());
    }
    let keys: Vec<Vec<u8>> = md
        .signing_keys
        .iter()
        .map(|k| k.rsa_public_key.clone())
        .collect();
    // A signature on the Response covers the Assertion inside it; otherwise the Assertion
    // must carry its own. A signature that is present but does not hold is never skipped.
    let signed = match (
        child(response, xmldsig::DSIG_NS, "Signature"),
        child(assertion, xmldsig::DSIG_NS, "Signature"),
    ) {
        (Some(sig), _) => xmldsig::verify(&doc, sig, &keys)?,
        (None, Some(sig)) => xmldsig::verify(&doc, sig, &keys)?,
        (None, None) => return Err("neither the Response nor the Assertion is signed".into()),
    };
    if signed != response.id() && signed != assertion.id() {
        return Err("the signed element is not the Response or its Assertion".into());
    }
    if let Some(sig) = child(assertion, xmldsig::DSIG_NS, "Signature")
        && signed == response.id()
    {
        xmldsig::verify(&doc, sig, &keys)?;
    }

    // Issuer: the metadata's entity ID, on the Assertion (and the Response when named).
    let issuer_ok = |n: Node| {
        child(n, ASSERTION_NS, "Issuer")
            .and_then(|i| i.text())
            .map(str::trim)
            == Some(md.entity_id.as_str())
    };
    if !issuer_ok(assertion)
        || (child(response, ASSERTION_NS, "Issuer").is_some() && !issuer_ok(response))
    {
        return Err("the issuer is not the IdP's entity ID".into());
    }
    let now = expected.now;
    if let Some(dest) = response.attribute("Destination")
        && dest != expected.acs_url
    {
        return Err(format!(
            "the response is for {dest}, not {}",
            expected.acs_url
        ));
    }
    let response_irt = response.attribute("InResponseTo");
    match expected.request_id {
        Some(id) => {
            if response_irt.is_some_and(|r| r != id) {
                return Err("the response does not answer our request".into());
            }
        }
        None => {
            if response_irt.is_some() {
                return Err("an IdP-initiated response must not carry InResponseTo".into());
            }
            let issued = instant(assertion, "IssueInstant")?.ok_or("no IssueInstant")?;
            if issued < now - IDP_INITIATED_MAX_AGE_SECS || issued > now + SKEW_SECS {
                return Err(
                    "the IdP-initiated assertion was not issued in the last six minutes".into(),
                );
            }
        }
    }

    // Subject: the NameID and a bearer confirmation for our ACS URL that has not expired.
    let subject = child(assertion, ASSERTION_NS, "Subject").ok_or("no Subject")?;
    let name_id = child(subject, ASSERTION_NS, "NameID")
        .and_then(|n| n.text())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or("no NameID")?
        .to_string();
    let mut confirmed = false;
    let mut reasons = Vec::new();
    for sc in children(subject, ASSERTION_NS, "SubjectConfirmation")
        .filter(|sc| sc.attribute("Method") == Some(BEARER))
    {
        let Some(data) = child(sc, ASSERTION_NS, "SubjectConfirmationData") else {
            reasons.push("no SubjectConfirmationData");
            continue;
        };
        if data
            .attribute("Recipient")
            .is_some_and(|r| r != expected.acs_url)
        {
            reasons.push("the Recipient is not our ACS URL");
            continue;
        }
        if instant(data, "NotOnOrAfter")?.is_some_and(|t| now >= t + SKEW_SECS) {
            reasons.push("the subject confirmation has expired");
            continue;
        }
        if instant(data, "NotBefore")?.is_some_and(|t| now + SKEW_SECS < t) {
            reasons.push("the subject confirmation is not valid yet");
            continue;
        }
        let irt = data.attribute("InResponseTo");
        match expected.request_id {
            Some(id) if irt.is_some_and(|r| r != id) => {
                reasons.push("the subject confirmation answers another request");
                continue;
            }
            None if irt.is_some() => {
                reasons.push("an IdP-initiated assertion must not carry InResponseTo");
                continue;
            }
            _ => {}
        }
        confirmed = true;
        break;
    }
    if !confirmed {
        return Err(reasons
            .first()
            .copied()
            .unwrap_or("no bearer SubjectConfirmation")
            .to_string());
    }

    // Conditions: the validity window and our audience.
    let conditions = child(assertion, ASSERTION_NS, "Conditions").ok_or("no Conditions")?;
    if instant(conditions, "NotBefore")?.is_some_and(|t| now + SKEW_SECS < t) {
        return Err("the assertion is not valid yet".into());
    }
    let not_on_or_after = instant(conditions, "NotOnOrAfter")?;
    if not_on_or_after.is_some_and(|t| now >= t + SKEW_SECS) {
        return Err("the assertion has expired".into());
    }
    let restrictions: Vec<Node> =
        children(conditions, ASSERTION_NS, "AudienceRestriction").collect();
    if restrictions.is_empty() {
        return Err("the assertion names no audience".into());
    }
    for r in restrictions {
        if !children(r, ASSERTION_NS, "Audience")
            .any(|a| a.text().map(str::trim) == Some(expected.audience))
        {
            return Err(format!(
                "the assertion's audience is not {}",
                expected.audience
            ));
        }
    }

    let mut attributes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for statement in children(assertion, ASSERTION_NS, "AttributeStatement") {
        for attr in children(statement, ASSERTION_NS, "Attribute") {
            let Some(name) = attr.attribute("Name") else {
                continue;
            };
            let values = attributes.entry(name.to_string()).or_default();
            for v in children(attr, ASSERTION_NS, "AttributeValue") {
                let text: String = v
                    .descendants()
                    .filter(|n| n.is_text())
                    .filter_map(|n| n.text())
                    .collect();
                values.push(text);
            }
        }
    }
    Ok(Assertion {
        id: assertion
            .attribute("ID")
            .ok_or("the Assertion has no ID")?
            .to_string(),
        name_id,
        attributes,
        not_on_or_after: not_on_or_after.unwrap_or(now + 300),
    })
}
