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

    /// A record no password matches (no verifier): for a password nobody was told
    /// (AdminCreateUser with MessageAction SUPPRESS and no TemporaryPassword), so no g^x is
    /// computed for it. Sign-in treats it as a wrong password, SRP as a decoy.
    pub fn unusable() -> StoredPassword {
        StoredPassword {
            salt_hex: new_salt().to_str_radix(16),
            verifier_hex: String::new(),
        }
    }

    /// False for [`StoredPassword::unusable`]: no password can match it.
    pub fn is_usable(&self) -> bool {
        !self.verifier_hex.is_empty()
    }
}

fn new_salt() -> BigUint {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    // Keep the top bit clear so the salt's hex and padHex agree byte for byte.
    salt[0] &= 0x7f;
    salt[0] |= 0x10;
    BigUint::from_bytes_be(&salt)
}

/// Makes the record for `password` of the user whose USER_ID_FOR_SRP is `user_id`.
pub fn hash_password(pool_id: &str, user_id: &str, password: &str) -> StoredPassword {
    let salt = new_salt();
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
    if !stored.is_usable() {
        return false;
    }
    let v = srp::verifier(srp::pool_name(pool_id), user_id, password, &stored.salt());
    v == stored.verifier()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unusable_record_matches_no_password() {
        let rec = StoredPassword::unusable();
        assert!(!rec.is_usable());
        assert!(!check_password("us-east-1_AbCdEf123", "alice", "", &rec));
        assert!(!check_password("us-east-1_AbCdEf123", "alice", "0", &rec));
        assert!(hash_password("us-east-1_AbCdEf123", "alice", "x").is_usable());
    }

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
