//! The user as tokens describe them: read from the store, so every front end that issues
//! tokens (the API, the token endpoint, the hosted pages) builds the same subject.

use super::claims::{GroupClaim, TokenSubject};
use crate::model::user::User;
use crate::protocol::ApiResult;
use crate::protocol::ctx::Ctx;
use crate::protocol::generated::idp::GroupType;

/// `user` with their groups (for `cognito:groups`, `cognito:roles`, `cognito:preferred_role`).
pub async fn subject_of(ctx: &Ctx, user: &User) -> ApiResult<TokenSubject> {
    let groups = ctx
        .store
        .groups_of_user::<GroupType>(&user.pool_id, &user.username)
        .await?
        .into_iter()
        .filter_map(|g| {
            Some(GroupClaim {
                name: g.group_name?,
                role_arn: g.role_arn,
                precedence: g.precedence,
            })
        })
        .collect();
    Ok(TokenSubject {
        username: user.username.clone(),
        sub: user.sub.clone(),
        attributes: user.attributes.clone(),
        groups,
    })
}
