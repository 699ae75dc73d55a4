//! Cognito user pools (`AWSCognitoIdentityProviderService`): one module per action family.

pub mod admin_users;
pub mod attributes;
pub mod auth;
pub mod challenge;
pub mod clients;
pub mod custom_attributes;
pub mod custom_auth;
pub mod devices;
pub mod domains;
pub mod forgot_password;
pub mod groups;
pub mod list_users;
pub mod mfa;
pub mod resource_servers;
pub mod self_service;
pub mod sign_out;
pub mod sign_up;
pub mod tags;
pub mod user_import;
pub mod user_migration;
pub mod user_pools;
pub mod users;

#[cfg(test)]
mod race_tests;

use crate::action_table;
pub use crate::protocol::generated::idp as shapes;

action_table! {
    CreateUserPool => user_pools::create_user_pool,
    DescribeUserPool => user_pools::describe_user_pool,
    ListUserPools => user_pools::list_user_pools,
    UpdateUserPool => user_pools::update_user_pool,
    DeleteUserPool => user_pools::delete_user_pool,
    AddCustomAttributes => custom_attributes::add_custom_attributes,
    CreateUserPoolClient => clients::create_user_pool_client,
    DescribeUserPoolClient => clients::describe_user_pool_client,
    ListUserPoolClients => clients::list_user_pool_clients,
    UpdateUserPoolClient => clients::update_user_pool_client,
    DeleteUserPoolClient => clients::delete_user_pool_client,
    TagResource => tags::tag_resource,
    UntagResource => tags::untag_resource,
    ListTagsForResource => tags::list_tags_for_resource,
    SignUp => sign_up::sign_up,
    ConfirmSignUp => sign_up::confirm_sign_up,
    ResendConfirmationCode => sign_up::resend_confirmation_code,
    AdminConfirmSignUp => sign_up::admin_confirm_sign_up,
    AdminCreateUser => admin_users::admin_create_user,
    AdminGetUser => admin_users::admin_get_user,
    AdminDeleteUser => admin_users::admin_delete_user,
    AdminSetUserPassword => admin_users::admin_set_user_password,
    CreateUserPoolDomain => domains::create_user_pool_domain,
    DescribeUserPoolDomain => domains::describe_user_pool_domain,
    UpdateUserPoolDomain => domains::update_user_pool_domain,
    DeleteUserPoolDomain => domains::delete_user_pool_domain,
    CreateResourceServer => resource_servers::create_resource_server,
    DescribeResourceServer => resource_servers::describe_resource_server,
    ListResourceServers => resource_servers::list_resource_servers,
    UpdateResourceServer => resource_servers::update_resource_server,
    DeleteResourceServer => resource_servers::delete_resource_server,
    InitiateAuth => auth::initiate_auth,
    AdminInitiateAuth => auth::admin_initiate_auth,
    RespondToAuthChallenge => auth::respond_to_auth_challenge,
    AdminRespondToAuthChallenge => auth::admin_respond_to_auth_challenge,
    GetTokensFromRefreshToken => auth::get_tokens_from_refresh_token,
    GlobalSignOut => sign_out::global_sign_out,
    AdminUserGlobalSignOut => sign_out::admin_user_global_sign_out,
    RevokeToken => sign_out::revoke_token,
    ConfirmDevice => devices::confirm_device,
    GetDevice => devices::get_device,
    ListDevices => devices::list_devices,
    UpdateDeviceStatus => devices::update_device_status,
    ForgetDevice => devices::forget_device,
    AdminGetDevice => devices::admin_get_device,
    AdminListDevices => devices::admin_list_devices,
    AdminUpdateDeviceStatus => devices::admin_update_device_status,
    AdminForgetDevice => devices::admin_forget_device,
    SetUserPoolMfaConfig => mfa::set_user_pool_mfa_config,
    GetUserPoolMfaConfig => mfa::get_user_pool_mfa_config,
    AssociateSoftwareToken => mfa::associate_software_token,
    VerifySoftwareToken => mfa::verify_software_token,
    SetUserMFAPreference => mfa::set_user_mfa_preference,
    AdminSetUserMFAPreference => mfa::admin_set_user_mfa_preference,
    AdminDisableUser => admin_users::admin_disable_user,
    AdminEnableUser => admin_users::admin_enable_user,
    AdminResetUserPassword => admin_users::admin_reset_user_password,
    AdminUpdateUserAttributes => admin_users::admin_update_user_attributes,
    AdminDeleteUserAttributes => admin_users::admin_delete_user_attributes,
    ForgotPassword => forgot_password::forgot_password,
    ConfirmForgotPassword => forgot_password::confirm_forgot_password,
    GetUser => self_service::get_user,
    UpdateUserAttributes => self_service::update_user_attributes,
    VerifyUserAttribute => self_service::verify_user_attribute,
    GetUserAttributeVerificationCode => self_service::get_user_attribute_verification_code,
    DeleteUserAttributes => self_service::delete_user_attributes,
    DeleteUser => self_service::delete_user,
    ChangePassword => self_service::change_password,
    ListUsers => list_users::list_users,
    CreateGroup => groups::create_group,
    GetGroup => groups::get_group,
    UpdateGroup => groups::update_group,
    DeleteGroup => groups::delete_group,
    ListGroups => groups::list_groups,
    AdminAddUserToGroup => groups::admin_add_user_to_group,
    AdminRemoveUserFromGroup => groups::admin_remove_user_from_group,
    AdminListGroupsForUser => groups::admin_list_groups_for_user,
    ListUsersInGroup => groups::list_users_in_group,
    GetCSVHeader => user_import::get_csv_header,
    CreateUserImportJob => user_import::create_user_import_job,
    DescribeUserImportJob => user_import::describe_user_import_job,
    ListUserImportJobs => user_import::list_user_import_jobs,
    StartUserImportJob => user_import::start_user_import_job,
    StopUserImportJob => user_import::stop_user_import_job,
}
