//! Where a code goes: sign-up confirmation (the auto-verified contact) and password reset
//! (the pool's AccountRecoverySetting, verified contacts only).

use super::lookup::is_auto_verified;
use crate::idp::shapes::*;
use crate::model::user::User;
use crate::protocol::{ApiError, ApiResult};

/// Where a code for an attribute goes: the medium, the attribute and its value.
#[derive(Debug, Clone)]
pub struct Destination {
    pub medium: crate::mail::Medium,
    pub attribute: &'static str,
    pub to: String,
}

impl Destination {
    pub fn email(to: &str) -> Self {
        Destination {
            medium: crate::mail::Medium::Email,
            attribute: "email",
            to: to.to_string(),
        }
    }

    pub fn sms(to: &str) -> Self {
        Destination {
            medium: crate::mail::Medium::Sms,
            attribute: "phone_number",
            to: to.to_string(),
        }
    }

    pub fn for_attribute(attribute: &str, to: &str) -> Option<Self> {
        match attribute {
            "email" => Some(Destination::email(to)),
            "phone_number" => Some(Destination::sms(to)),
            _ => None,
        }
    }

    /// `CodeDeliveryDetails` with the masked destination.
    pub fn details(&self) -> CodeDeliveryDetailsType {
        CodeDeliveryDetailsType {
            destination: Some(crate::mail::mask_destination(self.medium, &self.to)),
            delivery_medium: Some(self.medium.as_str().to_string()),
            attribute_name: Some(self.attribute.to_string()),
        }
    }
}

/// Where a sign-up confirmation code goes: the phone when phone_number is auto-verified
/// (Cognito prefers it when both are), else the email when email is.
pub fn confirmation_destination(pool: &UserPoolType, user: &User) -> Option<Destination> {
    if is_auto_verified(pool, "phone_number")
        && let Some(phone) = user.attr("phone_number")
    {
        return Some(Destination::sms(phone));
    }
    if is_auto_verified(pool, "email")
        && let Some(email) = user.attr("email")
    {
        return Some(Destination::email(email));
    }
    None
}

/// Where a password-reset code goes, following the pool's AccountRecoverySetting (by
/// priority; `admin_only` allows none) or, without one, a verified phone before a verified
/// email. Only verified addresses receive reset codes.
pub fn recovery_destination(pool: &UserPoolType, user: &User) -> ApiResult<Destination> {
    let verified = |attr: &str| {
        user.attr_is_true(&format!("{attr}_verified"))
            .then(|| user.attr(attr))
            .flatten()
    };
    let mechanisms = pool
        .account_recovery_setting
        .as_ref()
        .and_then(|s| s.recovery_mechanisms.clone())
        .filter(|m| !m.is_empty());
    let order: Vec<String> = match mechanisms {
        Some(mut m) => {
            m.sort_by_key(|o| o.priority);
            m.into_iter().map(|o| o.name).collect()
        }
        None => vec!["verified_phone_number".into(), "verified_email".into()],
    };
    for mechanism in &order {
        match mechanism.as_str() {
            "verified_email" => {
                if let Some(email) = verified("email") {
                    return Ok(Destination::email(email));
                }
            }
            "verified_phone_number" => {
                if let Some(phone) = verified("phone_number") {
                    return Ok(Destination::sms(phone));
                }
            }
            "admin_only" => {
                return Err(ApiError::not_authorized(
                    "Cannot reset password for the user as there is no registered/verified email or phone_number",
                ));
            }
            _ => {}
        }
    }
    Err(ApiError::invalid_parameter(
        "Cannot reset password for the user as there is no registered/verified email or phone_number",
    ))
}
