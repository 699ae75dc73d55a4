//! The user import CSV as Cognito's developer guide describes it ("Formatting the CSV file"):
//! the first row names the columns (any order, every column of GetCSVHeader present), values
//! are unquoted, a backslash escapes a comma inside a value, leading and trailing white space
//! is trimmed, a row is at most 16,000 characters. Pure functions: no I/O.

use super::super::attributes::{self, WriteBy};
use super::super::shapes::*;
use super::super::users::lookup::{is_username_attribute, uses_username_attributes};

pub const USERNAME: &str = "cognito:username";
pub const MFA_ENABLED: &str = "cognito:mfa_enabled";
/// Longest row Cognito accepts, in characters.
pub const MAX_ROW_CHARS: usize = 16_000;
/// Most users one job imports (the header row not counted).
pub const MAX_ROWS: u64 = 500_000;
/// Largest CSV file a job imports.
pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;

/// GetCSVHeader: the pool's attributes in schema order (standard, then custom), without
/// `sub` and `identities`, then `cognito:mfa_enabled` and `cognito:username`.
pub fn header(pool: &UserPoolType) -> Vec<String> {
    let mut out: Vec<String> = pool
        .schema_attributes
        .iter()
        .flatten()
        .filter_map(|s| s.name.clone())
        .filter(|n| n != "sub" && n != "identities")
        .collect();
    out.push(MFA_ENABLED.to_string());
    out.push(USERNAME.to_string());
    out
}

/// Splits one row into trimmed values; `\,` is a comma inside a value.
pub fn split_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                field.push(',');
                chars.next();
            }
            ',' => out.push(std::mem::take(&mut field).trim().to_string()),
            _ => field.push(c),
        }
    }
    out.push(field.trim().to_string());
    out
}

/// The header row of a file, checked against the pool.
#[derive(Debug, Clone)]
pub struct Columns {
    pub names: Vec<String>,
    username: usize,
    mfa: usize,
}

/// Checks the header row; the error is the job's CompletionMessage.
pub fn parse_header(pool: &UserPoolType, line: &str) -> Result<Columns, String> {
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    let names = split_fields(line);
    let expected = header(pool);
    let mut seen = std::collections::HashSet::new();
    for n in &names {
        if !expected.contains(n) {
            return Err(format!(
                "The CSV header has a column that is not an attribute of the user pool: {n}"
            ));
        }
        if !seen.insert(n.as_str()) {
            return Err(format!("The CSV header has the column {n} more than once."));
        }
    }
    let missing: Vec<&str> = expected
        .iter()
        .filter(|e| !seen.contains(e.as_str()))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "The CSV header is missing columns of the user pool's CSV header (GetCSVHeader): {}",
            missing.join(",")
        ));
    }
    let index = |name: &str| names.iter().position(|n| n == name).unwrap_or_default();
    Ok(Columns {
        username: index(USERNAME),
        mfa: index(MFA_ENABLED),
        names,
    })
}

/// One valid row: the sign-in name, the attributes it sets (empty values left out,
/// `email_verified` / `phone_number_verified` lowercased) and whether MFA is on.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub username: String,
    pub attributes: Vec<(String, String)>,
    pub mfa_enabled: bool,
    /// In pools with UsernameAttributes: which attribute cognito:username is (`email` or
    /// `phone_number`); the internal username is then the `sub`.
    pub sign_in_attribute: Option<&'static str>,
}

