//! How long a client's tokens live: its AccessTokenValidity, IdTokenValidity and
//! RefreshTokenValidity read in their TokenValidityUnits, with Cognito's defaults.

use crate::protocol::generated::idp::UserPoolClientType;

/// How long a client's tokens live, in seconds, after its units and defaults are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenValidity {
    pub access_secs: i64,
    pub id_secs: i64,
    pub refresh_secs: i64,
}

pub fn unit_secs(unit: Option<&str>, default: i64) -> i64 {
    match unit {
        Some("seconds") => 1,
        Some("minutes") => 60,
        Some("hours") => 3600,
        Some("days") => 86400,
        _ => default,
    }
}

/// Effective token lifetimes: access and ID tokens default to 60 minutes, refresh tokens to
/// 30 days; values without a unit count in hours (access, ID) and days (refresh).
pub fn token_validity(client: &UserPoolClientType) -> TokenValidity {
    let units = client.token_validity_units.clone().unwrap_or_default();
    let secs = |value: Option<i32>, unit: Option<&str>, default_unit: i64, default: i64| {
        value.map_or(default, |v| v as i64 * unit_secs(unit, default_unit))
    };
    TokenValidity {
        access_secs: secs(
            client.access_token_validity,
            units.access_token.as_deref(),
            3600,
            3600,
        ),
        id_secs: secs(
            client.id_token_validity,
            units.id_token.as_deref(),
            3600,
            3600,
        ),
        refresh_secs: secs(
            client.refresh_token_validity,
            units.refresh_token.as_deref(),
            86400,
            30 * 86400,
        ),
    }
}
