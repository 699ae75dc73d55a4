//! What a successful sign-in writes besides its tokens, in one place the challenge machine
//! calls (`challenge::authenticated`): room for the new session under MaxPerUser (session
//! tracking) and a sign-in event (threat protection). Each is one cheap read when its feature
//! is off.

use super::challenge::Call;
use crate::model::user::User;
use crate::protocol::ApiResult;
use crate::protocol::ctx::Ctx;

pub async fn apply(ctx: &Ctx, call: &Call, user: &User) -> ApiResult<()> {
    super::sessions::make_room(ctx, &call.pool_id, &user.username).await?;
    super::auth_events::record_sign_in(ctx, call, user).await
}
