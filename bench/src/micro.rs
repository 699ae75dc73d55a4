//! The arithmetic floor of the crypto-bound phases, measured with the emulator's own
//! functions on one core: an RS256 signature with the emulator's signer, the SRP verifier
//! (what checking a plain password costs), and the server's two SRP steps; and beneath them
//! the primitives (one RSA private operation, one 3072-bit Montgomery multiplication and
//! squaring) with each step's floor from its operation count.

use cognito_emu::crypto::{keys, montgomery, srp};
use jsonwebtoken::{Algorithm, Header};
use num_bigint::BigUint;
use rand::Rng;
use serde_json::{Value, json};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Median microseconds of `f` over repeated runs within `budget` (at least 5 runs).
fn median_us(budget: Duration, mut f: impl FnMut()) -> f64 {
    let mut samples = Vec::new();
    let start = Instant::now();
    while samples.len() < 5 || (start.elapsed() < budget && samples.len() < 10_000) {
        let t = Instant::now();
        f();
        samples.push(t.elapsed().as_secs_f64() * 1e6);
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn random_biguint(bytes: usize) -> BigUint {
    let mut b = vec![0u8; bytes];
    rand::rng().fill(&mut b[..]);
    BigUint::from_bytes_be(&b)
}

pub fn run(budget: Duration) -> Result<Value, String> {
    let generated = keys::generate().map_err(|e| e.to_string())?;
    let key = keys::SigningKey::from_stored(&generated.kid, &generated.private_pkcs1_der)
        .map_err(|e| e.to_string())?;
    // Claims of the size of a Cognito access token.
    let claims = json!({
        "sub": "5f1e3c2a-1b2c-4d5e-8f90-0123456789ab",
        "iss": "http://127.0.0.1:9229/us-east-1_AbCdEfGhI",
        "client_id": "1example23456789abcdefghij",
        "origin_jti": "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
        "event_id": "1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": 1_700_000_000,
        "exp": 1_700_003_600,
        "iat": 1_700_000_000,
        "jti": "9f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a0",
        "username": "bench-user",
    });
    // What the server runs per token: claims to JSON, base64url, one RS256 signature.
    let mut sign_err = None;
    let rs256 = median_us(budget, || {
        if let Err(e) = key.sign_jwt(&claims) {
            sign_err = Some(e.to_string());
        }
    });
    if let Some(e) = sign_err {
        return Err(format!("RS256 signing failed: {e}"));
    }
    // The arithmetic floor of a signature: one 2048-bit CRT RSA private operation (plus
    // PKCS#1 padding and SHA-256 of 32 bytes), with the same backend and key.
    let rsa_private_op = median_us(budget, || {
        let _ = key.sign_bytes(&[0x5a; 32]);
    });
    // Before: jsonwebtoken (rust_crypto), which re-parses the PKCS#1 key on every signature.
    let mut header = Header::new(Algorithm::RS256);
    header.typ = None;
    header.kid = Some(key.kid.clone());
    let encoding = jsonwebtoken::EncodingKey::from_rsa_der(&generated.private_pkcs1_der);
    let rs256_jsonwebtoken = median_us(budget, || {
        let _ = jsonwebtoken::encode(&header, &claims, &encoding);
    });
    let token = key.sign_jwt(&claims).map_err(|e| e.to_string())?;
    let rs256_verify = median_us(budget, || {
        let _ = key.verify_jwt_signature(&token);
    });

    // Loading a stored key and its first signature (a pool's first sign-in after a
    // restart or after taking spare keys does this for both of its keys).
    let key_load = median_us(budget, || {
        if let Ok(k) = keys::SigningKey::from_stored(&generated.kid, &generated.private_pkcs1_der) {
            let _ = k.sign_bytes(&[0x5a; 32]);
        }
    });
    // A new pool's two signing keys when the spare stock is empty (at least 5 samples).
    let keygen = median_us(budget, || {
        let _ = keys::generate();
    });

    let salt = random_biguint(16);
    let verifier = median_us(budget, || {
        let _ = srp::verifier("AbCdEfGhI", "bench-user", "Bench-Passw0rd!", &salt);
    });
    let v = srp::verifier("AbCdEfGhI", "bench-user", "Bench-Passw0rd!", &salt);
    // The server's secret b is 256 bits, as the emulator draws it.
    let challenge = median_us(budget, || {
        let _ = srp::server_challenge(&v, random_biguint(32));
    });
    let a_pub = srp::client::public_a(&random_biguint(32));
    let ch = srp::server_challenge(&v, random_biguint(32));
    let server_key = median_us(budget, || {
        let _ = srp::server_key(&a_pub, &ch.b_pub, &ch.b, &v);
    });

    // The arithmetic underneath SRP: one 3072-bit Montgomery multiplication and squaring
    // (timed 50 at a time: each is ~2 µs), and num-bigint's modpow for a 256-bit exponent
    // (what every SRP power cost before).
    let field = montgomery::Field::new(&srp::N);
    let x = field.to_mont(&montgomery::to_limbs(&(random_biguint(384) % &*srp::N)));
    let y = field.to_mont(&montgomery::to_limbs(&(random_biguint(384) % &*srp::N)));
    let mul = median_us(budget / 4, || {
        for _ in 0..50 {
            black_box(field.mul(black_box(&x), black_box(&y)));
        }
    }) / 50.0;
    let square = median_us(budget / 4, || {
        for _ in 0..50 {
            black_box(field.square(black_box(&x)));
        }
    }) / 50.0;
    let e = random_biguint(32);
    let modpow_num_bigint = median_us(budget, || {
        black_box(srp::G.modpow(&e, &srp::N));
    });
    // Floors with this arithmetic, estimated from the algorithms' operation counts (the
    // window count is the average, so a run can land a little below):
    // g^e by the comb (256-bit e): 15 squarings, 32 table multiplications, 1 to leave
    // Montgomery form; (A·v^u)^b: two 256-bit variable-base powers by a 5-bit sliding window
    // (256 squarings, 16 table entries, ~43 window multiplications each) plus entering and
    // leaving Montgomery form (3) and the product A·v^u (1).
    let comb_floor = 15.0 * square + 33.0 * mul;
    let server_key_floor = 2.0 * (256.0 * square + 59.0 * mul) + 4.0 * mul;

    let round = |x: f64| (x * 10.0).round() / 10.0;
    let password_auth = verifier + 2.0 * rs256;
    let srp_auth = challenge + server_key + 2.0 * rs256;
    let refresh = 2.0 * rs256;
    Ok(json!({
        "rs256_sign_us": round(rs256),
        "rsa_keygen_us": round(keygen),
        "stored_key_load_and_first_sign_us": round(key_load),
        "rs256_sign_jsonwebtoken_us": round(rs256_jsonwebtoken),
        "rs256_verify_us": round(rs256_verify),
        "rsa2048_private_op_us": round(rsa_private_op),
        "srp_verifier_us": round(verifier),
        "srp_server_challenge_us": round(challenge),
        "srp_server_key_us": round(server_key),
        "mont3072_mul_us": (mul * 1000.0).round() / 1000.0,
        "mont3072_square_us": (square * 1000.0).round() / 1000.0,
        "modpow3072_e256_num_bigint_us": round(modpow_num_bigint),
        // What each primitive costs at least with the chosen arithmetic: RS256 is one CRT
        // private operation; the SRP steps are the operation counts above.
        "floor_us": {
            "rs256_sign": round(rsa_private_op),
            "srp_verifier": round(comb_floor),
            "srp_server_challenge": round(comb_floor),
            "srp_server_key": round(server_key_floor),
        },
        // The arithmetic one operation of each crypto-bound phase cannot avoid.
        "arith_us": {
            "InitiateAuth USER_PASSWORD_AUTH": round(password_auth),
            "USER_SRP_AUTH handshake": round(srp_auth),
            "InitiateAuth REFRESH_TOKEN_AUTH": round(refresh),
        },
    }))
}
