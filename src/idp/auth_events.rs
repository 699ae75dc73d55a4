//! Sign-in events: AdminListUserAuthEvents, AdminUpdateAuthEventFeedback and
//! UpdateAuthEventFeedback over the events recorded when a sign-in succeeds in a pool with
//! threat protection on (AdvancedSecurityMode AUDIT or ENFORCED), as AWS collects them only
//! then. There is no risk scoring offline: every event is `NoRisk`/`Low`, response `Pass`.
//!
//! Each event carries a feedback token (on AWS it reaches the user in risk notification
//! emails, which are not sent offline); UpdateAuthEventFeedback must present it.

use super::challenge::Call;
use super::shapes::*;
use super::user_pools::load_pool;
use super::users::lookup::require_user;
use crate::model::user::User;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind, page_token};
use crate::store::auth_events::StoredEvent;

/// Threat protection is on: events are collected and the event actions are allowed.
fn protection_on(pool: &UserPoolType) -> bool {
    pool.user_pool_add_ons.as_ref().is_some_and(|a| {
        a.advanced_security_mode == "AUDIT" || a.advanced_security_mode == "ENFORCED"
    })
}

fn require_protection(pool: &UserPoolType) -> ApiResult<()> {
    if protection_on(pool) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorKind::UserPoolAddOnNotEnabledException,
            "Advanced security features are not enabled for this user pool.",
        ))
    }
}

/// Records a successful sign-in (one indexed insert; nothing when protection is off).
pub async fn record_sign_in(ctx: &Ctx, call: &Call, user: &User) -> ApiResult<()> {
    if !protection_on(&call.pool) {
        return Ok(());
    }
    let now = ctx.clock.now_epoch();
    let event_id = crate::ids::uuid();
    let doc = AuthEventType {
        event_id: Some(event_id.clone()),
        event_type: Some("SignIn".into()),
        creation_date: Some(now),
        event_response: Some("Pass".into()),
        event_risk: Some(EventRiskType {
            risk_decision: Some("NoRisk".into()),
            risk_level: Some("Low".into()),
            compromised_credentials_detected: Some(false),
        }),
        challenge_responses: Some(vec![ChallengeResponseType {
            challenge_name: Some("Password".into()),
            challenge_response: Some("Success".into()),
        }]),
        event_context_data: None,
        event_feedback: None,
    };
    let event = StoredEvent {
        created: now,
        event_id,
        feedback_token: crate::ids::client_secret(),
        doc,
    };
    ctx.store
        .insert_auth_event(&call.pool_id, &user.sub, &event)
        .await?;
    Ok(())
}

fn page_token(e: &StoredEvent<AuthEventType>) -> String {
    format!("{}_{}", e.created, e.event_id)
}

fn parse_position(position: &str) -> ApiResult<(f64, &str)> {
    position
        .split_once('_')
        .and_then(|(created, id)| Some((created.parse().ok()?, id)))
        .ok_or_else(|| ApiError::invalid_parameter("Invalid pagination token."))
}

pub async fn admin_list_user_auth_events(
    ctx: Ctx,
    input: AdminListUserAuthEventsRequest,
) -> ApiResult<AdminListUserAuthEventsResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    require_protection(&pool)?;
    let user = require_user(&ctx, &pool, &input.username).await?;
    let limit = input.max_results.filter(|n| *n > 0).unwrap_or(60).min(60) as u32;
    // The position is sealed to this user's listing (protocol::page_token).
    let scope = format!(
        "AdminListUserAuthEvents\0{}\0{}",
        input.user_pool_id, user.sub
    );
    let position = page_token::open_opt(&scope, input.next_token.as_deref())?;
    let after = position.as_deref().map(parse_position).transpose()?;
    let mut events: Vec<StoredEvent<AuthEventType>> = ctx
        .store
        .list_auth_events(&user.sub, after, limit + 1)
        .await?;
    let next_token = if events.len() > limit as usize {
        events.truncate(limit as usize);
        events.last().map(page_token)
    } else {
        None
    };
    Ok(AdminListUserAuthEventsResponse {
        auth_events: Some(events.into_iter().map(|e| e.doc).collect()),
        next_token: page_token::seal_next(&scope, next_token),
    })
}

async fn give_feedback(
    ctx: &Ctx,
    pool_id: &str,
    username: &str,
    event_id: &str,
    token: Option<&str>,
    value: String,
    provider: &str,
) -> ApiResult<()> {
    let pool = load_pool(ctx, pool_id).await?;
    require_protection(&pool)?;
    let user = require_user(ctx, &pool, username).await?;
    let mut event: StoredEvent<AuthEventType> = ctx
        .store
        .get_auth_event(pool_id, &user.sub, event_id)
        .await?
        .ok_or_else(|| {
            ApiError::resource_not_found(format!("Auth event {event_id} does not exist."))
        })?;
    if let Some(token) = token
        && token != event.feedback_token
    {
        return Err(ApiError::not_authorized("Invalid feedback token."));
    }
    event.doc.event_feedback = Some(EventFeedbackType {
        feedback_value: value,
        provider: provider.into(),
        feedback_date: Some(ctx.clock.now_epoch()),
    });
    ctx.store
        .update_auth_event(pool_id, event_id, &event.doc)
        .await?;
    Ok(())
}

