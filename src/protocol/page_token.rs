//! Pagination tokens: opaque, and bound to the listing that issued them. A list action keeps
//! its own position (a last key, an offset) and seals it with the listing's scope (action,
//! pool, filter, ...); a token that was forged, altered, or issued for another listing does
//! not open, and the call answers InvalidParameterException as Cognito does, instead of
//! resuming somewhere arbitrary.
//!
//! The key is drawn when the process starts: tokens do not outlive the emulator (Cognito's
//! expire too), and nothing secret is stored.

use super::{ApiError, ApiResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::sync::OnceLock;

/// Bytes of the tag: enough that guessing one is hopeless, short enough for a URL.
const TAG_LEN: usize = 16;

fn key() -> &'static [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut k = [0u8; 32];
        rand::rng().fill_bytes(&mut k);
        k
    })
}

fn tag(scope: &str, position: &[u8]) -> [u8; TAG_LEN] {
    // HMAC takes a key of any length; the error arm cannot happen.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key()) else {
        return [0; TAG_LEN];
    };
    mac.update(scope.as_bytes());
    mac.update(&[0]);
    mac.update(position);
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; TAG_LEN];
    out.copy_from_slice(&full[..TAG_LEN]);
    out
}

/// The token for `position` in the listing `scope`.
pub fn seal(scope: &str, position: &str) -> String {
    let mut bytes = tag(scope, position.as_bytes()).to_vec();
    bytes.extend_from_slice(position.as_bytes());
    B64.encode(bytes)
}

/// The position a token of listing `scope` carries.
pub fn open(scope: &str, token: &str) -> ApiResult<String> {
    let bytes = B64
        .decode(token.trim_end_matches('='))
        .map_err(|_| invalid())?;
    if bytes.len() < TAG_LEN {
        return Err(invalid());
    }
    let (given, position) = bytes.split_at(TAG_LEN);
    let expected = tag(scope, position);
    // Constant-time comparison through the MAC crate's verifier would need the full tag;
    // this compares without early exit.
    let same = given
        .iter()
        .zip(expected.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0;
    if !same {
        return Err(invalid());
    }
    String::from_utf8(position.to_vec()).map_err(|_| invalid())
}

/// `seal` over an optional next position.
pub fn seal_next(scope: &str, position: Option<String>) -> Option<String> {
    position.map(|p| seal(scope, &p))
}

/// `open` over an optional token (absent or empty: from the start).
pub fn open_opt(scope: &str, token: Option<&str>) -> ApiResult<Option<String>> {
    match token.filter(|t| !t.is_empty()) {
        Some(t) => open(scope, t).map(Some),
        None => Ok(None),
    }
}

fn invalid() -> ApiError {
    ApiError::invalid_parameter("Invalid pagination token.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_open_only_in_their_own_listing() {
        let t = seal("ListUsers\0us-east-1_a\0", "alice");
        assert_eq!(open("ListUsers\0us-east-1_a\0", &t).unwrap(), "alice");
        assert!(
            open("ListUsers\0us-east-1_b\0", &t).is_err(),
            "another pool"
        );
        assert!(
            open("ListGroups\0us-east-1_a", &t).is_err(),
            "another action"
        );
        let mut forged = B64.decode(&t).unwrap();
        *forged.last_mut().unwrap() ^= 1;
        assert!(open("ListUsers\0us-east-1_a\0", &B64.encode(forged)).is_err());
        for garbage in ["", "x", "!!!", &B64.encode("alice")] {
            assert!(
                open("ListUsers\0us-east-1_a\0", garbage).is_err(),
                "{garbage}"
            );
        }
        assert_eq!(open_opt("s", None).unwrap(), None);
        assert_ne!(t, seal("ListUsers\0us-east-1_a\0", "bob"));
    }
}
