//! The pool's password policy: checking a password against it with the message Cognito
//! gives for each action, and temporary passwords that satisfy it.

use crate::idp::shapes::*;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use rand::Rng;
use rand::seq::SliceRandom;

/// How InvalidPasswordException messages start; Cognito words them differently per action.
#[derive(Debug, Clone, Copy)]
pub enum PolicyWording {
    /// SignUp: "Password did not conform with policy: ..."
    SignUp,
    /// AdminCreateUser, AdminSetUserPassword: "Password did not conform with password policy: ..."
    Admin,
    /// ConfirmForgotPassword, ChangePassword, new-password challenges:
    /// "Password does not conform to policy: ..."
    Change,
}

/// The pool's password policy, Cognito's defaults when it sets none.
pub fn password_policy(pool: &UserPoolType) -> PasswordPolicyType {
    match pool
        .policies
        .as_ref()
        .and_then(|p| p.password_policy.clone())
    {
        Some(p) => p,
        None => PasswordPolicyType {
            minimum_length: Some(8),
            require_uppercase: Some(true),
            require_lowercase: Some(true),
            require_numbers: Some(true),
            require_symbols: Some(true),
            temporary_password_validity_days: Some(7),
            ..Default::default()
        },
    }
}

/// The characters Cognito counts as symbols.
pub const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`+=- ";

/// Checks `password` against the pool's policy: InvalidPasswordException with Cognito's
/// message when it does not conform.
pub fn check_password_policy(
    pool: &UserPoolType,
    password: &str,
    wording: PolicyWording,
) -> ApiResult<()> {
    let p = password_policy(pool);
    let problem = if (password.chars().count() as i32) < p.minimum_length.unwrap_or(8) {
        Some("Password not long enough")
    } else if p.require_lowercase == Some(true) && !password.chars().any(char::is_lowercase) {
        Some("Password must have lowercase characters")
    } else if p.require_uppercase == Some(true) && !password.chars().any(char::is_uppercase) {
        Some("Password must have uppercase characters")
    } else if p.require_numbers == Some(true) && !password.chars().any(|c| c.is_ascii_digit()) {
        Some("Password must have numeric characters")
    } else if p.require_symbols == Some(true) && !password.chars().any(|c| SYMBOLS.contains(c)) {
        Some("Password must have symbol characters")
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(problem) => {
            let prefix = match wording {
                PolicyWording::SignUp => "Password did not conform with policy",
                PolicyWording::Admin => "Password did not conform with password policy",
                PolicyWording::Change => "Password does not conform to policy",
            };
            Err(ApiError::new(
                ErrorKind::InvalidPasswordException,
                format!("{prefix}: {problem}"),
            ))
        }
    }
}

/// A temporary password that satisfies the pool's policy.
pub fn generate_temporary_password(pool: &UserPoolType) -> String {
    const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    const SYMS: &[u8] = b"!#%&*+=?^~";
    let len = password_policy(pool).minimum_length.unwrap_or(8).max(12) as usize;
    let mut rng = rand::rng();
    let mut pick = |set: &[u8]| set[rng.random_range(0..set.len())] as char;
    let mut chars = vec![pick(LOWER), pick(UPPER), pick(DIGITS), pick(SYMS)];
    let all: Vec<u8> = [LOWER, UPPER, DIGITS, SYMS].concat();
    while chars.len() < len {
        chars.push(pick(&all));
    }
    chars.shuffle(&mut rand::rng());
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_messages() {
        let pool = UserPoolType::default();
        let err = |p: &str| {
            check_password_policy(&pool, p, PolicyWording::SignUp)
                .err()
                .map(|e| e.message)
        };
        assert_eq!(
            err("Ab1!").as_deref(),
            Some("Password did not conform with policy: Password not long enough")
        );
        assert_eq!(
            err("ABCDEFG1!").as_deref(),
            Some("Password did not conform with policy: Password must have lowercase characters")
        );
        assert_eq!(
            err("abcdefg1!").as_deref(),
            Some("Password did not conform with policy: Password must have uppercase characters")
        );
        assert_eq!(
            err("abcdefgH!").as_deref(),
            Some("Password did not conform with policy: Password must have numeric characters")
        );
        assert_eq!(
            err("abcdefgH1").as_deref(),
            Some("Password did not conform with policy: Password must have symbol characters")
        );
        assert_eq!(err("abcdefgH1!"), None);
        for _ in 0..50 {
            let p = generate_temporary_password(&pool);
            assert!(
                check_password_policy(&pool, &p, PolicyWording::Admin).is_ok(),
                "{p}"
            );
        }
    }
}
