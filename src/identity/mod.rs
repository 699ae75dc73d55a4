//! Cognito identity pools (`AWSCognitoIdentityService`).

use crate::action_table;
pub use crate::protocol::generated::identity as shapes;

action_table! {}
