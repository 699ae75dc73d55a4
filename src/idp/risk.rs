//! Threat protection settings: DescribeRiskConfiguration and SetRiskConfiguration, stored per
//! pool or per app client. Offline there is no risk scoring, so the settings are kept and
//! answered back; sign-ins record a "no risk" event (see `auth_events`).
//!
//! AWS (API reference, SetRiskConfiguration): a call with only UserPoolId (and ClientId)
//! resets that level to defaults; a client-level configuration replaces the pool-level one for
//! that client. The pool-level configuration answers `ClientId: "ALL"`.

use super::clients::load_pool_client;
use super::shapes::*;
use super::user_pools::load_pool;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};
use crate::store::pool_settings::POOL_WIDE;

const KIND: &str = "risk_configuration";

/// The ClientId a pool-level configuration is described with.
const ALL_CLIENTS: &str = "ALL";

fn check_ip_ranges(name: &str, ranges: Option<&Vec<String>>) -> ApiResult<()> {
    for range in ranges.into_iter().flatten() {
        let (addr, bits) = range.split_once('/').unwrap_or((range.as_str(), ""));
        let max = match addr.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(_)) => 32,
            Ok(std::net::IpAddr::V6(_)) => 128,
            Err(_) => 0,
        };
        let ok = max > 0 && bits.parse::<u32>().is_ok_and(|b| b <= max);
        if !ok {
            return Err(ApiError::invalid_parameter(format!(
                "{name} contains an invalid CIDR range: {range}"
            )));
        }
    }
    Ok(())
}

fn validate(input: &SetRiskConfigurationRequest) -> ApiResult<()> {
    if let Some(takeover) = &input.account_takeover_risk_configuration {
        let a = &takeover.actions;
        let notifies = [&a.low_action, &a.medium_action, &a.high_action]
            .into_iter()
            .flatten()
            .any(|action| action.notify);
        if notifies && takeover.notify_configuration.is_none() {
            return Err(ApiError::invalid_parameter(
                "NotifyConfiguration is required when an account takeover action notifies.",
            ));
        }
    }
    if let Some(filters) = input
        .compromised_credentials_risk_configuration
        .as_ref()
        .and_then(|c| c.event_filter.as_ref())
        && filters.is_empty()
    {
        return Err(ApiError::invalid_parameter(
            "EventFilter must name at least one event when given.",
        ));
    }
    if let Some(e) = &input.risk_exception_configuration {
        check_ip_ranges("BlockedIPRangeList", e.blocked_ip_range_list.as_ref())?;
        check_ip_ranges("SkippedIPRangeList", e.skipped_ip_range_list.as_ref())?;
    }
    Ok(())
}

pub async fn set_risk_configuration(
    ctx: Ctx,
    input: SetRiskConfigurationRequest,
) -> ApiResult<SetRiskConfigurationResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let scope = match &input.client_id {
        Some(client_id) => {
            load_pool_client(&ctx, &input.user_pool_id, client_id).await?;
            client_id.as_str()
        }
        None => POOL_WIDE,
    };
    validate(&input)?;
    let now = ctx.clock.now_epoch();
    let config = RiskConfigurationType {
        user_pool_id: Some(input.user_pool_id.clone()),
        client_id: Some(
            input
                .client_id
                .clone()
                .unwrap_or_else(|| ALL_CLIENTS.into()),
        ),
        compromised_credentials_risk_configuration: input
            .compromised_credentials_risk_configuration
            .clone(),
        account_takeover_risk_configuration: input.account_takeover_risk_configuration.clone(),
        risk_exception_configuration: input.risk_exception_configuration.clone(),
        last_modified_date: Some(now),
    };
    let empty = config.compromised_credentials_risk_configuration.is_none()
        && config.account_takeover_risk_configuration.is_none()
        && config.risk_exception_configuration.is_none();
    if empty {
        // Only the ids: back to the defaults.
        ctx.store
            .delete_setting(&input.user_pool_id, KIND, scope)
            .await?;
    } else {
        ctx.store
            .put_setting(&input.user_pool_id, KIND, scope, now, &config)
            .await?;
    }
    Ok(SetRiskConfigurationResponse {
        risk_configuration: config,
    })
}