pub async fn admin_update_auth_event_feedback(
    ctx: Ctx,
    input: AdminUpdateAuthEventFeedbackRequest,
) -> ApiResult<AdminUpdateAuthEventFeedbackResponse> {
    give_feedback(
        &ctx,
        &input.user_pool_id,
        &input.username,
        &input.event_id,
        None,
        input.feedback_value,
        "Admin",
    )
    .await?;
    Ok(AdminUpdateAuthEventFeedbackResponse {})
}

pub async fn update_auth_event_feedback(
    ctx: Ctx,
    input: UpdateAuthEventFeedbackRequest,
) -> ApiResult<UpdateAuthEventFeedbackResponse> {
    give_feedback(
        &ctx,
        &input.user_pool_id,
        &input.username,
        &input.event_id,
        Some(&input.feedback_token),
        input.feedback_value,
        "User",
    )
    .await?;
    Ok(UpdateAuthEventFeedbackResponse {})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{admin_client, ctx, kind, pool, sign_in, user};

    #[tokio::test]
    async fn sign_ins_are_listed_paged_and_take_feedback() {
        let ctx = ctx().await;
        let off = pool(&ctx, |_| {}).await;
        let r = admin_list_user_auth_events(
            ctx.clone(),
            AdminListUserAuthEventsRequest {
                user_pool_id: off.id.clone().unwrap(),
                username: "x".into(),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(kind(r), "UserPoolAddOnNotEnabledException");

        let p = pool(&ctx, |p| {
            p.user_pool_add_ons = Some(UserPoolAddOnsType {
                advanced_security_mode: "AUDIT".into(),
                ..Default::default()
            })
        })
        .await;
        let pool_id = p.id.clone().unwrap();
        let client_id = admin_client(&ctx, &p).await;
        user(&ctx, &pool_id, "carol").await;
        for _ in 0..3 {
            sign_in(&ctx, &pool_id, &client_id, "carol").await;
            ctx.clock.advance(1);
        }
        let list = |token: Option<String>| {
            admin_list_user_auth_events(
                ctx.clone(),
                AdminListUserAuthEventsRequest {
                    user_pool_id: pool_id.clone(),
                    username: "carol".into(),
                    max_results: Some(2),
                    next_token: token,
                },
            )
        };
        let first = list(None).await.unwrap();
        let events = first.auth_events.unwrap();
        assert_eq!(events.len(), 2);
        assert!(events[0].creation_date > events[1].creation_date);
        assert_eq!(events[0].event_type.as_deref(), Some("SignIn"));
        let rest = list(first.next_token).await.unwrap();
        assert_eq!(rest.auth_events.unwrap().len(), 1);
        assert!(rest.next_token.is_none());

        let event_id = events[0].event_id.clone().unwrap();
        admin_update_auth_event_feedback(
            ctx.clone(),
            AdminUpdateAuthEventFeedbackRequest {
                user_pool_id: pool_id.clone(),
                username: "carol".into(),
                event_id: event_id.clone(),
                feedback_value: "Valid".into(),
            },
        )
        .await
        .unwrap();
        let events = list(None).await.unwrap().auth_events.unwrap();
        let feedback = events[0].event_feedback.clone().unwrap();
        assert_eq!(feedback.feedback_value, "Valid");

        let user_feedback = |token: &str| UpdateAuthEventFeedbackRequest {
            user_pool_id: pool_id.clone(),
            username: "carol".into(),
            event_id: event_id.clone(),
            feedback_token: token.into(),
            feedback_value: "Invalid".into(),
        };
        let r = update_auth_event_feedback(ctx.clone(), user_feedback("wrong")).await;
        assert_eq!(kind(r), "NotAuthorizedException");
        let sub = ctx
            .store
            .get_user(&pool_id, "carol")
            .await
            .unwrap()
            .unwrap()
            .sub;
        let stored: StoredEvent<AuthEventType> = ctx
            .store
            .get_auth_event(&pool_id, &sub, &event_id)
            .await
            .unwrap()
            .unwrap();
        update_auth_event_feedback(ctx.clone(), user_feedback(&stored.feedback_token))
            .await
            .unwrap();
        let r = admin_update_auth_event_feedback(
            ctx.clone(),
            AdminUpdateAuthEventFeedbackRequest {
                user_pool_id: pool_id.clone(),
                username: "carol".into(),
                event_id: "no-such-event".into(),
                feedback_value: "Valid".into(),
            },
        )
        .await;
        assert_eq!(kind(r), "ResourceNotFoundException");
    }
}
