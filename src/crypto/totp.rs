//! TOTP (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 6 digits, 30-second steps, as
//! authenticator apps and Cognito's software-token MFA use them. Secrets travel as base32
//! (RFC 4648, no padding).

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;

/// The length of a TOTP step, in seconds.
pub const STEP_SECS: i64 = 30;
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A new random secret (160 bits: 32 base32 characters, like Cognito's SecretCode).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    base32_encode(&bytes)
}

pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buf >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes base32, ignoring case, spaces and padding; None on other characters.
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|c| *c != b'=' && *c != b' ') {
        let v = ALPHABET.iter().position(|a| *a == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

fn hmac_sha1(key: &[u8], msg: &[u8]) -> [u8; 20] {
    // HMAC takes a key of any length (longer ones are hashed first), so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        return [0; 20];
    };
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// The 6-digit HOTP code of `key` for `counter`.
pub fn hotp(key: &[u8], counter: u64) -> String {
    let mac = hmac_sha1(key, &counter.to_be_bytes());
    let offset = (mac[19] & 0x0f) as usize;
    let value = u32::from_be_bytes([
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    format!("{:06}", value % 1_000_000)
}

/// The code a base32 `secret` shows at `unix_secs`.
pub fn code_at(secret: &str, unix_secs: i64) -> Option<String> {
    let key = base32_decode(secret)?;
    Some(hotp(&key, (unix_secs.max(0) / STEP_SECS) as u64))
}

/// Whether `code` is the secret's code for the current step or one step either side.
pub fn verify(secret: &str, code: &str, unix_secs: i64) -> bool {
    let Some(key) = base32_decode(secret) else {
        return false;
    };
    let step = unix_secs.max(0) / STEP_SECS;
    (step - 1..=step + 1)
        .filter(|s| *s >= 0)
        .any(|s| constant_time_eq(hotp(&key, s as u64).as_bytes(), code.trim().as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B (SHA-1 key "12345678901234567890"), last 6 of the 8 digits.
        let secret = base32_encode(b"12345678901234567890");
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        for (t, code) in [
            (59, "287082"),
            (1111111109, "081804"),
            (1111111111, "050471"),
            (1234567890, "005924"),
            (2000000000, "279037"),
            (20000000000, "353130"),
        ] {
            assert_eq!(code_at(&secret, t).unwrap(), code, "t={t}");
        }
    }

    #[test]
    fn hmac_sha1_matches_rfc2202() {
        let hex = |mac: [u8; 20]| crate::crypto::hex::encode(mac);
        assert_eq!(
            hex(hmac_sha1(&[0x0b; 20], b"Hi There")),
            "b617318655057264e28bc0b6fb378c8ef146be00"
        );
        // A key longer than SHA-1's 64-byte block is hashed first.
        assert_eq!(
            hex(hmac_sha1(
                &[0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112"
        );
    }

    #[test]
    fn verify_accepts_one_step_either_side() {
        let secret = new_secret();
        assert_eq!(secret.len(), 32);
        assert_eq!(base32_decode(&secret).unwrap().len(), 20);
        let now = 1_700_000_015;
        let code = code_at(&secret, now).unwrap();
        assert!(verify(&secret, &code, now));
        assert!(verify(&secret, &code, now + 30));
        assert!(verify(&secret, &code, now - 30));
        assert!(!verify(&secret, &code, now + 61));
        assert!(!verify(&secret, "000000x", now));
        assert_eq!(base32_decode("gezd gnbv"), base32_decode("GEZDGNBV"));
    }
}
