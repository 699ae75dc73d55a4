//! GetLogDeliveryConfiguration and SetLogDeliveryConfiguration: stored and answered back (no
//! logs leave the emulator).
//!
//! AWS (LogConfigurationType): `userNotification` logs are ERROR level to CloudWatch Logs;
//! `userAuthEvents` are INFO level to CloudWatch Logs, Firehose or S3 and need the Plus plan.

use super::shapes::*;
use super::user_pools::load_pool;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::store::pool_settings::POOL_WIDE;

const KIND: &str = "log_delivery";

fn validate(pool: &UserPoolType, configs: &[LogConfigurationType]) -> ApiResult<()> {
    let mut sources = std::collections::HashSet::new();
    for c in configs {
        if !sources.insert(c.event_source.as_str()) {
            return Err(ApiError::invalid_parameter(format!(
                "Duplicate log configuration for event source {}.",
                c.event_source
            )));
        }
        let destinations = [
            c.cloud_watch_logs_configuration.is_some(),
            c.s3_configuration.is_some(),
            c.firehose_configuration.is_some(),
        ]
        .into_iter()
        .filter(|d| *d)
        .count();
        if destinations != 1 {
            return Err(ApiError::invalid_parameter(
                "A log configuration must have exactly one destination.",
            ));
        }
        match c.event_source.as_str() {
            "userNotification" => {
                if c.log_level != "ERROR" || c.cloud_watch_logs_configuration.is_none() {
                    return Err(ApiError::invalid_parameter(
                        "userNotification logs are delivered at ERROR level to CloudWatch Logs.",
                    ));
                }
            }
            _ => {
                if c.log_level != "INFO" {
                    return Err(ApiError::invalid_parameter(
                        "userAuthEvents logs are delivered at INFO level.",
                    ));
                }
                if pool.user_pool_tier.as_deref() != Some("PLUS") {
                    return Err(ApiError::new(
                        ErrorKind::FeatureUnavailableInTierException,
                        "userAuthEvents log delivery requires the Plus feature plan.",
                    ));
                }
            }
        }
    }
    Ok(())
}

pub async fn set_log_delivery_configuration(
    ctx: Ctx,
    input: SetLogDeliveryConfigurationRequest,
) -> ApiResult<SetLogDeliveryConfigurationResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    validate(&pool, &input.log_configurations)?;
    let config = LogDeliveryConfigurationType {
        user_pool_id: input.user_pool_id.clone(),
        log_configurations: input.log_configurations,
    };
    ctx.store
        .put_setting(
            &input.user_pool_id,
            KIND,
            POOL_WIDE,
            ctx.clock.now_epoch(),
            &config,
        )
        .await?;
    Ok(SetLogDeliveryConfigurationResponse {
        log_delivery_configuration: Some(config),
    })
}

pub async fn get_log_delivery_configuration(
    ctx: Ctx,
    input: GetLogDeliveryConfigurationRequest,
) -> ApiResult<GetLogDeliveryConfigurationResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let config = ctx
        .store
        .get_setting(&input.user_pool_id, KIND, POOL_WIDE)
        .await?
        .unwrap_or(LogDeliveryConfigurationType {
            user_pool_id: input.user_pool_id,
            log_configurations: Vec::new(),
        });
    Ok(GetLogDeliveryConfigurationResponse {
        log_delivery_configuration: Some(config),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{ctx, kind, pool};

    fn cloudwatch(source: &str, level: &str) -> LogConfigurationType {
        LogConfigurationType {
            log_level: level.into(),
            event_source: source.into(),
            cloud_watch_logs_configuration: Some(CloudWatchLogsConfigurationType {
                log_group_arn: Some("arn:aws:logs:us-east-1:123456789012:log-group:cognito".into()),
            }),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn stored_validated_and_answered_back() {
        let ctx = ctx().await;
        let p = pool(&ctx, |_| {}).await;
        let pool_id = p.id.clone().unwrap();
        let get = || {
            get_log_delivery_configuration(
                ctx.clone(),
                GetLogDeliveryConfigurationRequest {
                    user_pool_id: pool_id.clone(),
                },
            )
        };
        let empty = get().await.unwrap().log_delivery_configuration.unwrap();
        assert!(empty.log_configurations.is_empty());
        let set = |configs: Vec<LogConfigurationType>| {
            set_log_delivery_configuration(
                ctx.clone(),
                SetLogDeliveryConfigurationRequest {
                    user_pool_id: pool_id.clone(),
                    log_configurations: configs,
                },
            )
        };
        assert_eq!(
            kind(set(vec![cloudwatch("userNotification", "INFO")]).await),
            "InvalidParameterException"
        );
        // Essentials pools cannot export threat-protection events.
        assert_eq!(
            kind(set(vec![cloudwatch("userAuthEvents", "INFO")]).await),
            "FeatureUnavailableInTierException"
        );
        set(vec![cloudwatch("userNotification", "ERROR")])
            .await
            .unwrap();
        let got = get().await.unwrap().log_delivery_configuration.unwrap();
        assert_eq!(got.log_configurations.len(), 1);
        assert_eq!(got.log_configurations[0].event_source, "userNotification");
    }
}
