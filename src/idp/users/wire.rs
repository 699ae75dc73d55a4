//! A stored user as the API answers it.

use crate::idp::shapes::*;
use crate::model::user::User;

/// The user's attributes on the wire.
pub fn attribute_types(user: &User) -> Vec<AttributeType> {
    user.attributes
        .iter()
        .map(|(name, value)| AttributeType {
            name: name.clone(),
            value: Some(value.clone()),
        })
        .collect()
}

/// `UserType` as AdminCreateUser / ListUsers answer it.
pub fn user_type(user: &User) -> UserType {
    UserType {
        username: Some(user.username.clone()),
        attributes: Some(attribute_types(user)),
        user_create_date: Some(user.created),
        user_last_modified_date: Some(user.modified),
        enabled: Some(user.enabled),
        user_status: Some(user.status.as_str().to_string()),
        ..Default::default()
    }
}
