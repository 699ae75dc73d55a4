//! ListUsers with Cognito's filter syntax (`attr = "value"`, `attr ^= "value"`).

use super::shapes::*;
use super::user_pools::load_pool;
use super::users::lookup::username_key;
use super::users::wire::user_type;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, page_token};
use crate::store::users::{FilterOp, UserCursor, UserFilter};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

fn bad_filter() -> ApiError {
    ApiError::invalid_parameter("Error while parsing filter.")
}

/// Parses `name = "value"` / `name ^= "value"` for the attributes Cognito can filter on: one
/// condition, the value one quoted string (`\"` inside it). Anything else — a blank filter,
/// two conditions joined by `and` — is refused as Cognito's grammar refuses it.
pub fn parse_filter(pool: &UserPoolType, text: &str) -> ApiResult<Option<UserFilter>> {
    let text = text.trim();
    if text.is_empty() {
        return Err(bad_filter());
    }
    let (name, rest, op) = if let Some((n, r)) = text.split_once("^=") {
        (n, r, FilterOp::StartsWith)
    } else if let Some((n, r)) = text.split_once('=') {
        (n, r, FilterOp::Equals)
    } else {
        return Err(bad_filter());
    };
    let name = name.trim();
    let rest = rest.trim();
    let value = quoted(rest).ok_or_else(bad_filter)?;
    let (column, value) = match name {
        "username" => ("username_key", username_key(pool, &value)),
        "email" => ("email", value.to_lowercase()),
        "phone_number" => ("phone_number", value),
        "preferred_username" => ("preferred_username", value.to_lowercase()),
        "sub" => ("sub", value),
        "cognito:user_status" => ("status", value),
        "status" => {
            let enabled = match value.as_str() {
                "Enabled" => "1",
                "Disabled" => "0",
                _ => return Err(bad_filter()),
            };
            if op != FilterOp::Equals {
                return Err(bad_filter());
            }
            ("enabled", enabled.to_string())
        }
        "name" => ("name", value),
        "given_name" => ("given_name", value),
        "family_name" => ("family_name", value),
        _ => return Err(bad_filter()),
    };
    Ok(Some(UserFilter { column, op, value }))
}

/// The content of `text` when it is exactly one double-quoted string (`\"` escapes a quote).
fn quoted(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?;
    let mut value = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                '"' => value.push('"'),
                '\\' => value.push('\\'),
                other => {
                    value.push('\\');
                    value.push(other);
                }
            },
            // The closing quote must end the filter.
            '"' => return chars.next().is_none().then_some(value),
            c => value.push(c),
        }
    }
    None
}

/// The PaginationToken of a page ending at `cursor`: the username, then for a prefix
/// filter a NUL and the filtered value (usernames cannot contain control characters).
fn token(cursor: &UserCursor) -> String {
    match &cursor.key {
        None => B64.encode(cursor.username.as_bytes()),
        Some(key) => B64.encode(format!("{}\0{key}", cursor.username)),
    }
}

fn parse_token(token: &str) -> ApiResult<UserCursor> {
    let text = B64
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| ApiError::invalid_parameter("Invalid pagination token."))?;
    Ok(match text.split_once('\0') {
        Some((username, key)) => UserCursor {
            username: username.to_string(),
            key: Some(key.to_string()),
        },
        None => UserCursor {
            username: text,
            key: None,
        },
    })
}

