//! A user of a user pool, as the store keeps it.

use crate::crypto::password::StoredPassword;

/// Cognito's user states (`UserStatusType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Unconfirmed,
    Confirmed,
    ForceChangePassword,
    ResetRequired,
    ExternalProvider,
    Archived,
    Compromised,
    Unknown,
}

impl UserStatus {
    /// The wire name (`UNCONFIRMED`, `FORCE_CHANGE_PASSWORD`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Unconfirmed => "UNCONFIRMED",
            UserStatus::Confirmed => "CONFIRMED",
            UserStatus::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
            UserStatus::ResetRequired => "RESET_REQUIRED",
            UserStatus::ExternalProvider => "EXTERNAL_PROVIDER",
            UserStatus::Archived => "ARCHIVED",
            UserStatus::Compromised => "COMPROMISED",
            UserStatus::Unknown => "UNKNOWN",
        }
    }

    pub fn parse(s: &str) -> UserStatus {
        match s {
            "UNCONFIRMED" => UserStatus::Unconfirmed,
            "CONFIRMED" => UserStatus::Confirmed,
            "FORCE_CHANGE_PASSWORD" => UserStatus::ForceChangePassword,
            "RESET_REQUIRED" => UserStatus::ResetRequired,
            "EXTERNAL_PROVIDER" => UserStatus::ExternalProvider,
            "ARCHIVED" => UserStatus::Archived,
            "COMPROMISED" => UserStatus::Compromised,
            _ => UserStatus::Unknown,
        }
    }
}

impl std::fmt::Display for UserStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub pool_id: String,
    /// The internal username: USER_ID_FOR_SRP and `cognito:username`. For pools whose
    /// UsernameAttributes are email/phone it is the `sub`.
    pub username: String,
    pub sub: String,
    pub status: UserStatus,
    pub enabled: bool,
    /// `(name, value)` in the order Cognito lists them; `sub` is always first.
    pub attributes: Vec<(String, String)>,
    pub password: Option<StoredPassword>,
    /// Epoch seconds (wire `UserCreateDate` / `UserLastModifiedDate`).
    pub created: f64,
    pub modified: f64,
}

impl User {
    /// A new user with `sub` as its first attribute.
    pub fn new(pool_id: &str, username: &str, sub: &str, status: UserStatus, now: f64) -> User {
        User {
            pool_id: pool_id.to_string(),
            username: username.to_string(),
            sub: sub.to_string(),
            status,
            enabled: true,
            attributes: vec![("sub".to_string(), sub.to_string())],
            password: None,
            created: now,
            modified: now,
        }
    }

    /// The value of attribute `name`, if set.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// True when the boolean attribute `name` (e.g. `email_verified`) is "true".
    pub fn attr_is_true(&self, name: &str) -> bool {
        self.attr(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// Sets `name` (keeping its place when it already exists, else appending).
    pub fn set_attr(&mut self, name: &str, value: &str) {
        match self.attributes.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => *v = value.to_string(),
            None => self.attributes.push((name.to_string(), value.to_string())),
        }
    }

    /// Removes `name`; true when it was set.
    pub fn remove_attr(&mut self, name: &str) -> bool {
        let before = self.attributes.len();
        self.attributes.retain(|(n, _)| n != name);
        before != self.attributes.len()
    }

    /// The email, lowercased, as the lookup column holds it.
    pub fn email_key(&self) -> Option<String> {
        self.attr("email").map(str::to_lowercase)
    }

    pub fn phone_key(&self) -> Option<String> {
        self.attr("phone_number").map(str::to_string)
    }

    pub fn preferred_username_key(&self) -> Option<String> {
        self.attr("preferred_username").map(str::to_lowercase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_keep_their_order() {
        let mut u = User::new("p", "alice", "s-1", UserStatus::Unconfirmed, 1.0);
        u.set_attr("email", "A@x.io");
        u.set_attr("name", "Alice");
        u.set_attr("email", "b@x.io");
        assert_eq!(u.attr("email"), Some("b@x.io"));
        let names: Vec<_> = u.attributes.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["sub", "email", "name"]);
        assert!(u.remove_attr("name"));
        assert!(!u.attr_is_true("email_verified"));
        assert_eq!(
            UserStatus::parse("FORCE_CHANGE_PASSWORD").as_str(),
            "FORCE_CHANGE_PASSWORD"
        );
    }
}
