//! SRP-6a as Cognito does it (what amazon-cognito-identity-js's AuthenticationHelper and
//! pycognito compute): the 3072-bit group of RFC 5054, g = 2, SHA-256, "padHex" encodings,
//! HKDF "Caldera Derived Key", and the PASSWORD_VERIFIER signature. Both halves live here so
//! one test runs a whole handshake; tests elsewhere check it against independent clients.
//! Pure functions: randomness comes in as arguments.
//!
//! The modular arithmetic is `montgomery`'s (fixed-size Montgomery over 48 limbs, a comb
//! table for g), bit-identical to num-bigint's `modpow` (property tests below).

use super::montgomery::{self, Field, FixedBase};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use num_bigint::BigUint;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

type HmacSha256 = Hmac<Sha256>;

const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1",
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245",
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D",
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D",
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9",
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64",
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B",
    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31",
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
);

/// The group modulus N.
pub static N: LazyLock<BigUint> =
    LazyLock::new(|| BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap_or_default());
/// The generator g = 2.
pub static G: LazyLock<BigUint> = LazyLock::new(|| BigUint::from(2u32));
/// k = H(padHex(N) || padHex(g)); g is "02", not padded to N's length.
pub static K: LazyLock<BigUint> = LazyLock::new(|| hash_to_int(&[&pad_bytes(&N), &pad_bytes(&G)]));

/// Montgomery constants of N.
static FIELD: LazyLock<Field> = LazyLock::new(|| Field::new(&N));
/// The comb table for g (192 KiB, built on first use in ~2 ms).
static G_TABLE: LazyLock<FixedBase> = LazyLock::new(|| FixedBase::new(&FIELD, &G));

/// base^e mod N.
pub fn modpow(base: &BigUint, e: &BigUint) -> BigUint {
    let f = &*FIELD;
    let b = f.to_mont(&montgomery::to_limbs(&(base % &*N)));
    montgomery::from_limbs(&f.from_mont(&f.pow(&b, e)))
}

/// g^e mod N: the comb for exponents up to 256 bits (x, b), the generic path beyond.
pub fn pow_g(e: &BigUint) -> BigUint {
    match G_TABLE.pow(&FIELD, e) {
        Some(r) => montgomery::from_limbs(&FIELD.from_mont(&r)),
        None => modpow(&G, e),
    }
}

/// Minimal big-endian hex, with "00" prepended when the top bit is set (so the value reads
/// as positive in two's complement, as Java/JS BigIntegers print it).
pub fn pad_hex(n: &BigUint) -> String {
    let mut hex = n.to_str_radix(16);
    if hex.len() % 2 == 1 {
        hex.insert(0, '0');
    }
    if matches!(hex.as_bytes()[0], b'8'..=b'f') {
        hex.insert_str(0, "00");
    }
    hex
}

/// The bytes `pad_hex` spells: big-endian, with a 0x00 in front when the top bit is set
/// (made directly, without the hex round trip).
pub fn pad_bytes(n: &BigUint) -> Vec<u8> {
    let mut bytes = n.to_bytes_be();
    if bytes[0] >= 0x80 {
        bytes.insert(0, 0);
    }
    bytes
}

/// SHA-256 of the concatenated parts, as an integer.
fn hash_to_int(parts: &[&[u8]]) -> BigUint {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    BigUint::from_bytes_be(&h.finalize())
}

/// The part of a pool id after the underscore (`us-east-1_AbC` -> `AbC`).
pub fn pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map(|(_, n)| n).unwrap_or(pool_id)
}

/// x = H(padHex(salt) || H(poolName || userId || ":" || password)).
pub fn private_key_x(pool_name: &str, user_id: &str, password: &str, salt: &BigUint) -> BigUint {
    let mut inner = Sha256::new();
    inner.update(pool_name.as_bytes());
    inner.update(user_id.as_bytes());
    inner.update(b":");
    inner.update(password.as_bytes());
    hash_to_int(&[&pad_bytes(salt), &inner.finalize()])
}

/// The verifier v = g^x mod N stored per user.
pub fn verifier(pool_name: &str, user_id: &str, password: &str, salt: &BigUint) -> BigUint {
    pow_g(&private_key_x(pool_name, user_id, password, salt))
}

