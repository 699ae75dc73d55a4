//! User attribute validation and normalisation on write: standard and `custom:` attributes,
//! the pool's schema (types, mutability, lengths, required), email / phone formats.

use super::shapes::*;
use crate::model::user::User;
use crate::protocol::{ApiError, ApiResult};

/// Cognito's standard attributes.
pub const STANDARD: &[&str] = &[
    "address",
    "birthdate",
    "email",
    "email_verified",
    "family_name",
    "gender",
    "given_name",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "phone_number_verified",
    "picture",
    "preferred_username",
    "profile",
    "updated_at",
    "website",
    "zoneinfo",
];

/// Which call writes: decides mutability and who may write what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteBy {
    /// SignUp and AdminCreateUser: first values, immutable attributes allowed.
    Creation,
    /// AdminUpdateUserAttributes / UpdateUserAttributes: immutable attributes refused.
    Update,
}

fn schema_error(name: &str, problem: &str) -> ApiError {
    ApiError::invalid_parameter(format!(
        "Attributes did not conform to the schema: {name}: {problem}\n"
    ))
}

/// The schema entry of `name` (custom attributes may be stored with or without the prefix).
pub fn schema_of<'a>(pool: &'a UserPoolType, name: &str) -> Option<&'a SchemaAttributeType> {
    let bare = name.strip_prefix("custom:");
    pool.schema_attributes.as_ref()?.iter().find(|s| {
        let sname = s.name.as_deref().unwrap_or_default();
        sname == name || (bare.is_some() && (Some(sname) == bare))
    })
}

fn is_known(pool: &UserPoolType, name: &str) -> bool {
    if name.starts_with("custom:") || name.starts_with("dev:custom:") {
        schema_of(pool, name).is_some()
    } else {
        STANDARD.contains(&name)
    }
}

fn valid_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !v.chars().any(char::is_whitespace)
}

