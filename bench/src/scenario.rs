//! The fixture every phase runs against (a pool, clients, signed-up users, their tokens) and
//! one function per operation the phases repeat.

use crate::client::{Answer, Conn, Target};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use cognito_emu::crypto::srp;
use num_bigint::BigUint;
use rand::Rng;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Satisfies Cognito's default password policy.
pub const PASSWORD: &str = "Bench-Passw0rd!";
/// Users created up front for the sign-in phases (workers take them round-robin).
pub const SIGN_IN_USERS: usize = 32;

/// One operation a phase repeats. Each counts as one op, whatever number of requests it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// AdminCreateUser + AdminSetUserPassword (permanent).
    AdminCreateUser,
    /// SignUp + AdminConfirmSignUp.
    SignUpConfirm,
    /// InitiateAuth USER_PASSWORD_AUTH.
    PasswordAuth,
    /// InitiateAuth USER_SRP_AUTH + RespondToAuthChallenge PASSWORD_VERIFIER.
    SrpAuth,
    /// InitiateAuth REFRESH_TOKEN_AUTH.
    RefreshAuth,
    /// GetUser with an access token.
    GetUser,
    /// AdminGetUser.
    AdminGetUser,
    /// ListUsers with `email = "..."`.
    ListUsersFilter,
    /// POST /oauth2/token grant_type=client_credentials.
    ClientCredentials,
    /// POST /_bench/constant?size=N on the emulator (the HTTP floor).
    HttpFloor,
    /// AdminCreateUser alone (scale preload and scale measurement).
    AdminCreateOnly,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::AdminCreateUser => "AdminCreateUser+AdminSetUserPassword",
            Op::SignUpConfirm => "SignUp+AdminConfirmSignUp",
            Op::PasswordAuth => "InitiateAuth USER_PASSWORD_AUTH",
            Op::SrpAuth => "USER_SRP_AUTH handshake",
            Op::RefreshAuth => "InitiateAuth REFRESH_TOKEN_AUTH",
            Op::GetUser => "GetUser",
            Op::AdminGetUser => "AdminGetUser",
            Op::ListUsersFilter => "ListUsers email filter",
            Op::ClientCredentials => "/oauth2/token client_credentials",
            Op::HttpFloor => "HTTP floor (constant body)",
            Op::AdminCreateOnly => "AdminCreateUser",
        }
    }

    /// The phases of the throughput table, in order.
    pub const PHASES: [Op; 10] = [
        Op::AdminCreateUser,
        Op::SignUpConfirm,
        Op::PasswordAuth,
        Op::SrpAuth,
        Op::RefreshAuth,
        Op::GetUser,
        Op::AdminGetUser,
        Op::ListUsersFilter,
        Op::ClientCredentials,
        Op::HttpFloor,
    ];
}

/// A signed-in user's tokens.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

/// Everything the phases share.
#[derive(Debug)]
pub struct Fixture {
    pub run_id: String,
    pub pool_id: String,
    pub client_id: String,
    /// (client id, secret, scope) of a confidential client with client_credentials.
    pub cc_client: Option<(String, String, String)>,
    /// Why the client_credentials client could not be made.
    pub cc_error: Option<String>,
    pub users: Vec<String>,
    pub tokens: Vec<Tokens>,
    /// Why tokens could not be had (refresh and GetUser then report it).
    pub tokens_error: Option<String>,
    /// Body size of a GetUser (or AdminGetUser) answer: the floor route answers as much.
    pub floor_size: usize,
    /// Users preloaded for the scale runs (`p{run}-{i}`), and the next index to create.
    pub preloaded: AtomicU64,
    pub seq: AtomicU64,
}

/// Usernames are email-shaped and the email attribute is the username: that fits pools with
/// and without email as a username attribute (cognito-local's default pool has it).
pub fn email_of(username: &str) -> String {
    username.to_string()
}

