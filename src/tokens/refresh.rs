//! Refresh tokens: opaque strings shaped like Cognito's (a JWE in compact form: five
//! base64url parts, header `{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}`), each backed by a
//! stored row found through the token's SHA-256.

use crate::protocol::aws_json::Ctx;
use crate::protocol::{ApiError, ApiResult};
use crate::store::tokens::RefreshTokenRow;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use rand::RngCore;
use sha2::{Digest, Sha256};

fn random_part(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rand::rng().fill_bytes(&mut bytes);
    B64URL.encode(bytes)
}

/// A new refresh token string. Its randomness (over 2000 bits) is its identity.
pub fn new_refresh_token() -> String {
    let header = B64URL.encode(br#"{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}"#);
    // Encrypted key (RSA-2048 block), IV, ciphertext, tag: the sizes Cognito's have.
    format!(
        "{header}.{}.{}.{}.{}",
        random_part(256),
        random_part(12),
        random_part(96),
        random_part(16)
    )
}

pub fn sha256_hex(token: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(64);
    for b in Sha256::digest(token.as_bytes()) {
        hex.push(HEX[usize::from(b >> 4)] as char);
        hex.push(HEX[usize::from(b & 15)] as char);
    }
    hex
}

fn invalid() -> ApiError {
    ApiError::not_authorized("Invalid Refresh Token")
}

/// Finds a refresh token presented by `client_id` and checks that it still works.
/// `grace_secs` is the client's rotation grace period (a replaced token keeps working that long).
pub async fn redeem(
    ctx: &Ctx,
    token: &str,
    client_id: &str,
    grace_secs: i64,
) -> ApiResult<(RefreshTokenRow, String)> {
    if token.split('.').count() != 5 {
        return Err(invalid());
    }
    let hash = sha256_hex(token);
    let row = ctx
        .store
        .find_refresh_token(&hash)
        .await?
        .ok_or_else(invalid)?;
    if row.family.client_id != client_id {
        return Err(invalid());
    }
    if row.family.revoked_at.is_some() {
        return Err(ApiError::not_authorized("Refresh Token has been revoked"));
    }
    let now = ctx.clock.now_secs();
    if now >= row.expires {
        return Err(ApiError::not_authorized("Refresh Token has expired"));
    }
    if let Some(replaced) = row.replaced_at
        && ctx.clock.now_epoch() > replaced + grace_secs as f64
    {
        return Err(invalid());
    }
    Ok((row, hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_look_like_cognito_jwes() {
        let t = new_refresh_token();
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 5);
        assert!(parts.iter().all(|p| B64URL.decode(p).is_ok()));
        let header: serde_json::Value =
            serde_json::from_slice(&B64URL.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["enc"], "A256GCM");
        assert_ne!(t, new_refresh_token());
        assert_eq!(sha256_hex(&t).len(), 64);
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
