//! Cognito identity pools (`AWSCognitoIdentityService`).

pub mod identity_pools;
pub mod roles;

#[cfg(test)]
mod tests;

use crate::action_table;
pub use crate::protocol::generated::identity as shapes;

action_table! {
    CreateIdentityPool => identity_pools::create_identity_pool,
    DescribeIdentityPool => identity_pools::describe_identity_pool,
    ListIdentityPools => identity_pools::list_identity_pools,
    UpdateIdentityPool => identity_pools::update_identity_pool,
    DeleteIdentityPool => identity_pools::delete_identity_pool,
    TagResource => identity_pools::tag_resource,
    UntagResource => identity_pools::untag_resource,
    ListTagsForResource => identity_pools::list_tags_for_resource,
    SetIdentityPoolRoles => roles::set_identity_pool_roles,
    GetIdentityPoolRoles => roles::get_identity_pool_roles,
    SetPrincipalTagAttributeMap => roles::set_principal_tag_attribute_map,
    GetPrincipalTagAttributeMap => roles::get_principal_tag_attribute_map,
}
