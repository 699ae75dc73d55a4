//! Input validation driven by the service model, with AWS's constraint-violation messages:
//! `1 validation error detected: Value null at 'authFlow' failed to satisfy constraint:
//! Member must not be null`. Wrong JSON types are a `SerializationException` instead.

use super::model::{ServiceModel, Shape};
use regex::Regex;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// What is wrong with an input.
#[derive(Debug, PartialEq)]
pub enum Invalid {
    /// A value of the wrong JSON type: the request cannot be deserialized at all.
    Serialization(String),
    /// Constraint violations in AWS's wording, already joined into one message.
    Constraints(String),
}

/// Validates `input` against the operation's input shape.
pub fn validate_input(model: &ServiceModel, shape: usize, input: &Value) -> Result<(), Invalid> {
    let mut v = Validator {
        model,
        violations: Vec::new(),
    };
    v.check_structure_root(shape, input)?;
    match v.violations.len() {
        0 => Ok(()),
        1 => Err(Invalid::Constraints(format!(
            "1 validation error detected: {}",
            v.violations[0]
        ))),
        n => Err(Invalid::Constraints(format!(
            "{n} validation errors detected: {}",
            v.violations.join("; ")
        ))),
    }
}

struct Validator<'a> {
    model: &'a ServiceModel,
    violations: Vec<String>,
}