pub fn preload_name(run_id: &str, i: u64) -> String {
    format!("p{run_id}-{i}@example.com")
}

impl Fixture {
    /// Creates the pool, the client(s) and the sign-in users, and signs them in once.
    pub async fn create(target: &Target) -> Result<Fixture, String> {
        let run_id: String = {
            let mut rng = rand::rng();
            (0..6)
                .map(|_| (b'a' + rng.random_range(0..26u8)) as char)
                .collect()
        };
        let mut conn = Conn::new(target);
        let pool = conn
            .idp_ok(
                "CreateUserPool",
                &json!({"PoolName": format!("bench-{run_id}")}),
            )
            .await?;
        let pool_id = pool["UserPool"]["Id"]
            .as_str()
            .ok_or("CreateUserPool: no UserPool.Id")?
            .to_string();
        let client = conn
            .idp_ok(
                "CreateUserPoolClient",
                &json!({
                    "UserPoolId": pool_id,
                    "ClientName": "bench",
                    "ExplicitAuthFlows": [
                        "ALLOW_USER_PASSWORD_AUTH",
                        "ALLOW_USER_SRP_AUTH",
                        "ALLOW_REFRESH_TOKEN_AUTH",
                        "ALLOW_ADMIN_USER_PASSWORD_AUTH"
                    ],
                }),
            )
            .await?;
        let client_id = client["UserPoolClient"]["ClientId"]
            .as_str()
            .ok_or("CreateUserPoolClient: no ClientId")?
            .to_string();
        let (cc_client, cc_error) = match cc_client(&mut conn, &pool_id).await {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(e)),
        };
        let mut fx = Fixture {
            run_id,
            pool_id,
            client_id,
            cc_client,
            cc_error,
            users: Vec::new(),
            tokens: Vec::new(),
            tokens_error: None,
            floor_size: 0,
            preloaded: AtomicU64::new(0),
            seq: AtomicU64::new(0),
        };
        for i in 0..SIGN_IN_USERS {
            let name = format!("s{}-{i}@example.com", fx.run_id);
            create_user(&mut conn, &fx.pool_id, &name, true).await?;
            fx.users.push(name);
        }
        let mut worker = Worker::new(target, 0);
        for i in 0..SIGN_IN_USERS {
            match sign_in_for_tokens(&fx, &mut worker, i).await {
                Ok(t) => fx.tokens.push(t),
                Err(e) => {
                    fx.tokens.clear();
                    fx.tokens_error = Some(e);
                    break;
                }
            }
        }
        // The floor answers as many bytes as GetUser does (AdminGetUser when GetUser can't run).
        let size = match fx.tokens.first() {
            Some(t) => conn
                .idp("GetUser", &json!({"AccessToken": t.access}))
                .await
                .ok()
                .filter(Answer::ok)
                .map(|a| a.body.len()),
            None => None,
        };
        fx.floor_size = match size {
            Some(s) => s,
            None => conn
                .idp(
                    "AdminGetUser",
                    &json!({"UserPoolId": fx.pool_id, "Username": fx.users[0]}),
                )
                .await
                .map(|a| a.body.len())
                .unwrap_or(512),
        };
        Ok(fx)
    }
}

/// A resource server with one scope and a confidential client allowed client_credentials.
async fn cc_client(conn: &mut Conn, pool_id: &str) -> Result<(String, String, String), String> {
    conn.idp_ok(
        "CreateResourceServer",
        &json!({
            "UserPoolId": pool_id,
            "Identifier": "bench",
            "Name": "bench",
            "Scopes": [{"ScopeName": "read", "ScopeDescription": "read"}],
        }),
    )
    .await?;
    let c = conn
        .idp_ok(
            "CreateUserPoolClient",
            &json!({
                "UserPoolId": pool_id,
                "ClientName": "bench-m2m",
                "GenerateSecret": true,
                "AllowedOAuthFlows": ["client_credentials"],
                "AllowedOAuthScopes": ["bench/read"],
                "AllowedOAuthFlowsUserPoolClient": true,
            }),
        )
        .await?;
    let id = c["UserPoolClient"]["ClientId"].as_str().unwrap_or_default();
    let secret = c["UserPoolClient"]["ClientSecret"]
        .as_str()
        .unwrap_or_default();
    if id.is_empty() || secret.is_empty() {
        return Err("CreateUserPoolClient: no ClientId/ClientSecret".into());
    }
    Ok((id.into(), secret.into(), "bench/read".into()))
}

