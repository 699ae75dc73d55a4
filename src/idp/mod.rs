//! Cognito user pools (`AWSCognitoIdentityProviderService`): one module per action family.

pub mod user_pools;

use crate::action_table;
pub use crate::protocol::generated::idp as shapes;

action_table! {
    CreateUserPool => user_pools::create_user_pool,
    DescribeUserPool => user_pools::describe_user_pool,
    ListUserPools => user_pools::list_user_pools,
    DeleteUserPool => user_pools::delete_user_pool,
}
