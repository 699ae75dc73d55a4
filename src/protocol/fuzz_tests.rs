//! A short seeded fuzz of `POST /`: for every implemented action of both services, bodies
//! built from the service model's input shape (referring to a real pool, client and user
//! part of the time), then mutated (members dropped, values of the wrong type, bytes flipped,
//! inserted or cut). No answer may be a 5xx and nothing may panic. The default run is small
//! enough for every `cargo test`; `COGNITO_EMU_FUZZ_ROUNDS=N` runs N bodies per action (the
//! seed is `COGNITO_EMU_FUZZ_SEED`, 23 by default, printed on failure).

use super::model::{IDENTITY, IDP, ServiceModel, Shape};
use axum::body::Body;
use axum::http::Request;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};
use tower::ServiceExt;

/// Values a generated string may take besides random text: ids that exist, so mutated
/// requests also reach the handlers' deeper paths.
struct Known {
    strings: Vec<String>,
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn random_text(rng: &mut StdRng) -> String {
    const ALPHABET: &[char] = &[
        'a',
        'Z',
        '0',
        '9',
        '_',
        '-',
        '+',
        '@',
        '.',
        ':',
        '/',
        ' ',
        '%',
        '"',
        '\\',
        'é',
        '中',
        '\u{0}',
        '\u{1F600}',
        '\n',
    ];
    let len = rng.random_range(0..24);
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())])
        .collect()
}

/// A value for `shape`, valid most of the time.
fn value(model: &ServiceModel, shape: usize, known: &Known, rng: &mut StdRng, depth: u32) -> Value {
    match &model.shapes[shape] {
        Shape::Structure { members, .. } => {
            let mut map = Map::new();
            if depth < 4 {
                for m in members.iter() {
                    if m.required || rng.random_bool(0.3) {
                        map.insert(
                            m.name.to_string(),
                            value(model, m.shape, known, rng, depth + 1),
                        );
                    }
                }
            }
            Value::Object(map)
        }
        Shape::List { member, .. } => {
            let n = if depth < 4 { rng.random_range(0..3) } else { 0 };
            Value::Array(
                (0..n)
                    .map(|_| value(model, *member, known, rng, depth + 1))
                    .collect(),
            )
        }
        Shape::Map { key, value: v, .. } => {
            let mut map = Map::new();
            if depth < 4 {
                for _ in 0..rng.random_range(0..3) {
                    let k = match value(model, *key, known, rng, depth + 1) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    map.insert(k, value(model, *v, known, rng, depth + 1));
                }
            }
            Value::Object(map)
        }
        Shape::String { values, min, .. } => {
            if !values.is_empty() && rng.random_bool(0.9) {
                return json!(values[rng.random_range(0..values.len())]);
            }
            let s = match rng.random_range(0..3) {
                0 => known.strings[rng.random_range(0..known.strings.len())].clone(),
                1 => random_text(rng),
                _ => "x".repeat(min.unwrap_or(1).clamp(1, 64) as usize),
            };
            json!(s)
        }
        Shape::Integer { min, max } => {
            let lo = min.unwrap_or(0);
            let hi = max.unwrap_or(lo + 100).max(lo);
            json!(rng.random_range(lo..=hi.min(lo.saturating_add(1000))))
        }
        Shape::Boolean => json!(rng.random_bool(0.5)),
        Shape::Timestamp => json!(rng.random_range(0..2_000_000_000i64)),
        Shape::Double => json!(rng.random::<f64>() * 1e6),
        Shape::Blob { .. } => json!("aGVsbG8="),
        Shape::Document => json!({}),
    }
}

/// Breaks `body` in one of several ways (or leaves it valid).
fn mutate(body: Value, rng: &mut StdRng) -> Vec<u8> {
    let mut body = body;
    match rng.random_range(0..6) {
        0 => {}
        1 => {
            // Drop a member.
            if let Value::Object(map) = &mut body
                && let Some(k) = map.keys().next().cloned()
            {
                map.remove(&k);
            }
        }
        2 => {
            // A value of the wrong type.
            if let Value::Object(map) = &mut body
                && let Some(v) = map.values_mut().next()
            {
                *v = match rng.random_range(0..5) {
                    0 => json!(null),
                    1 => json!(12345678901234567890u64),
                    2 => json!([1, "two", {"three": 3}]),
                    3 => json!({"nested": {"deeper": [null]}}),
                    _ => json!(-1.5e308),
                };
            }
        }
        _ => {}
    }
    let mut bytes = serde_json::to_vec(&body).unwrap_or_default();
    match rng.random_range(0..6) {
        0 if !bytes.is_empty() => {
            let i = rng.random_range(0..bytes.len());
            bytes[i] ^= 1 << rng.random_range(0..8);
        }
        1 => {
            let i = rng.random_range(0..=bytes.len());
            bytes.insert(i, rng.random());
        }
        2 if !bytes.is_empty() => {
            let n = rng.random_range(0..bytes.len());
            bytes.truncate(n);
        }
        _ => {}
    }
    bytes
}

#[tokio::test]
async fn mutated_bodies_of_every_action_never_get_a_5xx() {
    let rounds = env_or("COGNITO_EMU_FUZZ_ROUNDS", 30);
    let seed = env_or("COGNITO_EMU_FUZZ_SEED", 23);
    let ctx = crate::testkit::ctx().await;
    let pool = crate::testkit::pool(&ctx, |_| {}).await;
    let client = crate::testkit::client(&ctx, &pool, false).await;
    let pool_id = pool.id.clone().unwrap_or_default();
    let client_id = client.client_id.clone().unwrap_or_default();
    let known = Known {
        strings: vec![
            pool_id.clone(),
            client_id,
            "alice".into(),
            "alice@example.com".into(),
            "+15555550100".into(),
            "Passw0rd!".into(),
            "123456".into(),
            format!("arn:aws:cognito-idp:us-east-1:123456789012:userpool/{pool_id}"),
            "us-east-1:00000000-0000-0000-0000-000000000000".into(),
        ],
    };
    let app = crate::router(ctx.app.clone());
    let mut rng = StdRng::seed_from_u64(seed);
    let mut sent = 0;
    for (model, implemented) in [
        (&IDP, crate::idp::IMPLEMENTED),
        (&IDENTITY, crate::identity::IMPLEMENTED),
    ] {
        for action in implemented {
            let Some(op) = model.operation(action) else {
                continue;
            };
            for _ in 0..rounds {
                let body = match op.input {
                    Some(shape) => value(model, shape, &known, &mut rng, 0),
                    None => json!({}),
                };
                let bytes = mutate(body, &mut rng);
                let req = Request::post("/")
                    .header("host", "localhost:9229")
                    .header("content-type", "application/x-amz-json-1.1")
                    .header("x-amz-target", format!("{}.{action}", model.target_prefix))
                    .body(Body::from(bytes.clone()))
                    .unwrap_or_default();
                let resp = app
                    .clone()
                    .oneshot(req)
                    .await
                    .unwrap_or_else(|e| match e {});
                let status = resp.status();
                let answer = axum::body::to_bytes(resp.into_body(), usize::MAX)
                    .await
                    .unwrap_or_default();
                assert!(
                    status.as_u16() < 500,
                    "seed {seed}: {action} answered {status} {} to {}",
                    String::from_utf8_lossy(&answer),
                    String::from_utf8_lossy(&bytes)
                );
                sent += 1;
            }
        }
    }
    assert!(sent > 100, "{sent} requests");
}