pub async fn describe_risk_configuration(
    ctx: Ctx,
    input: DescribeRiskConfigurationRequest,
) -> ApiResult<DescribeRiskConfigurationResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let mut found: Option<RiskConfigurationType> = None;
    if let Some(client_id) = &input.client_id {
        load_pool_client(&ctx, &input.user_pool_id, client_id).await?;
        found = ctx
            .store
            .get_setting(&input.user_pool_id, KIND, client_id)
            .await?;
    }
    if found.is_none() {
        found = ctx
            .store
            .get_setting(&input.user_pool_id, KIND, POOL_WIDE)
            .await?;
    }
    let risk_configuration = found.unwrap_or_else(|| RiskConfigurationType {
        user_pool_id: Some(input.user_pool_id.clone()),
        client_id: Some(
            input
                .client_id
                .clone()
                .unwrap_or_else(|| ALL_CLIENTS.into()),
        ),
        ..Default::default()
    });
    Ok(DescribeRiskConfigurationResponse { risk_configuration })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{client, ctx, kind, pool};

    fn takeover(notify: bool) -> AccountTakeoverRiskConfigurationType {
        AccountTakeoverRiskConfigurationType {
            notify_configuration: None,
            actions: AccountTakeoverActionsType {
                high_action: Some(AccountTakeoverActionType {
                    notify,
                    event_action: "BLOCK".into(),
                }),
                ..Default::default()
            },
        }
    }

    #[tokio::test]
    async fn pool_and_client_levels_stored_validated_and_reset() {
        let ctx = ctx().await;
        let p = pool(&ctx, |_| {}).await;
        let pool_id = p.id.clone().unwrap();
        let c = client(&ctx, &p, false).await;
        let client_id = c.client_id.clone().unwrap();
        let describe = |client: Option<String>| {
            describe_risk_configuration(
                ctx.clone(),
                DescribeRiskConfigurationRequest {
                    user_pool_id: pool_id.clone(),
                    client_id: client,
                },
            )
        };
        let d = describe(None).await.unwrap().risk_configuration;
        assert_eq!(d.client_id.as_deref(), Some("ALL"));
        assert!(d.account_takeover_risk_configuration.is_none());

        let set = |client: Option<String>,
                   t: Option<AccountTakeoverRiskConfigurationType>,
                   ips: Vec<&str>| {
            set_risk_configuration(
                ctx.clone(),
                SetRiskConfigurationRequest {
                    user_pool_id: pool_id.clone(),
                    client_id: client,
                    account_takeover_risk_configuration: t,
                    risk_exception_configuration: (!ips.is_empty()).then(|| {
                        RiskExceptionConfigurationType {
                            blocked_ip_range_list: Some(
                                ips.iter().map(|s| s.to_string()).collect(),
                            ),
                            skipped_ip_range_list: None,
                        }
                    }),
                    ..Default::default()
                },
            )
        };
        assert_eq!(
            kind(set(None, Some(takeover(true)), vec![]).await),
            "InvalidParameterException"
        );
        assert_eq!(
            kind(set(None, None, vec!["10.0.0.0/33"]).await),
            "InvalidParameterException"
        );
        set(
            None,
            Some(takeover(false)),
            vec!["10.0.0.0/8", "2001:db8::/32"],
        )
        .await
        .unwrap();
        // The client without its own configuration sees the pool's.
        let d = describe(Some(client_id.clone()))
            .await
            .unwrap()
            .risk_configuration;
        assert_eq!(d.client_id.as_deref(), Some("ALL"));
        assert!(d.account_takeover_risk_configuration.is_some());
        set(Some(client_id.clone()), None, vec!["192.168.1.0/24"])
            .await
            .unwrap();
        let d = describe(Some(client_id.clone()))
            .await
            .unwrap()
            .risk_configuration;
        assert_eq!(d.client_id.as_deref(), Some(client_id.as_str()));
        assert!(d.account_takeover_risk_configuration.is_none());
        // Only the ids resets the pool level.
        set(None, None, vec![]).await.unwrap();
        let d = describe(None).await.unwrap().risk_configuration;
        assert!(d.account_takeover_risk_configuration.is_none());
        let r = describe(Some("nosuchclient".into())).await;
        assert_eq!(kind(r), "ResourceNotFoundException");
    }
}