fn valid_phone(v: &str) -> bool {
    let Some(digits) = v.strip_prefix('+') else {
        return false;
    };
    (4..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
}

fn parse_limit(v: &Option<String>) -> Option<f64> {
    v.as_deref().and_then(|s| s.trim().parse::<f64>().ok())
}

fn check_value(pool: &UserPoolType, name: &str, value: &str) -> ApiResult<String> {
    match name {
        "email" if !valid_email(value) => {
            return Err(ApiError::invalid_parameter("Invalid email address format."));
        }
        "phone_number" if !valid_phone(value) => {
            return Err(ApiError::invalid_parameter("Invalid phone number format."));
        }
        "email_verified" | "phone_number_verified" => {
            let lower = value.to_ascii_lowercase();
            if lower != "true" && lower != "false" {
                return Err(schema_error(name, "Attribute value must be true or false"));
            }
            return Ok(lower);
        }
        _ => {}
    }
    let Some(schema) = schema_of(pool, name) else {
        if value.chars().count() > 2048 {
            return Err(schema_error(
                name,
                "String must be no longer than 2048 characters",
            ));
        }
        return Ok(value.to_string());
    };
    match schema.attribute_data_type.as_deref() {
        Some("Number") => {
            let Ok(n) = value.trim().parse::<f64>() else {
                return Err(schema_error(name, "Number must be a valid number"));
            };
            let c = schema.number_attribute_constraints.as_ref();
            if let Some(min) = c.and_then(|c| parse_limit(&c.min_value))
                && n < min
            {
                return Err(schema_error(
                    name,
                    &format!("Number must be no less than {min}"),
                ));
            }
            if let Some(max) = c.and_then(|c| parse_limit(&c.max_value))
                && n > max
            {
                return Err(schema_error(
                    name,
                    &format!("Number must be no greater than {max}"),
                ));
            }
        }
        Some("Boolean") => {
            if value != "true" && value != "false" {
                return Err(schema_error(name, "Attribute value must be true or false"));
            }
        }
        _ => {
            let len = value.chars().count() as f64;
            let c = schema.string_attribute_constraints.as_ref();
            if let Some(min) = c.and_then(|c| parse_limit(&c.min_length))
                && len < min
            {
                return Err(schema_error(
                    name,
                    &format!("String must be at least {min} characters"),
                ));
            }
            let max = c.and_then(|c| parse_limit(&c.max_length)).unwrap_or(2048.0);
            if len > max {
                return Err(schema_error(
                    name,
                    &format!("String must be no longer than {max} characters"),
                ));
            }
        }
    }
    Ok(value.to_string())
}

/// Validates attributes a request writes and answers them normalised as `(name, value)`,
/// the last value winning for a repeated name.
pub fn validate(
    pool: &UserPoolType,
    attrs: &[AttributeType],
    by: WriteBy,
) -> ApiResult<Vec<(String, String)>> {
    let unknown: Vec<&str> = attrs
        .iter()
        .map(|a| a.name.as_str())
        .filter(|n| *n != "sub" && !is_known(pool, n))
        .collect();
    if !unknown.is_empty() {
        let lines: String = unknown
            .iter()
            .map(|n| format!("{n}: Attribute does not exist in the schema.\n"))
            .collect();
        return Err(ApiError::invalid_parameter(format!(
            "Attributes did not conform to the schema: {lines}"
        )));
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for a in attrs {
        let name = a.name.as_str();
        if name == "sub" {
            return Err(ApiError::invalid_parameter(
                "Cannot modify the non-mutable attribute sub",
            ));
        }
        if by == WriteBy::Update && schema_of(pool, name).is_some_and(|s| s.mutable == Some(false))
        {
            return Err(ApiError::invalid_parameter(format!(
                "Cannot modify the non-mutable attribute {name}"
            )));
        }
        let value = check_value(pool, name, a.value.as_deref().unwrap_or_default())?;
        match out.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => *v = value,
            None => out.push((name.to_string(), value)),
        }
    }
    Ok(out)
}

/// The client's WriteAttributes, when it restricts them: NotAuthorizedException otherwise.
pub fn check_client_may_write(
    client: &UserPoolClientType,
    attrs: &[(String, String)],
) -> ApiResult<()> {
    let Some(allowed) = client.write_attributes.as_ref().filter(|w| !w.is_empty()) else {
        return Ok(());
    };
    if attrs.iter().any(|(n, _)| !allowed.iter().any(|a| a == n)) {
        return Err(ApiError::not_authorized(
            "A client attempted to write unauthorized attribute",
        ));
    }
    Ok(())
}

/// Every attribute the schema marks required must be set (SignUp).
pub fn check_required(pool: &UserPoolType, user: &User) -> ApiResult<()> {
    let Some(schema) = pool.schema_attributes.as_ref() else {
        return Ok(());
    };
    for s in schema.iter().filter(|s| s.required == Some(true)) {
        let name = s.name.as_deref().unwrap_or_default();
        let present = user
            .attr(name)
            .or_else(|| user.attr(&format!("custom:{name}")))
            .is_some_and(|v| !v.is_empty());
        if !present && name != "sub" {
            return Err(schema_error(
                name,
                &format!("The attribute {name} is required"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(n: &str, v: &str) -> AttributeType {
        AttributeType {
            name: n.into(),
            value: Some(v.into()),
        }
    }

    #[test]
    fn validates_standard_and_custom() {
        let pool = UserPoolType {
            schema_attributes: Some(vec![
                SchemaAttributeType {
                    name: Some("custom:tier".into()),
                    attribute_data_type: Some("String".into()),
                    mutable: Some(false),
                    string_attribute_constraints: Some(StringAttributeConstraintsType {
                        min_length: Some("2".into()),
                        max_length: Some("4".into()),
                    }),
                    ..Default::default()
                },
                SchemaAttributeType {
                    name: Some("age".into()),
                    attribute_data_type: Some("Number".into()),
                    number_attribute_constraints: Some(NumberAttributeConstraintsType {
                        min_value: Some("0".into()),
                        max_value: Some("150".into()),
                    }),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        };
        let ok = validate(
            &pool,
            &[
                attr("email", "a@b.io"),
                attr("custom:tier", "gold"),
                attr("custom:age", "42"),
            ],
            WriteBy::Creation,
        );
        assert_eq!(ok.map(|v| v.len()), Ok(3));
        let msg = |a: AttributeType, by| validate(&pool, &[a], by).err().map(|e| e.message);
        assert_eq!(
            msg(attr("custom:nope", "x"), WriteBy::Creation).as_deref(),
            Some(
                "Attributes did not conform to the schema: custom:nope: Attribute does not exist in the schema.\n"
            )
        );
        assert!(msg(attr("custom:tier", "g"), WriteBy::Creation).is_some());
        assert!(msg(attr("custom:tier", "golden"), WriteBy::Creation).is_some());
        assert!(msg(attr("custom:tier", "gold"), WriteBy::Update).is_some());
        assert!(msg(attr("custom:age", "x"), WriteBy::Creation).is_some());
        assert!(msg(attr("custom:age", "151"), WriteBy::Creation).is_some());
        assert_eq!(
            msg(attr("email", "nope"), WriteBy::Creation).as_deref(),
            Some("Invalid email address format.")
        );
        assert_eq!(
            msg(attr("phone_number", "48123"), WriteBy::Creation).as_deref(),
            Some("Invalid phone number format.")
        );
    }
}
