//! Stored passwords: an SRP verifier and its salt per user. The same record serves SRP
//! sign-in (the server never sees the password) and plain-password sign-in (recompute
//! g^x and compare), so no other password hash is kept.

use super::srp;
use num_bigint::BigUint;
use rand::RngCore;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPassword {
    /// The salt as hex (what InitiateAuth sends as SALT).
    pub salt_hex: String,
    /// v = g^x mod N, as hex.
    pub verifier_hex: String,
}

impl StoredPassword {
    pub fn salt(&self) -> BigUint {
        BigUint::parse_bytes(self.salt_hex.as_bytes(), 16).unwrap_or_default()
    }

    pub fn verifier(&self) -> BigUint {
        BigUint::parse_bytes(self.verifier_hex.as_bytes(), 16).unwrap_or_default()
    }
}

/// Makes the record for `password` of the user whose USER_ID_FOR_SRP is `user_id`.
pub fn hash_password(pool_id: &str, user_id: &str, password: &str) -> StoredPassword {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    // Keep the top bit clear so the salt's hex and padHex agree byte for byte.
    salt[0] &= 0x7f;
    salt[0] |= 0x10;
    let salt = BigUint::from_bytes_be(&salt);
    let v = srp::verifier(srp::pool_name(pool_id), user_id, password, &salt);
    StoredPassword {
        salt_hex: salt.to_str_radix(16),
        verifier_hex: v.to_str_radix(16),
    }
}

/// True when `password` is the one the record was made from.
pub fn check_password(
    pool_id: &str,
    user_id: &str,
    password: &str,
    stored: &StoredPassword,
) -> bool {
    let v = srp::verifier(srp::pool_name(pool_id), user_id, password, &stored.salt());
    v == stored.verifier()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_accepts_only_the_right_password() {
        let rec = hash_password("us-east-1_AbCdEf123", "alice", "Passw0rd!");
        assert!(check_password(
            "us-east-1_AbCdEf123",
            "alice",
            "Passw0rd!",
            &rec
        ));
        assert!(!check_password(
            "us-east-1_AbCdEf123",
            "alice",
            "Passw0rd?",
            &rec
        ));
        assert!(!check_password(
            "us-east-1_Other0000",
            "alice",
            "Passw0rd!",
            &rec
        ));
        assert_ne!(
            rec,
            hash_password("us-east-1_AbCdEf123", "alice", "Passw0rd!")
        );
    }
}
