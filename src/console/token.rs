//! `/_dev/token`: paste a JWT, see its header and claims, and what the emulator makes of it —
//! the signature checked with the pool's own keys, the issuer, expiry by the emulated clock,
//! the client, and the verdict of the check the API itself runs (`tokens::verify`). The token
//! is posted, so it never lands in a URL or the browser's history.

use super::console_ctx;
use super::html::{self, Nav, json_block, relative, when};
use crate::protocol::ctx::Ctx;
use crate::state::AppState;
use crate::tokens::verify::{TokenError, verify_access_token, verify_id_token};
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    token: String,
}

pub async fn form_page(State(app): State<AppState>, headers: HeaderMap) -> Response {
    render(&app, &headers, "").await
}

pub async fn decode_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    render(&app, &headers, &form.token).await
}

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Warn,
    Fail,
}

#[derive(Debug)]
pub struct Check {
    pub name: &'static str,
    pub outcome: Outcome,
    pub text: String,
}

fn check(name: &'static str, outcome: Outcome, text: impl Into<String>) -> Check {
    Check {
        name,
        outcome,
        text: text.into(),
    }
}

/// A pasted token without whitespace or a `Bearer ` prefix.
fn clean(token: &str) -> String {
    let t = token.trim();
    let t = t
        .strip_prefix("Bearer ")
        .or_else(|| t.strip_prefix("bearer "))
        .unwrap_or(t);
    t.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The header and claims of a compact JWS, or why it is not one.
pub fn decode(token: &str) -> Result<(Value, Map<String, Value>), String> {
    let parts: Vec<&str> = token.split('.').collect();
    match parts.len() {
        3 => {}
        5 => {
            return Err(
                "This is an encrypted JWT (JWE), as Cognito's refresh tokens are: \
                        opaque to anyone but the issuer, so there is nothing to decode. \
                        Paste an ID or access token."
                    .into(),
            );
        }
        1 => return Err("This is not a JWT: no dot-separated parts.".into()),
        n => {
            return Err(format!(
                "A JWT has three dot-separated parts; this has {n}."
            ));
        }
    }
    let part = |i: usize, what: &str| -> Result<Value, String> {
        let bytes = B64URL
            .decode(parts[i].trim_end_matches('='))
            .map_err(|_| format!("The {what} is not base64url."))?;
        serde_json::from_slice(&bytes).map_err(|_| format!("The {what} is not JSON."))
    };
    let header = part(0, "header")?;
    match part(1, "payload")? {
        Value::Object(claims) => Ok((header, claims)),
        _ => Err("The payload is not a JSON object.".into()),
    }
}

fn str_claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

/// Each check on its own, then the API's own verdict.
pub async fn checks(ctx: &Ctx, token: &str, claims: &Map<String, Value>) -> Vec<Check> {
    let mut out = Vec::new();
    let token_use = str_claim(claims, "token_use").unwrap_or_default();
    if token_use == "id" || token_use == "access" {
        out.push(check(
            "token_use",
            Outcome::Pass,
            format!("{token_use} token"),
        ));
    } else {
        out.push(check(
            "token_use",
            Outcome::Fail,
            "no token_use of \"id\" or \"access\": not a user-pool token",
        ));
    }
    let iss = str_claim(claims, "iss").unwrap_or_default();
    let Some(pool_id) = crate::tokens::pool_id_of_issuer(iss) else {
        out.push(check(
            "Issuer",
            Outcome::Fail,
            format!("iss \"{iss}\" names no user pool"),
        ));
        return out;
    };
    let keys = match ctx.store.pool_keys(pool_id).await {
        Ok(Some(keys)) => keys,
        Ok(None) => {
            out.push(check(
                "Issuer",
                Outcome::Fail,
                format!("this emulator has no user pool {pool_id}"),
            ));
            return out;
        }
        Err(e) => {
            out.push(check(
                "Issuer",
                Outcome::Fail,
                crate::protocol::ApiError::from(e).to_string(),
            ));
            return out;
        }
    };
    let expected = crate::tokens::issuer(ctx, pool_id);
    if iss == expected {
        out.push(check(
            "Issuer",
            Outcome::Pass,
            format!("{iss} — pool {pool_id}, as this emulator issues it here"),
        ));
    } else {
        out.push(check(
            "Issuer",
            Outcome::Warn,
            format!(
                "pool {pool_id}, but addressed as {} this emulator issues {expected}: a library \
                 checking iss against the discovery document it fetched here refuses it",
                ctx.base_url
            ),
        ));
    }
    let (own, other, own_name, other_name) = if token_use == "access" {
        (&keys.access, &keys.id, "access-token", "ID-token")
    } else {
        (&keys.id, &keys.access, "ID-token", "access-token")
    };
    if own.verify_jwt_signature(token) {
        out.push(check(
            "Signature",
            Outcome::Pass,
            format!(
                "RS256, made with pool {pool_id}'s {own_name} key (kid {})",
                own.kid
            ),
        ));
    } else if other.verify_jwt_signature(token) {
        out.push(check(
            "Signature",
            Outcome::Fail,
            format!("made with the pool's {other_name} key, not its {own_name} key"),
        ));
    } else {
        out.push(check(
            "Signature",
            Outcome::Fail,
            format!(
                "does not verify with pool {pool_id}'s keys (kids {} and {}): altered, or signed elsewhere",
                keys.id.kid, keys.access.kid
            ),
        ));
    }
    let now = ctx.clock.now_secs();
    match claims.get("exp").and_then(Value::as_i64) {
        Some(exp) if now < exp => out.push(check(
            "Expiry",
            Outcome::Pass,
            format!(
                "expires {} ({}, by the emulated clock)",
                when(exp as f64),
                relative(exp, now)
            ),
        )),
        Some(exp) => out.push(check(
            "Expiry",
            Outcome::Fail,
            format!(
                "expired {} ({}, by the emulated clock)",
                when(exp as f64),
                relative(exp, now)
            ),
        )),
        None => out.push(check("Expiry", Outcome::Fail, "no exp claim")),
    }
    let client = str_claim(claims, "client_id").or_else(|| str_claim(claims, "aud"));
    if let Some(client_id) = client {
        match crate::idp::clients::load_client(ctx, client_id).await {
            Ok((client_pool, c)) if client_pool == pool_id => out.push(check(
                "Client",
                Outcome::Pass,
                format!("{client_id} ({})", c.client_name.unwrap_or_default()),
            )),
            Ok(_) => out.push(check(
                "Client",
                Outcome::Fail,
                format!("{client_id} belongs to another pool"),
            )),
            Err(e) => out.push(check("Client", Outcome::Warn, e.message)),
        }
    }
    out.push(verdict(ctx, token, token_use).await);
    out
}

/// What the API's own token check answers (the one GetUser, GlobalSignOut, identity pools'
/// GetId... run): it also covers revocation and, for access tokens, the user.
async fn verdict(ctx: &Ctx, token: &str, token_use: &str) -> Check {
    let name = "API verdict";
    if token_use == "access" {
        return match verify_access_token(ctx, token).await {
            Ok(c) => check(
                name,
                Outcome::Pass,
                format!("accepted (GetUser would answer for {})", c.username),
            ),
            Err(e) => check(name, Outcome::Fail, format!("refused: {e}")),
        };
    }
    match verify_id_token(ctx, token).await {
        Ok(Ok(_)) => check(name, Outcome::Pass, "accepted as an ID token"),
        Ok(Err(TokenError::Invalid)) => check(name, Outcome::Fail, "refused: invalid"),
        Ok(Err(TokenError::Expired)) => check(name, Outcome::Fail, "refused: expired"),
        Ok(Err(TokenError::Revoked)) => check(
            name,
            Outcome::Fail,
            "refused: revoked (global sign-out, RevokeToken, or the user was disabled or deleted)",
        ),
        Err(e) => check(name, Outcome::Fail, e.to_string()),
    }
}

/// The time claims as dates.
fn times(claims: &Map<String, Value>, now: i64) -> Markup {
    let rows: Vec<(&str, i64)> = ["iat", "auth_time", "nbf", "exp"]
        .into_iter()
        .filter_map(|n| claims.get(n).and_then(Value::as_i64).map(|t| (n, t)))
        .collect();
    html! {
        @if !rows.is_empty() {
            table class="kv" {
                @for (n, t) in rows {
                    tr { th class="mono" { (n) } td { (when(t as f64)) " " span class="muted" { "(" (relative(t, now)) ")" } } }
                }
            }
        }
    }
}

async fn render(app: &AppState, headers: &HeaderMap, pasted: &str) -> Response {
    let ctx = console_ctx(app, headers);
    let token = clean(pasted);
    let result = if token.is_empty() {
        None
    } else {
        Some(match decode(&token) {
            Ok((header, claims)) => {
                let checks = checks(&ctx, &token, &claims).await;
                Ok((header, claims, checks))
            }
            Err(e) => Err(e),
        })
    };
    let now = ctx.clock.now_secs();
    let body = html! {
        h1 { "Token decoder" }
        form method="post" action="/_dev/token" {
            label for="token" { "An ID or access token (JWT) of this emulator" }
            textarea id="token" name="token" rows="6" spellcheck="false" required { (pasted) }
            p { button type="submit" { "Decode and verify" } }
        }
        @match &result {
            None => p class="muted" { "Nothing is stored: the token is checked and shown, that is all." },
            Some(Err(why)) => div class="box error" role="alert" { (why) },
            Some(Ok((header, claims, checks))) => {
                h2 { "Checks" }
                table id="checks" class="kv" {
                    @for c in checks {
                        tr {
                            th { (c.name) }
                            td {
                                @match c.outcome {
                                    Outcome::Pass => span class="ok" { "✓ " },
                                    Outcome::Warn => span class="warn" { "! " },
                                    Outcome::Fail => span class="bad" { "✗ " },
                                }
                                (c.text)
                            }
                        }
                    }
                }
                h2 { "Header" }
                (json_block(header))
                h2 { "Claims" }
                (times(claims, now))
                div id="claims" { (json_block(claims)) }
            }
        }
    };
    html::respond(
        StatusCode::OK,
        html::page("Token decoder", Nav::Token, &[], body),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_compact_jws_only() {
        let enc = |v: &str| B64URL.encode(v);
        let token = format!(
            "{}.{}.sig",
            enc(r#"{"alg":"RS256"}"#),
            enc(r#"{"sub":"x"}"#)
        );
        let (header, claims) = decode(&token).unwrap();
        assert_eq!(header["alg"], "RS256");
        assert_eq!(claims["sub"], "x");
        assert!(decode("opaque").unwrap_err().contains("not a JWT"));
        assert!(decode("a.b.c.d.e").unwrap_err().contains("refresh tokens"));
        assert!(decode("a.b").unwrap_err().contains("three"));
        let not_object = format!("{}.{}.s", enc("{}"), enc("[1]"));
        assert!(decode(&not_object).unwrap_err().contains("object"));
        assert_eq!(clean(" Bearer ab.\n cd.ef "), "ab.cd.ef");
    }
}
