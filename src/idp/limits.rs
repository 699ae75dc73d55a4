//! GetProvisionedLimit and UpdateProvisionedLimit: the account's request rate per API
//! category, stored and answered back. The emulator does not throttle, so a raised limit
//! changes nothing else offline.
//!
//! AWS (API reference): the limit class is API_CATEGORY with a `Category` attribute such as
//! UserAuthentication; an update must lie between the free (default) rate and the account's
//! Service Quotas maximum, which does not exist offline: any value at or above the free rate
//! is accepted. The free rates are the "Default quota (RPS)" column of the developer guide's
//! "Quotas in Amazon Cognito" page.

use super::shapes::*;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};

/// `(category, free requests per second)`.
const FREE_RATES: &[(&str, i32)] = &[
    ("UserAuthentication", 120),
    ("UserCreation", 50),
    ("UserFederation", 25),
    ("UserAccountRecovery", 30),
    ("UserRead", 120),
    ("UserUpdate", 25),
    ("UserResourceRead", 50),
    ("UserResourceUpdate", 25),
    ("UserList", 30),
    ("UserPoolRead", 15),
    ("UserPoolUpdate", 15),
    ("UserPoolResourceRead", 20),
    ("UserPoolResourceUpdate", 15),
    ("UserPoolClientRead", 15),
    ("UserPoolClientUpdate", 15),
    ("ClientAuthentication", 150),
];

fn category(definition: &LimitDefinitionType) -> ApiResult<(&str, i32)> {
    let name = definition
        .attributes
        .get("Category")
        .ok_or_else(|| ApiError::invalid_parameter("The Category attribute is required."))?;
    FREE_RATES
        .iter()
        .find(|(c, _)| c == name)
        .map(|(c, free)| (*c, *free))
        .ok_or_else(|| ApiError::invalid_parameter(format!("Unknown API category {name}.")))
}

async fn limit(ctx: &Ctx, definition: LimitDefinitionType) -> ApiResult<LimitType> {
    let (name, free) = category(&definition)?;
    let provisioned = ctx
        .store
        .provisioned_limit(name)
        .await?
        .and_then(|v| i32::try_from(v).ok())
        .unwrap_or(free);
    Ok(LimitType {
        limit_definition: definition,
        provisioned_limit_value: provisioned,
        free_limit_value: free,
    })
}

pub async fn get_provisioned_limit(
    ctx: Ctx,
    input: GetProvisionedLimitRequest,
) -> ApiResult<GetProvisionedLimitResponse> {
    Ok(GetProvisionedLimitResponse {
        limit: limit(&ctx, input.limit_definition).await?,
    })
}

pub async fn update_provisioned_limit(
    ctx: Ctx,
    input: UpdateProvisionedLimitRequest,
) -> ApiResult<UpdateProvisionedLimitResponse> {
    let (name, free) = category(&input.limit_definition)?;
    if input.requested_limit_value < free {
        return Err(ApiError::invalid_parameter(format!(
            "The requested limit must be at least the default limit of {free}."
        )));
    }
    ctx.store
        .set_provisioned_limit(
            name,
            i64::from(input.requested_limit_value),
            ctx.clock.now_epoch(),
        )
        .await?;
    Ok(UpdateProvisionedLimitResponse {
        limit: limit(&ctx, input.limit_definition).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{ctx, kind};

    fn definition(category: &str) -> LimitDefinitionType {
        LimitDefinitionType {
            limit_class: "API_CATEGORY".into(),
            attributes: [("Category".to_string(), category.to_string())].into(),
        }
    }

    #[tokio::test]
    async fn free_rates_and_raised_limits() {
        let ctx = ctx().await;
        let got = get_provisioned_limit(
            ctx.clone(),
            GetProvisionedLimitRequest {
                limit_definition: definition("UserAuthentication"),
            },
        )
        .await
        .unwrap()
        .limit;
        assert_eq!(
            (got.free_limit_value, got.provisioned_limit_value),
            (120, 120)
        );
        let update = |value| UpdateProvisionedLimitRequest {
            limit_definition: definition("UserAuthentication"),
            requested_limit_value: value,
        };
        let r = update_provisioned_limit(ctx.clone(), update(10)).await;
        assert_eq!(kind(r), "InvalidParameterException");
        let raised = update_provisioned_limit(ctx.clone(), update(300))
            .await
            .unwrap()
            .limit;
        assert_eq!(raised.provisioned_limit_value, 300);
        let r = get_provisioned_limit(
            ctx.clone(),
            GetProvisionedLimitRequest {
                limit_definition: definition("NoSuchCategory"),
            },
        )
        .await;
        assert_eq!(kind(r), "InvalidParameterException");
    }
}
