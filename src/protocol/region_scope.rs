//! Regions are separate services on AWS: a pool created in eu-north-1 does not exist for a
//! call signed for ap-south-1. Every user pool, identity pool and identity ID starts with its
//! region, and ARNs name it, so a signed call naming a resource of another region is answered
//! here, before its handler, with the not-found error that handler gives for a missing
//! resource. Unsigned calls (SignUp, InitiateAuth, GetId, ...) carry no region and resolve by
//! the resource they name, so a browser SDK keeps working whatever region the pool is in.

use super::ctx::Ctx;
use super::{ApiError, ApiResult};
use serde_json::Value;

/// Which service's resources the input names.
#[derive(Clone, Copy)]
pub enum Names {
    UserPools,
    Identities,
}

/// Refuses a signed call whose input names a resource outside the call's region.
pub fn check(ctx: &Ctx, names: Names, input: &Value) -> ApiResult<()> {
    if !ctx.signed {
        return Ok(());
    }
    let member = |name: &str| input.get(name).and_then(Value::as_str);
    let foreign = |id: &str, sep: char| id.split(sep).next() != Some(ctx.region.as_str());
    match names {
        Names::UserPools => {
            if let Some(id) = member("UserPoolId").filter(|id| foreign(id, '_')) {
                return Err(crate::idp::user_pools::pool_not_found(id));
            }
            if let Some(arn) = member("ResourceArn").filter(|a| foreign_arn(ctx, a)) {
                let id = arn.rsplit('/').next().unwrap_or(arn);
                return Err(crate::idp::user_pools::pool_not_found(id));
            }
        }
        Names::Identities => {
            if let Some(id) = member("IdentityPoolId").filter(|id| foreign(id, ':')) {
                return Err(crate::identity::identity_pools::pool_not_found(id));
            }
            if let Some(id) = member("IdentityId").filter(|id| foreign(id, ':')) {
                return Err(crate::identity::identities::identity_not_found(id));
            }
            if let Some(arn) = member("ResourceArn").filter(|a| foreign_arn(ctx, a)) {
                return Err(ApiError::resource_not_found(format!(
                    "Resource {arn} not found."
                )));
            }
        }
    }
    Ok(())
}

/// An ARN (`arn:aws:<service>:<region>:...`) of another region. Malformed ARNs are left to
/// the handler, which words their error.
fn foreign_arn(ctx: &Ctx, arn: &str) -> bool {
    arn.split(':')
        .nth(3)
        .is_some_and(|region| !region.is_empty() && region != ctx.region)
}
