//! Cognito identity pools (`AWSCognitoIdentityService`).

pub mod credentials;
pub mod developer;
pub mod identities;
pub mod identity_pools;
pub mod login_tokens;
pub mod openid;
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
    GetId => identities::get_id,
    DescribeIdentity => identities::describe_identity,
    ListIdentities => identities::list_identities,
    DeleteIdentities => identities::delete_identities,
    UnlinkIdentity => identities::unlink_identity,
    GetCredentialsForIdentity => credentials::get_credentials_for_identity,
    GetOpenIdToken => credentials::get_open_id_token,
    GetOpenIdTokenForDeveloperIdentity => developer::get_open_id_token_for_developer_identity,
    LookupDeveloperIdentity => developer::lookup_developer_identity,
    MergeDeveloperIdentities => developer::merge_developer_identities,
    UnlinkDeveloperIdentity => developer::unlink_developer_identity,
}