fn parse_bool(v: &str) -> Option<bool> {
    if v.eq_ignore_ascii_case("true") {
        Some(true)
    } else if v.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// What a row is checked against, computed once per job.
#[derive(Debug, Clone)]
pub struct RowRules {
    /// `MfaConfiguration`: OFF, ON or OPTIONAL.
    pub mfa: String,
    /// The pool's auto-verified attributes (`email`, `phone_number`).
    pub auto_verified: Vec<String>,
}

impl RowRules {
    pub fn of(pool: &UserPoolType) -> RowRules {
        RowRules {
            mfa: pool
                .mfa_configuration
                .clone()
                .unwrap_or_else(|| "OFF".to_string()),
            auto_verified: pool.auto_verified_attributes.clone().unwrap_or_default(),
        }
    }
}

pub const NO_AUTO_VERIFIED: &str = "The User Record does not set any of the auto verified attributes to true. (Example: email_verified to true).";

/// Checks one data row; the error is the line's message in the job's log.
pub fn parse_row(
    pool: &UserPoolType,
    rules: &RowRules,
    cols: &Columns,
    line: &str,
) -> Result<Row, String> {
    if line.chars().count() > MAX_ROW_CHARS {
        return Err(format!(
            "The row is longer than {MAX_ROW_CHARS} characters."
        ));
    }
    let values = split_fields(line);
    if values.len() != cols.names.len() {
        return Err(format!(
            "The row has {} values but the header has {} columns.",
            values.len(),
            cols.names.len()
        ));
    }
    let username = values[cols.username].clone();
    if username.is_empty() {
        return Err("The cognito:username value is missing.".to_string());
    }
    if username.contains([' ', '\t']) {
        return Err("The cognito:username value cannot contain spaces or tabs.".to_string());
    }
    let mfa_enabled = match parse_bool(&values[cols.mfa]) {
        Some(b) => b,
        None => {
            return Err("The cognito:mfa_enabled value must be true or false.".to_string());
        }
    };
    match (rules.mfa.as_str(), mfa_enabled) {
        ("ON", false) => {
            return Err(
                "MFA is required in the user pool: cognito:mfa_enabled must be true.".to_string(),
            );
        }
        ("OFF", true) => {
            return Err(
                "MFA is off in the user pool: cognito:mfa_enabled must be false.".to_string(),
            );
        }
        _ => {}
    }
    let mut given: Vec<AttributeType> = Vec::new();
    for (i, (name, value)) in cols.names.iter().zip(&values).enumerate() {
        if i == cols.username || i == cols.mfa || value.is_empty() {
            continue;
        }
        given.push(AttributeType {
            name: name.clone(),
            value: Some(value.clone()),
        });
    }
    let mut attributes = attributes::validate(pool, &given, WriteBy::Creation)
        .map_err(|e| e.message.trim_end().to_string())?;
    // In pools that sign in by email / phone number, cognito:username is that address.
    let mut sign_in_attribute = None;
    if uses_username_attributes(pool) {
        let ok = (is_username_attribute(pool, "email") && username.contains('@'))
            || (is_username_attribute(pool, "phone_number") && username.starts_with('+'));
        if !ok {
            return Err(format!(
                "The cognito:username value must be {} because the user pool signs users in with it.",
                match (
                    is_username_attribute(pool, "email"),
                    is_username_attribute(pool, "phone_number"),
                ) {
                    (true, true) => "an email address or a phone number",
                    (true, false) => "an email address",
                    _ => "a phone number",
                }
            ));
        }
        let attr = if username.contains('@') {
            "email"
        } else {
            "phone_number"
        };
        match attributes.iter().find(|(n, _)| n == attr) {
            Some((_, v)) if !v.eq_ignore_ascii_case(&username) => {
                return Err(format!(
                    "The cognito:username value must be the user's {attr} ({attr} has another value)."
                ));
            }
            Some(_) => {}
            None => attributes.push((attr.to_string(), username.clone())),
        }
        sign_in_attribute = Some(attr);
    }
    let is_true = |name: &str| {
        attributes
            .iter()
            .any(|(n, v)| n == name && v.as_str() == "true")
    };
    let has = |name: &str| attributes.iter().any(|(n, _)| n == name);
    // The user must be able to reset their password: a verified address among the pool's
    // auto-verified attributes.
    let verified_auto = rules
        .auto_verified
        .iter()
        .any(|a| is_true(&format!("{a}_verified")));
    if !verified_auto {
        return Err(NO_AUTO_VERIFIED.to_string());
    }
    for attr in ["email", "phone_number"] {
        if is_true(&format!("{attr}_verified")) && !has(attr) {
            return Err(format!("{attr}_verified is true but {attr} has no value."));
        }
    }
    for s in pool.schema_attributes.iter().flatten() {
        let name = s.name.as_deref().unwrap_or_default();
        if s.required == Some(true) && name != "sub" && !attributes.iter().any(|(n, _)| n == name) {
            return Err(format!("The required attribute {name} has no value."));
        }
    }
    Ok(Row {
        username,
        attributes,
        mfa_enabled,
        sign_in_attribute,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idp::custom_attributes::standard_schema;

    fn pool() -> UserPoolType {
        let mut schema = standard_schema();
        schema.push(SchemaAttributeType {
            name: Some("custom:tier".into()),
            attribute_data_type: Some("String".into()),
            mutable: Some(true),
            ..Default::default()
        });
        UserPoolType {
            id: Some("us-east-1_Abc123456".into()),
            schema_attributes: Some(schema),
            auto_verified_attributes: Some(vec!["email".into()]),
            ..Default::default()
        }
    }

    /// A row for the full header with the given values set.
    fn row_for(cols: &Columns, values: &[(&str, &str)]) -> String {
        cols.names
            .iter()
            .map(|n| {
                values
                    .iter()
                    .find(|(k, _)| k == n)
                    .map(|(_, v)| v.replace(',', "\\,"))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    #[test]
    fn header_follows_the_schema_then_the_cognito_columns() {
        let h = header(&pool());
        assert_eq!(h.first().map(String::as_str), Some("name"));
        assert_eq!(
            &h[h.len() - 3..],
            ["custom:tier", "cognito:mfa_enabled", "cognito:username"]
        );
        assert!(!h.iter().any(|c| c == "sub" || c == "identities"));
        assert_eq!(h.len(), 19 + 1 + 2, "{h:?}");
    }

    #[test]
    fn fields_split_on_unescaped_commas_and_are_trimmed() {
        assert_eq!(split_fields("a, b ,c"), ["a", "b", "c"]);
        assert_eq!(
            split_fields("1 Main St\\, Apt 2,x"),
            ["1 Main St, Apt 2", "x"]
        );
        assert_eq!(split_fields(""), [""]);
        assert_eq!(split_fields("a,,"), ["a", "", ""]);
        assert_eq!(split_fields("a\\b"), ["a\\b"]);
    }

    #[test]
    fn header_must_name_every_column_once_in_any_order() {
        let p = pool();
        let mut names = header(&p);
        names.reverse();
        let cols = parse_header(&p, &format!("\u{feff}{}", names.join(","))).unwrap();
        assert_eq!(cols.names.first().map(String::as_str), Some(USERNAME));
        let missing = names[1..].join(",");
        assert!(parse_header(&p, &missing).unwrap_err().contains("missing"));
        let unknown = format!("{},custom:nope", names.join(","));
        assert!(
            parse_header(&p, &unknown)
                .unwrap_err()
                .contains("custom:nope")
        );
        let twice = format!("{},email", names.join(","));
        assert!(
            parse_header(&p, &twice)
                .unwrap_err()
                .contains("more than once")
        );
    }

    #[test]
    fn rows_are_validated() {
        let p = pool();
        let rules = RowRules::of(&p);
        let cols = parse_header(&p, &header(&p).join(",")).unwrap();
        let ok = row_for(
            &cols,
            &[
                (USERNAME, "alice"),
                (MFA_ENABLED, "FALSE"),
                ("email", "Alice@Example.com"),
                ("email_verified", "TRUE"),
                ("address", "1 Main St, Apt 2"),
                ("custom:tier", "gold"),
            ],
        );
        let row = parse_row(&p, &rules, &cols, &ok).unwrap();
        assert_eq!(row.username, "alice");
        assert!(!row.mfa_enabled);
        assert!(
            row.attributes
                .contains(&("email_verified".into(), "true".into()))
        );
        assert!(
            row.attributes
                .contains(&("address".into(), "1 Main St, Apt 2".into()))
        );
        let fails = |values: &[(&str, String)]| {
            let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
            parse_row(&p, &rules, &cols, &row_for(&cols, &values)).unwrap_err()
        };
        let base = [
            (USERNAME, "bob"),
            (MFA_ENABLED, "false"),
            ("email", "bob@example.com"),
            ("email_verified", "true"),
        ];
        let with = |k: &'static str, v: &str| -> Vec<(&str, String)> {
            let mut b: Vec<(&str, String)> = base
                .iter()
                .filter(|(n, _)| *n != k)
                .map(|(n, v)| (*n, v.to_string()))
                .collect();
            b.push((k, v.to_string()));
            b
        };
        assert!(fails(&with(USERNAME, "")).contains("missing"));
        assert!(fails(&with(USERNAME, "b ob")).contains("spaces"));
        assert!(fails(&with(MFA_ENABLED, "")).contains("true or false"));
        assert!(fails(&with(MFA_ENABLED, "true")).contains("MFA is off"));
        assert_eq!(fails(&with("email_verified", "false")), NO_AUTO_VERIFIED);
        assert_eq!(
            fails(&with("email", "")),
            "email_verified is true but email has no value."
        );
        assert_eq!(
            fails(&with("email", "nope")),
            "Invalid email address format."
        );
        assert!(fails(&with("custom:tier", &"x".repeat(3000))).contains("custom:tier"));
        assert!(
            parse_row(&p, &rules, &cols, "a,b")
                .unwrap_err()
                .contains("values but")
        );
        let long = format!("{}{}", row_for(&cols, &base), " ".repeat(MAX_ROW_CHARS));
        assert!(
            parse_row(&p, &rules, &cols, &long)
                .unwrap_err()
                .contains("longer")
        );
    }

    #[test]
    fn username_attribute_pools_need_an_address_as_username() {
        let mut p = pool();
        p.username_attributes = Some(vec!["email".into()]);
        p.mfa_configuration = Some("ON".into());
        let rules = RowRules::of(&p);
        let cols = parse_header(&p, &header(&p).join(",")).unwrap();
        let row = |name: &str, mfa: &str| {
            parse_row(
                &p,
                &rules,
                &cols,
                &row_for(
                    &cols,
                    &[
                        (USERNAME, name),
                        (MFA_ENABLED, mfa),
                        ("email", "c@example.com"),
                        ("email_verified", "true"),
                    ],
                ),
            )
        };
        assert!(
            row("carol", "true")
                .unwrap_err()
                .contains("an email address")
        );
        assert!(
            row("c@example.com", "false")
                .unwrap_err()
                .contains("MFA is required")
        );
        assert!(row("c@example.com", "true").unwrap().mfa_enabled);
    }
}
