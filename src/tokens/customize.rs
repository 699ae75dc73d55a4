//! The PreTokenGeneration trigger: the pool's function sees what the tokens would carry and
//! may add, override or suppress claims, override groups and roles, and (event version 2 and
//! 3) customise the access token and its scopes — as the developer guide's "Pre token
//! generation Lambda trigger" describes.
//!
//! Claims that carry the token's identity and validity cannot be changed (Cognito refuses
//! them too); they are left as issued.

use super::claims::TokenSubject;
use crate::protocol::ApiResult;
use crate::protocol::ctx::Ctx;
use crate::protocol::generated::idp::UserPoolType;
use crate::triggers::{self, Invocation, Trigger};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Claims a function may not add, override or suppress.
const PROTECTED: &[&str] = &[
    "acr",
    "amr",
    "at_hash",
    "aud",
    "auth_time",
    "azp",
    "client_id",
    "cognito:username",
    "event_id",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nonce",
    "origin_jti",
    "scope",
    "sub",
    "token_use",
    "username",
    "version",
];

/// What a token issuance tells the trigger besides the subject.
pub struct Context<'a> {
    /// `triggerSource`: TokenGeneration_Authentication, _RefreshTokens, _HostedAuth, ...
    pub source: &'a str,
    pub client_id: &'a str,
    pub client_metadata: &'a BTreeMap<String, String>,
}

/// Runs the pool's PreTokenGeneration function (if any) and applies its answer to the two
/// claim sets about to be signed.
pub async fn pre_token_generation(
    ctx: &Ctx,
    pool: &UserPoolType,
    subject: &TokenSubject,
    at: &Context<'_>,
    id_claims: &mut Value,
    access_claims: &mut Value,
) -> ApiResult<()> {
    if !triggers::configured(pool, Trigger::PreTokenGeneration) {
        return Ok(());
    }
    let version = triggers::version(pool, Trigger::PreTokenGeneration);
    let mut attributes = match triggers::user_attributes(&subject.attributes) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    // Only a confirmed user is issued tokens; a client (client_credentials) has no user.
    if !subject.sub.is_empty() {
        attributes.insert("sub".into(), Value::from(subject.sub.clone()));
        attributes.insert("cognito:user_status".into(), Value::from("CONFIRMED"));
    }
    let groups: Vec<&str> = subject.groups.iter().map(|g| g.name.as_str()).collect();
    let roles: Vec<&str> = subject
        .groups
        .iter()
        .filter_map(|g| g.role_arn.as_deref())
        .collect();
    let preferred = id_claims.get("cognito:preferred_role").cloned();
    let mut request = json!({
        "userAttributes": attributes,
        "groupConfiguration": {
            "groupsToOverride": groups,
            "iamRolesToOverride": roles,
            "preferredRole": preferred,
        },
        "clientMetadata": triggers::string_map(at.client_metadata),
    });
    let response = if version == "1" {
        json!({"claimsOverrideDetails": null})
    } else {
        let scopes: Vec<&str> = access_claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        request["scopes"] = json!(scopes);
        json!({"claimsAndScopeOverrideDetails": null})
    };
    let answer = triggers::run(
        ctx,
        pool,
        Invocation {
            trigger: Trigger::PreTokenGeneration,
            source: at.source,
            user_name: &subject.username,
            client_id: Some(at.client_id),
            request,
            response,
        },
    )
    .await?
    .unwrap_or_default();
    if version == "1" {
        let details = &answer["claimsOverrideDetails"];
        // Version 1 customises the ID token only (groups apply to both).
        apply_claims(id_claims, details, false);
        apply_groups(id_claims, access_claims, &details["groupOverrideDetails"]);
    } else {
        let details = &answer["claimsAndScopeOverrideDetails"];
        apply_claims(id_claims, &details["idTokenGeneration"], true);
        apply_claims(access_claims, &details["accessTokenGeneration"], true);
        apply_scopes(access_claims, &details["accessTokenGeneration"]);
        apply_groups(id_claims, access_claims, &details["groupOverrideDetails"]);
    }
    Ok(())
}