/// u = H(padHex(A) || padHex(B)).
pub fn scrambler(a_pub: &BigUint, b_pub: &BigUint) -> BigUint {
    hash_to_int(&[&pad_bytes(a_pub), &pad_bytes(b_pub)])
}

/// HKDF-SHA256(ikm = padHex(S), salt = padHex(u), info = "Caldera Derived Key"), 16 bytes.
pub fn derive_key(s: &BigUint, u: &BigUint) -> [u8; 16] {
    let hk = hkdf::Hkdf::<Sha256>::new(Some(&pad_bytes(u)), &pad_bytes(s));
    let mut okm = [0u8; 16];
    // 16 bytes is far below HKDF's limit, so expand cannot fail.
    let _ = hk.expand(b"Caldera Derived Key", &mut okm);
    okm
}

/// Base64(HMAC-SHA256(key, poolName || userId || secretBlock || timestamp)).
pub fn signature(
    key: &[u8],
    pool_name: &str,
    user_id: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> String {
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        return String::new();
    };
    mac.update(pool_name.as_bytes());
    mac.update(user_id.as_bytes());
    mac.update(secret_block);
    mac.update(timestamp.as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

/// The server's half of a handshake, after InitiateAuth(USER_SRP_AUTH).
pub struct ServerChallenge {
    /// B = k·v + g^b mod N, sent as SRP_B (hex).
    pub b_pub: BigUint,
    /// The server's secret b; kept in the session until the client answers.
    pub b: BigUint,
}

/// Starts the server side: `b` is the server's random secret (≥ 256 bits).
pub fn server_challenge(v: &BigUint, b: BigUint) -> ServerChallenge {
    let b_pub = (&*K * v + pow_g(&b)) % &*N;
    ServerChallenge { b_pub, b }
}

/// The session key the server derives from the client's A. None when A is invalid
/// (A mod N == 0) or u == 0, which the server must refuse.
pub fn server_key(a_pub: &BigUint, b_pub: &BigUint, b: &BigUint, v: &BigUint) -> Option<[u8; 16]> {
    if (a_pub % &*N) == BigUint::ZERO {
        return None;
    }
    let u = scrambler(a_pub, b_pub);
    if u == BigUint::ZERO {
        return None;
    }
    // (A·v^u)^b, all in Montgomery form.
    let f = &*FIELD;
    let a = f.to_mont(&montgomery::to_limbs(&(a_pub % &*N)));
    let v = f.to_mont(&montgomery::to_limbs(&(v % &*N)));
    let base = f.mul(&a, &f.pow(&v, &u));
    let s = montgomery::from_limbs(&f.from_mont(&f.pow(&base, b)));
    Some(derive_key(&s, &u))
}

/// Checks PASSWORD_CLAIM_SIGNATURE (constant-time comparison of the decoded MACs).
pub fn verify_signature(
    key: &[u8],
    pool_name: &str,
    user_id: &str,
    secret_block: &[u8],
    timestamp: &str,
    claimed_b64: &str,
) -> bool {
    let Ok(claimed) = B64.decode(claimed_b64.trim()) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        return false;
    };
    mac.update(pool_name.as_bytes());
    mac.update(user_id.as_bytes());
    mac.update(secret_block);
    mac.update(timestamp.as_bytes());
    mac.verify_slice(&claimed).is_ok()
}

/// The client's half, as amazon-cognito-identity-js computes it (used by tests and the
/// benchmark; the server never calls it).
pub mod client {
    use super::*;

    /// A = g^a mod N.
    pub fn public_a(a: &BigUint) -> BigUint {
        pow_g(a)
    }

    /// The key the client derives from the server's B and salt.
    #[allow(clippy::too_many_arguments)]
    pub fn session_key(
        pool_name: &str,
        user_id: &str,
        password: &str,
        a: &BigUint,
        a_pub: &BigUint,
        b_pub: &BigUint,
        salt: &BigUint,
    ) -> Option<[u8; 16]> {
        let u = scrambler(a_pub, b_pub);
        if u == BigUint::ZERO {
            return None;
        }
        let x = private_key_x(pool_name, user_id, password, salt);
        let gx = pow_g(&x);
        // (B - k·g^x) mod N, kept non-negative.
        let kgx = (&*K * gx) % &*N;
        let base = ((b_pub % &*N) + &*N - kgx) % &*N;
        let s = modpow(&base, &(a + u.clone() * x));
        Some(derive_key(&s, &u))
    }
}

/// The TIMESTAMP clients send: `EEE MMM d HH:mm:ss UTC yyyy`, day not padded
/// (`Sun Oct 6 13:37:50 UTC 2024`). Returns epoch seconds when well formed.
pub fn parse_timestamp(ts: &str) -> Option<i64> {
    let parts: Vec<&str> = ts.split(' ').collect();
    let [wd, mon, day, hms, utc, year] = parts.as_slice() else {
        return None;
    };
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    if *utc != "UTC" || !WEEKDAYS.contains(wd) || day.starts_with('0') {
        return None;
    }
    let month = MONTHS.iter().position(|m| m == mon)? as i64 + 1;
    let day: i64 = day.parse().ok()?;
    let year: i64 = year.parse().ok()?;
    let t: Vec<i64> = hms
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = t.as_slice() else { return None };
    if !(1..=31).contains(&day)
        || *h > 23
        || *m > 59
        || *s > 60
        || !hms.split(':').all(|p| p.len() == 2)
    {
        return None;
    }
    let days = crate::clock::days_from_civil(year, month, day);
    // The weekday must agree with the date (1970-01-01 was a Thursday).
    if WEEKDAYS[((days + 4).rem_euclid(7)) as usize] != *wd {
        return None;
    }
    Some(days * 86400 + h * 3600 + m * 60 + s)
}

/// Formats epoch seconds the way clients write TIMESTAMP.
pub fn format_timestamp(epoch: i64) -> String {
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = crate::clock::Utc::of(epoch);
    format!(
        "{} {} {} {:02}:{:02}:{:02} UTC {}",
        WEEKDAYS[((t.days + 4).rem_euclid(7)) as usize],
        MONTHS[(t.month - 1) as usize],
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.year
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(hex: &str) -> BigUint {
        BigUint::parse_bytes(hex.as_bytes(), 16).unwrap()
    }

    #[test]
    fn pad_hex_matches_the_js_helper() {
        assert_eq!(pad_hex(&BigUint::from(2u32)), "02");
        assert_eq!(pad_hex(&BigUint::from(0x80u32)), "0080");
        assert_eq!(pad_hex(&BigUint::from(0x7fu32)), "7f");
        assert_eq!(pad_hex(&BigUint::from(0x123u32)), "0123");
        assert_eq!(pad_hex(&N).len(), 770);
        for n in [
            BigUint::ZERO,
            BigUint::from(0x80u32),
            BigUint::from(0x7fu32),
            N.clone(),
        ] {
            assert_eq!(crate::crypto::hex::encode(pad_bytes(&n)), pad_hex(&n));
        }
    }

    #[test]
    fn k_is_the_published_cognito_value() {
        // k as amazon-cognito-identity-js computes it, H("00"+N || "02").
        assert_eq!(
            K.to_str_radix(16),
            "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
        );
    }

    #[test]
    fn a_whole_handshake_agrees_and_a_wrong_password_does_not() {
        let pool = "AbCdEf123";
        let user = "7c9a1d2e-aaaa-bbbb-cccc-000000000001";
        let salt = int("a1b2c3d4e5f60718293a4b5c6d7e8f90");
        let v = verifier(pool, user, "Passw0rd!", &salt);
        let b = int("5f3c0e7b9d1a2c4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6");
        let ch = server_challenge(&v, b);
        let a = int("1f2e3d4c5b6a79880f1e2d3c4b5a69788f9e0d1c2b3a49586f7e6d5c4b3a2918");
        let a_pub = client::public_a(&a);
        let server = server_key(&a_pub, &ch.b_pub, &ch.b, &v).unwrap();
        let good =
            client::session_key(pool, user, "Passw0rd!", &a, &a_pub, &ch.b_pub, &salt).unwrap();
        assert_eq!(server, good);
        let bad = client::session_key(pool, user, "wrong", &a, &a_pub, &ch.b_pub, &salt).unwrap();
        assert_ne!(server, bad);

        let block = b"secret-block-bytes";
        let ts = "Sun Oct 6 13:37:50 UTC 2024";
        let sig = signature(&good, pool, user, block, ts);
        assert!(verify_signature(&server, pool, user, block, ts, &sig));
        let forged = signature(&bad, pool, user, block, ts);
        assert!(!verify_signature(&server, pool, user, block, ts, &forged));
    }

    /// Fixed vector: the key and signature pycognito's client half (AWSSRP.
    /// get_password_authentication_key) computes for these a, b, salt and password.
    #[test]
    fn server_matches_pycognito_fixed_vector() {
        let user = "7c9a1d2e-aaaa-bbbb-cccc-000000000001";
        let salt = int("a1b2c3d4e5f60718293a4b5c6d7e8f90");
        let v = verifier("AbCdEf123", user, "Passw0rd!", &salt);
        let ch = server_challenge(
            &v,
            int("5f3c0e7b9d1a2c4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6"),
        );
        let a_pub = client::public_a(&int(
            "1f2e3d4c5b6a79880f1e2d3c4b5a69788f9e0d1c2b3a49586f7e6d5c4b3a2918",
        ));
        let key = server_key(&a_pub, &ch.b_pub, &ch.b, &v).unwrap();
        assert_eq!(
            crate::crypto::hex::encode(key),
            "01c2b6e306534a2e06e602933a7a1ae4"
        );
        assert_eq!(
            signature(
                &key,
                "AbCdEf123",
                user,
                b"secret-block-bytes",
                "Sun Oct 6 13:37:50 UTC 2024"
            ),
            "Tb125hQWeArVorjWM6zNF7Wx8foYPzZEE5lC+r+Dfu4="
        );
    }

    #[test]
    fn zero_a_is_refused() {
        let v = BigUint::from(5u32);
        let ch = server_challenge(&v, BigUint::from(7u32));
        assert!(server_key(&BigUint::ZERO, &ch.b_pub, &ch.b, &v).is_none());
        assert!(server_key(&N, &ch.b_pub, &ch.b, &v).is_none());
    }

    #[test]
    fn timestamps_parse_and_format_like_the_clients() {
        assert_eq!(
            parse_timestamp("Sun Oct 6 13:37:50 UTC 2024"),
            Some(1728221870)
        );
        assert_eq!(format_timestamp(1728221870), "Sun Oct 6 13:37:50 UTC 2024");
        assert_eq!(parse_timestamp("Sun Oct 06 13:37:50 UTC 2024"), None);
        assert_eq!(parse_timestamp("Mon Oct 6 13:37:50 UTC 2024"), None);
        assert_eq!(parse_timestamp("Sun Oct 6 13:37:50 GMT 2024"), None);
        assert_eq!(parse_timestamp("garbage"), None);
        for t in [0i64, 951782400, 1709164800, 4102444799] {
            assert_eq!(parse_timestamp(&format_timestamp(t)), Some(t));
        }
    }

    fn random(bytes: usize) -> BigUint {
        use rand::Rng;
        let mut b = vec![0u8; bytes];
        rand::rng().fill(&mut b[..]);
        BigUint::from_bytes_be(&b)
    }

    /// The server's steps against the plain num-bigint formulas they replaced.
    #[test]
    fn fast_paths_match_num_bigint_on_random_inputs() {
        for round in 0..12 {
            let salt = random(16);
            let pw = format!("Passw0rd-{round}");
            let x = private_key_x("AbCdEf123", "user", &pw, &salt);
            let v = verifier("AbCdEf123", "user", &pw, &salt);
            assert_eq!(v, G.modpow(&x, &N));
            let b = random(32);
            let ch = server_challenge(&v, b.clone());
            assert_eq!(ch.b_pub, (&*K * &v + G.modpow(&b, &N)) % &*N);
            // A from the client, or any value below or above N a client could send.
            let a_pub = match round % 3 {
                0 => G.modpow(&random(32), &N),
                1 => random(384),
                _ => &*N + random(8) + 1u32,
            };
            let u = scrambler(&a_pub, &ch.b_pub);
            let s = (&a_pub * v.modpow(&u, &N)).modpow(&b, &N);
            assert_eq!(
                server_key(&a_pub, &ch.b_pub, &b, &v),
                Some(derive_key(&s, &u))
            );
            // Exponents longer than the comb covers take the generic path.
            let long = random(40 + round);
            assert_eq!(pow_g(&long), G.modpow(&long, &N));
            assert_eq!(modpow(&a_pub, &long), a_pub.modpow(&long, &N));
        }
    }
}