pub async fn list_users(ctx: Ctx, input: ListUsersRequest) -> ApiResult<ListUsersResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let filter = match input.filter.as_deref() {
        Some(f) => parse_filter(&pool, f)?,
        None => None,
    };
    let limit = match input.limit {
        Some(n) if n > 0 => n.min(60) as u32,
        _ => 60,
    };
    // Tokens are bound to the pool and the filter they were issued for.
    let scope = format!(
        "ListUsers\0{}\0{}",
        input.user_pool_id,
        input.filter.as_deref().unwrap_or_default()
    );
    let after = page_token::open_opt(&scope, input.pagination_token.as_deref())?
        .as_deref()
        .map(parse_token)
        .transpose()?;
    let page = ctx
        .store
        .list_users(&input.user_pool_id, after.as_ref(), limit, filter.as_ref())
        .await?;
    let pagination_token = page_token::seal_next(&scope, page.next.as_ref().map(token));
    let found = page.users;
    let wanted = input.attributes_to_get.as_ref();
    let users = found
        .iter()
        .map(|u| {
            let mut t = user_type(u);
            if let (Some(wanted), Some(attrs)) = (wanted, t.attributes.as_mut()) {
                attrs.retain(|a| wanted.contains(&a.name));
            }
            t
        })
        .collect();
    Ok(ListUsersResponse {
        users: Some(users),
        pagination_token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idp::admin_users::{admin_create_user, admin_disable_user};
    use crate::testkit::*;

    #[tokio::test]
    async fn filters_pages_and_projects() {
        let ctx = ctx().await;
        let pool = pool(&ctx, |_| {}).await;
        let pool_id = pool.id.clone().unwrap();
        for (name, given) in [("ann", "Ann"), ("andy", "Andy"), ("bob", "Bob")] {
            admin_create_user(
                ctx.clone(),
                AdminCreateUserRequest {
                    user_pool_id: pool_id.clone(),
                    username: name.into(),
                    user_attributes: Some(vec![
                        attr("email", &format!("{name}@example.com")),
                        attr("given_name", given),
                    ]),
                    message_action: Some("SUPPRESS".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        }
        admin_disable_user(
            ctx.clone(),
            AdminDisableUserRequest {
                user_pool_id: pool_id.clone(),
                username: "bob".into(),
            },
        )
        .await
        .unwrap();
        let list = |filter: &str| {
            let ctx = ctx.clone();
            let pool_id = pool_id.clone();
            let filter = filter.to_string();
            async move {
                list_users(
                    ctx,
                    ListUsersRequest {
                        user_pool_id: pool_id,
                        filter: Some(filter),
                        ..Default::default()
                    },
                )
                .await
                .map(|o| {
                    o.users
                        .unwrap()
                        .into_iter()
                        .map(|u| u.username.unwrap())
                        .collect::<Vec<_>>()
                })
            }
        };
        assert_eq!(list("username ^= \"an\"").await.unwrap(), ["andy", "ann"]);
        assert_eq!(list("email = \"BOB@example.com\"").await.unwrap(), ["bob"]);
        assert_eq!(list("given_name ^= \"An\"").await.unwrap(), ["andy", "ann"]);
        assert_eq!(list("given_name = \"Ann\"").await.unwrap(), ["ann"]);
        assert_eq!(list("status = \"Disabled\"").await.unwrap(), ["bob"]);
        assert_eq!(
            list("cognito:user_status = \"FORCE_CHANGE_PASSWORD\"")
                .await
                .unwrap()
                .len(),
            3
        );
        for bad in [
            "",
            "   ",
            "email = \"ann@example.com\" and name = \"Ann\"",
            "email = \"ann@example.com\" \"",
            "username",
            "custom:x = \"1\"",
            "email = bob",
            "status = \"Maybe\"",
        ] {
            assert_eq!(kind(list(bad).await), "InvalidParameterException", "{bad}");
        }
        let sub = ctx
            .store
            .get_user(&pool_id, "ann")
            .await
            .unwrap()
            .unwrap()
            .sub;
        assert_eq!(list(&format!("sub = \"{sub}\"")).await.unwrap(), ["ann"]);

        // Pages of two, then one; AttributesToGet keeps only the named attributes.
        let page1 = list_users(
            ctx.clone(),
            ListUsersRequest {
                user_pool_id: pool_id.clone(),
                limit: Some(2),
                attributes_to_get: Some(vec!["email".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let users = page1.users.unwrap();
        assert_eq!(users.len(), 2);
        assert!(users.iter().all(|u| {
            u.attributes
                .as_ref()
                .unwrap()
                .iter()
                .all(|a| a.name == "email")
        }));
        let page2 = list_users(
            ctx.clone(),
            ListUsersRequest {
                user_pool_id: pool_id.clone(),
                limit: Some(2),
                pagination_token: page1.pagination_token,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(page2.users.unwrap().len(), 1);
        assert!(page2.pagination_token.is_none());
    }
}