/// `claimsToAddOrOverride` and `claimsToSuppress`. Version 1 claims are strings (other
/// values are written as their JSON text); versions 2 and 3 take any JSON value.
fn apply_claims(claims: &mut Value, details: &Value, any_json: bool) {
    let Some(map) = claims.as_object_mut() else {
        return;
    };
    if let Some(add) = details["claimsToAddOrOverride"].as_object() {
        for (name, value) in add {
            if PROTECTED.contains(&name.as_str()) || name.starts_with("cognito:") {
                continue;
            }
            let value = match value {
                Value::String(_) => value.clone(),
                _ if any_json => value.clone(),
                other => Value::from(other.to_string()),
            };
            map.insert(name.clone(), value);
        }
    }
    if let Some(suppress) = details["claimsToSuppress"].as_array() {
        for name in suppress.iter().filter_map(Value::as_str) {
            if !PROTECTED.contains(&name) && !name.starts_with("cognito:") {
                map.remove(name);
            }
        }
    }
}

/// `scopesToAdd` / `scopesToSuppress` on the access token's `scope`.
fn apply_scopes(access: &mut Value, details: &Value) {
    let mut scopes: Vec<String> = access["scope"]
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    for s in details["scopesToAdd"].as_array().into_iter().flatten() {
        if let Some(s) = s.as_str().filter(|s| !s.is_empty())
            && !scopes.iter().any(|x| x == s)
        {
            scopes.push(s.to_string());
        }
    }
    if let Some(suppress) = details["scopesToSuppress"].as_array() {
        scopes.retain(|s| !suppress.iter().any(|x| x.as_str() == Some(s)));
    }
    if let Some(map) = access.as_object_mut() {
        map.insert("scope".into(), Value::from(scopes.join(" ")));
    }
}

/// `groupOverrideDetails`: each member given replaces the groups, roles or preferred role.
fn apply_groups(id: &mut Value, access: &mut Value, details: &Value) {
    let set = |claims: &mut Value, name: &str, value: Option<Value>| {
        if let Some(map) = claims.as_object_mut() {
            match value {
                Some(Value::Array(a)) if a.is_empty() => map.remove(name),
                Some(Value::Null) | None => map.remove(name),
                Some(v) => map.insert(name.into(), v),
            };
        }
    };
    if let Some(groups) = details.get("groupsToOverride").filter(|v| v.is_array()) {
        set(id, "cognito:groups", Some(groups.clone()));
        set(access, "cognito:groups", Some(groups.clone()));
    }
    if let Some(roles) = details.get("iamRolesToOverride").filter(|v| v.is_array()) {
        set(id, "cognito:roles", Some(roles.clone()));
    }
    if let Some(role) = details.get("preferredRole").filter(|v| !v.is_null()) {
        set(id, "cognito:preferred_role", Some(role.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_added_overridden_and_suppressed_but_never_identity() {
        let mut id = json!({"sub": "s", "email": "a@b.c", "name": "A"});
        apply_claims(
            &mut id,
            &json!({
                "claimsToAddOrOverride": {"tier": "gold", "name": "B", "sub": "x", "n": 3},
                "claimsToSuppress": ["email", "iss"],
            }),
            false,
        );
        assert_eq!(
            id,
            json!({"sub": "s", "name": "B", "tier": "gold", "n": "3"})
        );
        let mut access = json!({"scope": "openid email", "client_id": "c"});
        apply_claims(
            &mut access,
            &json!({"claimsToAddOrOverride": {"roles": ["a", "b"]}}),
            true,
        );
        apply_scopes(
            &mut access,
            &json!({"scopesToAdd": ["orders/read"], "scopesToSuppress": ["email"]}),
        );
        assert_eq!(
            access,
            json!({"scope": "openid orders/read", "client_id": "c", "roles": ["a", "b"]})
        );
    }

    #[test]
    fn group_overrides_replace_or_remove_group_claims() {
        let mut id = json!({"cognito:groups": ["a"], "cognito:roles": ["r"]});
        let mut access = json!({"cognito:groups": ["a"]});
        apply_groups(
            &mut id,
            &mut access,
            &json!({"groupsToOverride": ["x", "y"], "iamRolesToOverride": []}),
        );
        assert_eq!(id, json!({"cognito:groups": ["x", "y"]}));
        assert_eq!(access, json!({"cognito:groups": ["x", "y"]}));
    }
}
