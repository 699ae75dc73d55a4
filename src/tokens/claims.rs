//! Cognito's claim sets for ID and access tokens.

use serde_json::{Map, Value, json};

/// The signed-in user, as tokens describe them.
#[derive(Debug, Clone, Default)]
pub struct TokenSubject {
    /// The internal username (`cognito:username`, USER_ID_FOR_SRP).
    pub username: String,
    pub sub: String,
    /// All of the user's attributes (name, value), as stored.
    pub attributes: Vec<(String, String)>,
    /// The user's groups.
    pub groups: Vec<GroupClaim>,
}

#[derive(Debug, Clone, Default)]
pub struct GroupClaim {
    pub name: String,
    pub role_arn: Option<String>,
    pub precedence: Option<i32>,
}

/// Claims both tokens of one issuance share.
pub struct Common<'a> {
    pub iss: &'a str,
    pub iat: i64,
    pub auth_time: i64,
    pub origin_jti: &'a str,
    pub event_id: &'a str,
}

fn groups_sorted(subject: &TokenSubject) -> Vec<&GroupClaim> {
    // Lowest precedence first (it wins for the preferred role); no precedence sorts last.
    let mut groups: Vec<&GroupClaim> = subject.groups.iter().collect();
    groups.sort_by_key(|g| (g.precedence.unwrap_or(i32::MAX), g.name.clone()));
    groups
}

/// How an attribute appears in the ID token: booleans and numbers for the attributes OIDC
/// types so, `address` as an object, everything else (including `custom:*`) as a string.
fn attribute_claim(name: &str, value: &str) -> Value {
    match name {
        "email_verified" | "phone_number_verified" => Value::Bool(value == "true"),
        "updated_at" => value
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(value.into())),
        "address" => json!({"formatted": value}),
        // Federated users: the attribute is a JSON string, the claim the parsed array.
        "identities" => serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.into())),
        _ => Value::String(value.into()),
    }
}

/// The ID token's claims. `read_attributes` is the client's ReadAttributes (None or empty:
/// all attributes are readable).
pub fn id_token_claims(
    c: &Common,
    subject: &TokenSubject,
    client_id: &str,
    read_attributes: Option<&[String]>,
    exp: i64,
    nonce: Option<&str>,
) -> Value {
    let readable = |name: &str| match read_attributes {
        Some(list) if !list.is_empty() => list.iter().any(|a| a == name),
        _ => true,
    };
    let mut m = Map::new();
    let has = |n: &str| subject.attributes.iter().any(|(k, _)| k == n);
    for (name, value) in &subject.attributes {
        if name == "sub" || !readable(name) {
            continue;
        }
        m.insert(name.clone(), attribute_claim(name, value));
    }
    // A user with an email or phone number always has its verified flag in the token.
    if has("email") && !has("email_verified") && readable("email_verified") {
        m.insert("email_verified".into(), Value::Bool(false));
    }
    if has("phone_number") && !has("phone_number_verified") && readable("phone_number_verified") {
        m.insert("phone_number_verified".into(), Value::Bool(false));
    }
    let groups = groups_sorted(subject);
    if !groups.is_empty() {
        m.insert(
            "cognito:groups".into(),
            groups.iter().map(|g| Value::from(g.name.clone())).collect(),
        );
        let roles: Vec<Value> = groups
            .iter()
            .filter_map(|g| g.role_arn.clone().map(Value::from))
            .collect();
        if !roles.is_empty() {
            m.insert("cognito:roles".into(), Value::Array(roles));
        }
        if let Some(role) = groups.iter().find_map(|g| g.role_arn.clone()) {
            m.insert("cognito:preferred_role".into(), Value::from(role));
        }
    }
    m.insert("sub".into(), Value::from(subject.sub.clone()));
    m.insert("aud".into(), Value::from(client_id));
    m.insert("token_use".into(), Value::from("id"));
    m.insert("auth_time".into(), Value::from(c.auth_time));
    m.insert("iss".into(), Value::from(c.iss));
    m.insert(
        "cognito:username".into(),
        Value::from(subject.username.clone()),
    );
    m.insert("exp".into(), Value::from(exp));
    m.insert("iat".into(), Value::from(c.iat));
    m.insert("jti".into(), Value::from(crate::ids::uuid()));
    m.insert("origin_jti".into(), Value::from(c.origin_jti));
    m.insert("event_id".into(), Value::from(c.event_id));
    if let Some(nonce) = nonce {
        m.insert("nonce".into(), Value::from(nonce));
    }
    Value::Object(m)
}

/// The access token's claims (no `aud`: APIs check `client_id` and `token_use`).
pub fn access_token_claims(
    c: &Common,
    subject: &TokenSubject,
    client_id: &str,
    scope: &str,
    device_key: Option<&str>,
    exp: i64,
) -> Value {
    let mut m = Map::new();
    m.insert("sub".into(), Value::from(subject.sub.clone()));
    let groups = groups_sorted(subject);
    if !groups.is_empty() {
        m.insert(
            "cognito:groups".into(),
            groups.iter().map(|g| Value::from(g.name.clone())).collect(),
        );
    }
    if let Some(key) = device_key {
        m.insert("device_key".into(), Value::from(key));
    }
    m.insert("iss".into(), Value::from(c.iss));
    m.insert("client_id".into(), Value::from(client_id));
    m.insert("origin_jti".into(), Value::from(c.origin_jti));
    m.insert("event_id".into(), Value::from(c.event_id));
    m.insert("token_use".into(), Value::from("access"));
    m.insert("scope".into(), Value::from(scope));
    m.insert("auth_time".into(), Value::from(c.auth_time));
    m.insert("exp".into(), Value::from(exp));
    m.insert("iat".into(), Value::from(c.iat));
    m.insert("jti".into(), Value::from(crate::ids::uuid()));
    m.insert("username".into(), Value::from(subject.username.clone()));
    Value::Object(m)
}
