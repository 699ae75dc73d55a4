//! Temporary AWS credentials in the formats STS hands out (what GetCredentialsForIdentity
//! answers): syntactically valid, random, and good for nothing but local services that do
//! not check signatures against AWS.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rand::Rng;

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn pick(rng: &mut impl Rng, alphabet: &[u8], n: usize) -> String {
    (0..n)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

/// `ASIA` and 16 upper-case characters: the prefix AWS gives temporary (session) keys.
pub fn access_key_id(rng: &mut impl Rng) -> String {
    format!("ASIA{}", pick(rng, UPPER_ALNUM, 16))
}

/// 40 characters of base64's alphabet, like every AWS secret access key.
pub fn secret_key(rng: &mut impl Rng) -> String {
    pick(rng, SECRET_ALPHABET, 40)
}

/// A long base64 string, the shape of an STS session token (opaque to clients).
pub fn session_token(rng: &mut impl Rng) -> String {
    let mut bytes = vec![0u8; 600];
    rng.fill(bytes.as_mut_slice());
    B64.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let mut rng = rand::rng();
        let id = access_key_id(&mut rng);
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("ASIA"));
        assert!(
            id.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        let secret = secret_key(&mut rng);
        assert_eq!(secret.len(), 40);
        assert_ne!(secret, secret_key(&mut rng));
        let token = session_token(&mut rng);
        assert_eq!(token.len(), 800);
        assert!(B64.decode(&token).is_ok());
    }
}
