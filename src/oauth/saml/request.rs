//! The AuthnRequest the user pool sends the IdP for SP-initiated sign-in, in the
//! HTTP-Redirect binding (DEFLATE, base64, query parameters; optionally signed over the
//! query string) or the HTTP-POST binding (base64 in an auto-submitted form).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

/// The SigAlg of requests signed with `RequestSigningAlgorithm` rsa-sha256.
pub const SIG_ALG_RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

/// The user pool's SAML entity ID (the AuthnRequest's Issuer, the assertion's audience).
pub fn entity_id(pool_id: &str) -> String {
    format!("urn:amazon:cognito:sp:{pool_id}")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An xs:dateTime in UTC for `secs`.
pub fn instant(secs: i64) -> String {
    let t = crate::clock::Utc::of(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// The AuthnRequest document.
pub fn authn_request(
    id: &str,
    now: i64,
    destination: &str,
    acs_url: &str,
    pool_id: &str,
) -> String {
    format!(
        concat!(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" "#,
            r#"xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" "#,
            r#"IssueInstant="{instant}" Destination="{destination}" "#,
            r#"AssertionConsumerServiceURL="{acs}" "#,
            r#"ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">"#,
            r#"<saml:Issuer>{issuer}</saml:Issuer>"#,
            r#"<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified" AllowCreate="true"/>"#,
            r#"</samlp:AuthnRequest>"#
        ),
        id = escape(id),
        instant = instant(now),
        destination = escape(destination),
        acs = escape(acs_url),
        issuer = escape(&entity_id(pool_id)),
    )
}

/// The HTTP-Redirect binding's encoding: raw DEFLATE (no zlib header), then base64.
pub fn deflate_base64(xml: &str) -> String {
    B64.encode(miniz_oxide::deflate::compress_to_vec(xml.as_bytes(), 6))
}

/// The query string the HTTP-Redirect binding signs: SAMLRequest, RelayState, SigAlg, each
/// URL-encoded, in that order.
pub fn signed_query(saml_request: &str, relay_state: &str, sig_alg: &str) -> String {
    serde_urlencoded::to_string([
        ("SAMLRequest", saml_request),
        ("RelayState", relay_state),
        ("SigAlg", sig_alg),
    ])
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_utc_xs_datetimes() {
        assert_eq!(instant(0), "1970-01-01T00:00:00Z");
        assert_eq!(instant(1_893_499_200), "2030-01-01T12:00:00Z");
        assert_eq!(instant(951_782_400), "2000-02-29T00:00:00Z");
        for t in [0, 951_782_400, 1_893_499_200, 4_102_444_799] {
            assert_eq!(super::super::response::parse_instant(&instant(t)), Some(t));
        }
    }

    #[test]
    fn the_redirect_encoding_inflates_back() {
        let xml = authn_request(
            "_r1",
            0,
            "http://idp/sso?a=1&b=2",
            "http://sp/acs",
            "us-east-1_X",
        );
        let bytes = B64.decode(deflate_base64(&xml)).unwrap();
        let back = miniz_oxide::inflate::decompress_to_vec(&bytes).unwrap();
        assert_eq!(String::from_utf8(back).unwrap(), xml);
        assert!(xml.contains(r#"Destination="http://idp/sso?a=1&amp;b=2""#));
        assert!(roxmltree::Document::parse(&xml).is_ok());
    }
}