/// AWS names members in lowerCamel case in these messages (`userPoolId`).
fn lower_camel(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn pattern_regex(pattern: &'static str) -> Option<Regex> {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Option<Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(pattern)
        // AWS matches the whole value (Java's `matches`), so anchor the model's pattern.
        .or_insert_with(|| Regex::new(&format!("^(?:{pattern})$")).ok())
        .clone()
}

impl Validator<'_> {
    fn check_structure_root(&mut self, shape: usize, value: &Value) -> Result<(), Invalid> {
        match value {
            Value::Object(_) => self.check(shape, value, "", false),
            other => Err(Invalid::Serialization(format!(
                "Expected a JSON object as the request body, found {}",
                json_type(other)
            ))),
        }
    }

    fn push(&mut self, value: Option<&str>, path: &str, constraint: String) {
        let v = match value {
            Some(v) => format!("Value '{v}' at '{path}'"),
            None => format!("Value at '{path}'"),
        };
        self.violations
            .push(format!("{v} failed to satisfy constraint: {constraint}"));
    }

    fn wrong_type(path: &str, expected: &str, value: &Value) -> Invalid {
        let at = if path.is_empty() { "body" } else { path };
        Invalid::Serialization(format!(
            "Expected {expected} at '{at}', found {}",
            json_type(value)
        ))
    }

    fn length(
        &mut self,
        shown: Option<&str>,
        path: &str,
        len: i64,
        min: Option<i64>,
        max: Option<i64>,
    ) {
        if let Some(min) = min
            && len < min
        {
            self.push(
                shown,
                path,
                format!("Member must have length greater than or equal to {min}"),
            );
        }
        if let Some(max) = max
            && len > max
        {
            self.push(
                shown,
                path,
                format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    /// Checks `value` against `shape`. `hidden` is set inside a member the model marks
    /// `sensitive` (AuthParameters, ChallengeResponses, UserContextData): nothing under it is
    /// echoed, only its path, as for a sensitive string.
    fn check(
        &mut self,
        shape: usize,
        value: &Value,
        path: &str,
        hidden: bool,
    ) -> Result<(), Invalid> {
        let model = self.model;
        match &model.shapes[shape] {
            Shape::Structure {
                members, sensitive, ..
            } => {
                let hidden = hidden || *sensitive;
                let Value::Object(obj) = value else {
                    return Err(Self::wrong_type(path, "an object", value));
                };
                for m in members.iter() {
                    let child = if path.is_empty() {
                        lower_camel(m.name)
                    } else {
                        format!("{path}.{}", lower_camel(m.name))
                    };
                    match obj.get(m.name) {
                        None | Some(Value::Null) => {
                            if m.required {
                                self.violations.push(format!(
                                    "Value null at '{child}' failed to satisfy constraint: Member must not be null"
                                ));
                            }
                        }
                        Some(v) => self.check(m.shape, v, &child, hidden)?,
                    }
                }
            }
            Shape::List { member, min, max } => {
                let Value::Array(items) = value else {
                    return Err(Self::wrong_type(path, "an array", value));
                };
                self.length(None, path, items.len() as i64, *min, *max);
                for (i, item) in items.iter().enumerate() {
                    if item.is_null() {
                        continue;
                    }
                    self.check(*member, item, &format!("{path}.{}.member", i + 1), hidden)?;
                }
            }
            Shape::Map {
                key,
                value: vshape,
                min,
                max,
                sensitive,
            } => {
                let hidden = hidden || *sensitive;
                let Value::Object(obj) = value else {
                    return Err(Self::wrong_type(path, "an object", value));
                };
                self.length(None, path, obj.len() as i64, *min, *max);
                for (k, v) in obj {
                    self.check(
                        *key,
                        &Value::String(k.clone()),
                        &format!("{path}.key"),
                        hidden,
                    )?;
                    if !v.is_null() {
                        self.check(*vshape, v, &format!("{path}.{k}"), hidden)?;
                    }
                }
            }
            Shape::String {
                min,
                max,
                pattern,
                values,
                sensitive,
            } => {
                let Value::String(s) = value else {
                    return Err(Self::wrong_type(path, "a string", value));
                };
                let shown = if hidden || *sensitive {
                    None
                } else {
                    Some(s.as_str())
                };
                let len = s.chars().count() as i64;
                self.length(shown, path, len, *min, *max);
                if let Some(p) = pattern
                    && let Some(re) = pattern_regex(p)
                    && !re.is_match(s)
                {
                    self.push(
                        shown,
                        path,
                        format!("Member must satisfy regular expression pattern: {p}"),
                    );
                }
                if !values.is_empty() && !values.contains(&s.as_str()) {
                    self.push(
                        shown,
                        path,
                        format!(
                            "Member must satisfy enum value set: [{}]",
                            values.join(", ")
                        ),
                    );
                }
            }
            Shape::Integer { min, max } => {
                let Some(n) = value.as_i64() else {
                    return Err(Self::wrong_type(path, "an integer", value));
                };
                let shown = (!hidden).then(|| n.to_string());
                if let Some(min) = min
                    && n < *min
                {
                    self.push(
                        shown.as_deref(),
                        path,
                        format!("Member must have value greater than or equal to {min}"),
                    );
                }
                if let Some(max) = max
                    && n > *max
                {
                    self.push(
                        shown.as_deref(),
                        path,
                        format!("Member must have value less than or equal to {max}"),
                    );
                }
            }
            Shape::Boolean => {
                if !value.is_boolean() {
                    return Err(Self::wrong_type(path, "a boolean", value));
                }
            }
            Shape::Timestamp | Shape::Double => {
                if !value.is_number() {
                    return Err(Self::wrong_type(path, "a number", value));
                }
            }
            Shape::Blob { min, max } => {
                let Value::String(s) = value else {
                    return Err(Self::wrong_type(path, "a base64 string", value));
                };
                self.length(None, path, s.len() as i64, *min, *max);
            }
            Shape::Document => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::model::IDP;
    use serde_json::json;

    fn input_of(op: &str) -> usize {
        IDP.operation(op)
            .and_then(|o| o.input)
            .unwrap_or(usize::MAX)
    }

    #[test]
    fn missing_required_members_use_aws_wording() {
        let err = validate_input(&IDP, input_of("InitiateAuth"), &json!({})).unwrap_err();
        assert_eq!(
            err,
            Invalid::Constraints(
                "2 validation errors detected: Value null at 'authFlow' failed to satisfy constraint: Member must not be null; Value null at 'clientId' failed to satisfy constraint: Member must not be null".into()
            )
        );
    }

    #[test]
    fn enum_pattern_and_sensitive_values() {
        let err = validate_input(
            &IDP,
            input_of("InitiateAuth"),
            &json!({"AuthFlow": "NOPE", "ClientId": "abc", "AuthParameters": {"USERNAME": "x"}}),
        )
        .unwrap_err();
        let Invalid::Constraints(msg) = err else {
            panic!("expected constraints")
        };
        assert!(msg.starts_with("1 validation error detected: Value 'NOPE' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: ["), "{msg}");

        let err = validate_input(
            &IDP,
            input_of("SignUp"),
            &json!({"ClientId": "abc", "Username": "a b", "Password": "p w"}),
        )
        .unwrap_err();
        let Invalid::Constraints(msg) = err else {
            panic!("expected constraints")
        };
        // Username and Password are sensitive: AWS leaves their values out of the message.
        assert!(msg.contains("Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern"), "{msg}");
        assert!(msg.contains("Value at 'password'"), "{msg}");
    }

    #[test]
    fn values_under_sensitive_members_are_never_echoed() {
        // A 500,000-character PASSWORD inside AuthParameters (a sensitive map whose values are
        // the non-sensitive StringType, max 131072) and a huge sensitive Password: AWS names
        // the member but leaves the value out ("Value at 'password' failed to satisfy
        // constraint: ...", as quoted in amazon-cognito-identity-js#388).
        let huge = "p".repeat(500_000);
        let err = validate_input(
            &IDP,
            input_of("InitiateAuth"),
            &json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "abc",
                    "AuthParameters": {"USERNAME": "bob", "PASSWORD": huge}}),
        )
        .unwrap_err();
        let Invalid::Constraints(msg) = err else {
            panic!("expected constraints")
        };
        assert_eq!(
            msg,
            "1 validation error detected: Value at 'authParameters.PASSWORD' failed to satisfy constraint: Member must have length less than or equal to 131072"
        );

        let err = validate_input(
            &IDP,
            input_of("RespondToAuthChallenge"),
            &json!({"ChallengeName": "NEW_PASSWORD_REQUIRED", "ClientId": "abc",
                    "ChallengeResponses": {"NEW_PASSWORD": huge}}),
        )
        .unwrap_err();
        let Invalid::Constraints(msg) = err else {
            panic!("expected constraints")
        };
        assert!(!msg.contains("ppp"), "{}", &msg[..200.min(msg.len())]);
        assert!(
            msg.contains("Value at 'challengeResponses.NEW_PASSWORD'"),
            "{msg}"
        );

        let err = validate_input(
            &IDP,
            input_of("SignUp"),
            &json!({"ClientId": "abc", "Username": "bob", "Password": huge}),
        )
        .unwrap_err();
        assert_eq!(
            err,
            Invalid::Constraints("1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 256".into())
        );

        // A non-sensitive map still shows its values.
        let err = validate_input(
            &IDP,
            input_of("SignUp"),
            &json!({"ClientId": "abc", "Username": "bob", "Password": "x",
                    "ClientMetadata": {"k": "v".repeat(131_073)}}),
        )
        .unwrap_err();
        let Invalid::Constraints(msg) = err else {
            panic!("expected constraints")
        };
        assert!(msg.contains("Value 'vvv"), "{}", &msg[..200.min(msg.len())]);
    }

    #[test]
    fn nested_list_paths_and_explicit_nulls() {
        let ok = validate_input(
            &IDP,
            input_of("SignUp"),
            &json!({"ClientId": "abc", "Username": "bob", "Password": "x", "ValidationData": null, "ClientMetadata": {}}),
        );
        assert_eq!(ok, Ok(()));
        let err = validate_input(
            &IDP,
            input_of("SignUp"),
            &json!({"ClientId": "abc", "Username": "bob", "UserAttributes": [{"Value": "x"}]}),
        )
        .unwrap_err();
        assert_eq!(err, Invalid::Constraints("1 validation error detected: Value null at 'userAttributes.1.member.name' failed to satisfy constraint: Member must not be null".into()));
    }

    #[test]
    fn wrong_types_are_serialization_errors() {
        let err = validate_input(
            &IDP,
            input_of("ListUserPools"),
            &json!({"MaxResults": "ten"}),
        )
        .unwrap_err();
        assert!(matches!(err, Invalid::Serialization(_)));
        let err = validate_input(&IDP, input_of("ListUserPools"), &json!([1])).unwrap_err();
        assert!(matches!(err, Invalid::Serialization(_)));
    }
}