/// The first password sign-in on each of three new pools, in ms (the median): what a test
/// suite that makes a pool per test waits for on top of an ordinary sign-in (a pool's
/// signing keys are made or taken from stock then).
pub async fn first_sign_in(target: &Target) -> Result<f64, String> {
    let mut conn = Conn::new(target);
    let mut times = Vec::new();
    for i in 0..3 {
        let pool = conn
            .idp_ok("CreateUserPool", &json!({"PoolName": format!("first-{i}")}))
            .await?;
        let pool_id = pool["UserPool"]["Id"].as_str().ok_or("no UserPool.Id")?;
        let client = conn
            .idp_ok(
                "CreateUserPoolClient",
                &json!({
                    "UserPoolId": pool_id,
                    "ClientName": "first",
                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                }),
            )
            .await?;
        let client_id = client["UserPoolClient"]["ClientId"]
            .as_str()
            .ok_or("no ClientId")?;
        let name = format!("first{i}@example.com");
        create_user(&mut conn, pool_id, &name, true).await?;
        let started = std::time::Instant::now();
        conn.idp_ok(
            "InitiateAuth",
            &json!({
                "ClientId": client_id,
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD},
            }),
        )
        .await?;
        times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// AdminCreateUser (no message), then a permanent password when `password` is set.
pub async fn create_user(
    conn: &mut Conn,
    pool_id: &str,
    username: &str,
    password: bool,
) -> Result<(), String> {
    conn.idp_ok(
        "AdminCreateUser",
        &json!({
            "UserPoolId": pool_id,
            "Username": username,
            "MessageAction": "SUPPRESS",
            "UserAttributes": [
                {"Name": "email", "Value": email_of(username)},
                {"Name": "email_verified", "Value": "true"}
            ],
        }),
    )
    .await?;
    if password {
        conn.idp_ok(
            "AdminSetUserPassword",
            &json!({
                "UserPoolId": pool_id,
                "Username": username,
                "Password": PASSWORD,
                "Permanent": true,
            }),
        )
        .await?;
    }
    Ok(())
}

async fn sign_in_for_tokens(fx: &Fixture, w: &mut Worker, i: usize) -> Result<Tokens, String> {
    let result = match password_auth(fx, &mut w.conn, &fx.users[i]).await {
        Ok(r) => r,
        Err(pw) => srp_auth(fx, w, i)
            .await
            .map_err(|srp| format!("password sign-in: {pw}; SRP sign-in: {srp}"))?,
    };
    let auth = &result["AuthenticationResult"];
    Ok(Tokens {
        access: auth["AccessToken"].as_str().unwrap_or_default().into(),
        refresh: auth["RefreshToken"].as_str().unwrap_or_default().into(),
    })
}

fn need_tokens(result: &Value, action: &str) -> Result<(), String> {
    if result["AuthenticationResult"]["AccessToken"].is_string() {
        Ok(())
    } else {
        Err(format!("{action}: answer without AuthenticationResult"))
    }
}

async fn password_auth(fx: &Fixture, conn: &mut Conn, user: &str) -> Result<Value, String> {
    let r = conn
        .idp_ok(
            "InitiateAuth",
            &json!({
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": fx.client_id,
                "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD},
            }),
        )
        .await?;
    need_tokens(&r, "InitiateAuth")?;
    Ok(r)
}

/// One worker: its connection and its SRP client state.
pub struct Worker {
    pub id: usize,
    pub conn: Conn,
    /// Client secrets `a` and their A = g^a, made before the clock starts and cycled
    /// (the server's work per handshake does not depend on A being new).
    srp_pairs: Vec<(BigUint, BigUint)>,
    /// g^x per user and salt: the same for every handshake of that user.
    gx: HashMap<(String, String), (BigUint, BigUint)>,
    pub n: u64,
}

impl Worker {
    pub fn new(target: &Target, id: usize) -> Worker {
        Worker {
            id,
            conn: Conn::new(target),
            srp_pairs: Vec::new(),
            gx: HashMap::new(),
            n: 0,
        }
    }

    /// Prepares per-worker client state for `op` (outside the timed section).
    pub fn prepare(&mut self, op: Op) {
        if op == Op::SrpAuth && self.srp_pairs.is_empty() {
            for _ in 0..4 {
                let mut bytes = [0u8; 32];
                rand::rng().fill(&mut bytes);
                let a = BigUint::from_bytes_be(&bytes);
                let a_pub = srp::client::public_a(&a);
                self.srp_pairs.push((a, a_pub));
            }
        }
    }
}

async fn srp_auth(fx: &Fixture, w: &mut Worker, user_index: usize) -> Result<Value, String> {
    w.prepare(Op::SrpAuth);
    let user = &fx.users[user_index % fx.users.len()];
    let (a, a_pub) = w.srp_pairs[(w.n as usize) % w.srp_pairs.len()].clone();
    let challenge = w
        .conn
        .idp_ok(
            "InitiateAuth",
            &json!({
                "AuthFlow": "USER_SRP_AUTH",
                "ClientId": fx.client_id,
                "AuthParameters": {"USERNAME": user, "SRP_A": a_pub.to_str_radix(16)},
            }),
        )
        .await?;
    if challenge["ChallengeName"] != "PASSWORD_VERIFIER" {
        return Err(format!(
            "InitiateAuth USER_SRP_AUTH: expected PASSWORD_VERIFIER, got {}",
            challenge["ChallengeName"]
        ));
    }
    let p = &challenge["ChallengeParameters"];
    let get = |k: &str| p[k].as_str().unwrap_or_default().to_string();
    let (salt_hex, b_hex, secret_block, user_id) = (
        get("SALT"),
        get("SRP_B"),
        get("SECRET_BLOCK"),
        get("USER_ID_FOR_SRP"),
    );
    let parse = |h: &str| BigUint::parse_bytes(h.as_bytes(), 16);
    let (Some(salt), Some(b_pub)) = (parse(&salt_hex), parse(&b_hex)) else {
        return Err("PASSWORD_VERIFIER: SALT/SRP_B missing or not hex".into());
    };
    let pool_name = srp::pool_name(&fx.pool_id);
    // The client half as amazon-cognito-identity-js computes it, with g^x kept per user.
    // The powers use the emulator's Montgomery arithmetic (num-bigint's modpow cost about
    // as much CPU as the whole server half, and the generator shares the machine).
    let (x, gx) =
        w.gx.entry((user_id.clone(), salt_hex))
            .or_insert_with(|| {
                let x = srp::private_key_x(pool_name, &user_id, PASSWORD, &salt);
                let gx = srp::pow_g(&x);
                (x, gx)
            })
            .clone();
    let u = srp::scrambler(&a_pub, &b_pub);
    if u == BigUint::ZERO {
        return Err("SRP: u = 0".into());
    }
    let n = &*srp::N;
    let kgx = (&*srp::K * gx) % n;
    let base = ((b_pub % n) + n - kgx) % n;
    let s = srp::modpow(&base, &(a + u.clone() * x));
    let key = srp::derive_key(&s, &u);
    // Lenient like amazon-cognito-identity-js's Buffer.from(block, "base64"): a block that is
    // not base64 (moto sends one) is signed as its raw bytes.
    let block = B64
        .decode(&secret_block)
        .unwrap_or_else(|_| secret_block.as_bytes().to_vec());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let timestamp = srp::format_timestamp(now);
    let signature = srp::signature(&key, pool_name, &user_id, &block, &timestamp);
    let mut body = json!({
        "ClientId": fx.client_id,
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeResponses": {
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": secret_block,
            "PASSWORD_CLAIM_SIGNATURE": signature,
            "TIMESTAMP": timestamp,
        },
    });
    if let Some(session) = challenge.get("Session").filter(|s| s.is_string()) {
        body["Session"] = session.clone();
    }
    let r = w.conn.idp_ok("RespondToAuthChallenge", &body).await?;
    need_tokens(&r, "RespondToAuthChallenge")?;
    Ok(r)
}

fn pick(n: usize) -> usize {
    rand::rng().random_range(0..n.max(1))
}

/// Runs one operation. `Err` is an error response or a transport failure.
pub async fn run_op(fx: &Fixture, w: &mut Worker, op: Op) -> Result<(), String> {
    w.n += 1;
    let user_index = (w.id + w.n as usize) % fx.users.len();
    match op {
        Op::AdminCreateUser | Op::AdminCreateOnly => {
            let seq = fx.seq.fetch_add(1, Ordering::Relaxed);
            let name = format!("c{}-{seq}@example.com", fx.run_id);
            create_user(&mut w.conn, &fx.pool_id, &name, op == Op::AdminCreateUser).await
        }
        Op::SignUpConfirm => {
            let seq = fx.seq.fetch_add(1, Ordering::Relaxed);
            let name = format!("u{}-{seq}@example.com", fx.run_id);
            w.conn
                .idp_ok(
                    "SignUp",
                    &json!({
                        "ClientId": fx.client_id,
                        "Username": name,
                        "Password": PASSWORD,
                        "UserAttributes": [{"Name": "email", "Value": email_of(&name)}],
                    }),
                )
                .await?;
            w.conn
                .idp_ok(
                    "AdminConfirmSignUp",
                    &json!({"UserPoolId": fx.pool_id, "Username": name}),
                )
                .await
                .map(drop)
        }
        Op::PasswordAuth => password_auth(fx, &mut w.conn, &fx.users[user_index])
            .await
            .map(drop),
        Op::SrpAuth => srp_auth(fx, w, user_index).await.map(drop),
        Op::RefreshAuth => {
            let t = tokens_of(fx, user_index)?;
            let r = w
                .conn
                .idp_ok(
                    "InitiateAuth",
                    &json!({
                        "AuthFlow": "REFRESH_TOKEN_AUTH",
                        "ClientId": fx.client_id,
                        "AuthParameters": {"REFRESH_TOKEN": t.refresh},
                    }),
                )
                .await?;
            need_tokens(&r, "InitiateAuth REFRESH_TOKEN_AUTH")
        }
        Op::GetUser => {
            let t = tokens_of(fx, user_index)?;
            w.conn
                .idp_ok("GetUser", &json!({"AccessToken": t.access}))
                .await
                .map(drop)
        }
        Op::AdminGetUser => {
            let name = scale_user(fx).unwrap_or_else(|| fx.users[user_index].clone());
            w.conn
                .idp_ok(
                    "AdminGetUser",
                    &json!({"UserPoolId": fx.pool_id, "Username": name}),
                )
                .await
                .map(drop)
        }
        Op::ListUsersFilter => {
            let name = scale_user(fx).unwrap_or_else(|| fx.users[user_index].clone());
            let r = w
                .conn
                .idp_ok(
                    "ListUsers",
                    &json!({
                        "UserPoolId": fx.pool_id,
                        "Filter": format!("email = \"{}\"", email_of(&name)),
                    }),
                )
                .await?;
            match r["Users"].as_array().map(Vec::len) {
                Some(1) => Ok(()),
                n => Err(format!("ListUsers filter: expected 1 user, got {n:?}")),
            }
        }
        Op::ClientCredentials => {
            let Some((id, secret, scope)) = &fx.cc_client else {
                return Err(fx.cc_error.clone().unwrap_or_default());
            };
            let basic = format!("Basic {}", B64.encode(format!("{id}:{secret}")));
            let form = form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "client_credentials")
                .append_pair("scope", scope)
                .finish();
            let a = w
                .conn
                .send(
                    "/oauth2/token",
                    &[
                        ("content-type", "application/x-www-form-urlencoded"),
                        ("authorization", &basic),
                    ],
                    Bytes::from(form),
                )
                .await?;
            if a.ok() && a.json()["access_token"].is_string() {
                Ok(())
            } else {
                Err(format!("/oauth2/token: {}", a.describe()))
            }
        }
        Op::HttpFloor => {
            let path = format!("/_bench/constant?size={}", fx.floor_size);
            let a = w
                .conn
                .send(
                    &path,
                    &[("content-type", "application/x-amz-json-1.1")],
                    Bytes::from_static(b"{}"),
                )
                .await?;
            if a.ok() && a.body.len() == fx.floor_size {
                Ok(())
            } else {
                Err(format!("floor: {}", a.describe()))
            }
        }
    }
}

fn tokens_of(fx: &Fixture, i: usize) -> Result<&Tokens, String> {
    fx.tokens.get(i % fx.tokens.len().max(1)).ok_or_else(|| {
        format!(
            "no tokens: {}",
            fx.tokens_error.as_deref().unwrap_or("sign-in failed")
        )
    })
}

/// A random preloaded user, when the scale runs preloaded any.
fn scale_user(fx: &Fixture) -> Option<String> {
    let n = fx.preloaded.load(Ordering::Relaxed);
    (n > 0).then(|| preload_name(&fx.run_id, pick(n as usize) as u64))
}

/// Creates preload user number `i` (AdminCreateUser, no password: the scale phases sign in
/// with the fixture's users).
pub async fn preload_one(fx: &Fixture, conn: &mut Conn, i: u64) -> Result<(), String> {
    create_user(conn, &fx.pool_id, &preload_name(&fx.run_id, i), false).await
}

/// Whether an error says the operation does not exist on the target (as opposed to failing).
pub fn is_unsupported(err: &str) -> bool {
    let e = err.to_ascii_lowercase();
    [
        "notimplemented",
        "not implemented",
        "unsupported",
        "not supported",
        "unknownoperation",
        "unknown operation",
        "404 ",
        "501 ",
        "no tokens:",
        "no such route",
        "createresourceserver",
    ]
    .iter()
    .any(|m| e.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_errors_are_told_apart_from_failures() {
        assert!(is_unsupported(
            "InitiateAuth: 400 NotImplementedException: InitiateAuth is not implemented"
        ));
        assert!(is_unsupported("/oauth2/token: 404 : Not Found"));
        assert!(!is_unsupported(
            "InitiateAuth: 400 NotAuthorizedException: Incorrect username or password."
        ));
        assert!(!is_unsupported("AdminCreateUser: 500 : boom"));
    }

    #[test]
    fn the_bench_srp_client_agrees_with_the_server_half() {
        // The same arithmetic srp_auth does, checked against the crate's server half.
        let salt = BigUint::from(0x1234_5678u64);
        let v = srp::verifier("Pool", "user", PASSWORD, &salt);
        let a = BigUint::from(987_654_321u64);
        let a_pub = srp::client::public_a(&a);
        let ch = srp::server_challenge(&v, BigUint::from(123_456_789u64));
        let server = srp::server_key(&a_pub, &ch.b_pub, &ch.b, &v).unwrap();
        let client =
            srp::client::session_key("Pool", "user", PASSWORD, &a, &a_pub, &ch.b_pub, &salt)
                .unwrap();
        assert_eq!(server, client);
    }
}
