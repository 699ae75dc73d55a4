//! Groups: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups, AdminAddUserToGroup,
//! AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup; and
//! [`groups_of_user`] for the `cognito:groups` claim.

use super::shapes::*;
use super::user_pools::load_pool;
use super::users::lookup::require_user;
use super::users::wire::user_type;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind, page_token};
use crate::store::groups::AddMember;

fn group_not_found() -> ApiError {
    ApiError::resource_not_found("Group not found.")
}

/// A user's groups ordered by precedence (lowest value first; groups without one last),
/// then name: the order of the `cognito:groups` claim.
pub async fn groups_of_user(ctx: &Ctx, pool_id: &str, username: &str) -> ApiResult<Vec<GroupType>> {
    Ok(ctx.store.groups_of_user(pool_id, username).await?)
}

async fn load_group(ctx: &Ctx, pool_id: &str, name: &str) -> ApiResult<GroupType> {
    ctx.store
        .get_group(pool_id, name)
        .await?
        .ok_or_else(group_not_found)
}

fn page_limit(limit: Option<i32>) -> u32 {
    match limit {
        Some(n) if n > 0 => n.min(60) as u32,
        _ => 60,
    }
}

pub async fn create_group(ctx: Ctx, input: CreateGroupRequest) -> ApiResult<CreateGroupResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let now = ctx.clock.now_epoch();
    let group = GroupType {
        group_name: Some(input.group_name.clone()),
        user_pool_id: Some(input.user_pool_id.clone()),
        description: input.description,
        role_arn: input.role_arn,
        precedence: input.precedence,
        last_modified_date: Some(now),
        creation_date: Some(now),
    };
    if !ctx
        .store
        .insert_group(
            &input.user_pool_id,
            &input.group_name,
            group.precedence,
            now,
            &group,
        )
        .await?
    {
        return Err(ApiError::new(
            ErrorKind::GroupExistsException,
            format!("A group with the name {} already exists.", input.group_name),
        ));
    }
    Ok(CreateGroupResponse { group: Some(group) })
}

pub async fn get_group(ctx: Ctx, input: GetGroupRequest) -> ApiResult<GetGroupResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let group = load_group(&ctx, &input.user_pool_id, &input.group_name).await?;
    Ok(GetGroupResponse { group: Some(group) })
}

/// Members given replace the stored ones; members left out keep their values.
pub async fn update_group(ctx: Ctx, input: UpdateGroupRequest) -> ApiResult<UpdateGroupResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let mut group = load_group(&ctx, &input.user_pool_id, &input.group_name).await?;
    if input.description.is_some() {
        group.description = input.description;
    }
    if input.role_arn.is_some() {
        group.role_arn = input.role_arn;
    }
    if input.precedence.is_some() {
        group.precedence = input.precedence;
    }
    group.last_modified_date = Some(ctx.clock.now_epoch());
    ctx.store
        .update_group(
            &input.user_pool_id,
            &input.group_name,
            group.precedence,
            &group,
        )
        .await?;
    Ok(UpdateGroupResponse { group: Some(group) })
}

pub async fn delete_group(ctx: Ctx, input: DeleteGroupRequest) -> ApiResult<serde_json::Value> {
    load_pool(&ctx, &input.user_pool_id).await?;
    if !ctx
        .store
        .delete_group(&input.user_pool_id, &input.group_name)
        .await?
    {
        return Err(group_not_found());
    }
    Ok(serde_json::json!({}))
}

pub async fn list_groups(ctx: Ctx, input: ListGroupsRequest) -> ApiResult<ListGroupsResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let limit = page_limit(input.limit);
    let scope = format!("ListGroups\0{}", input.user_pool_id);
    let after = page_token::open_opt(&scope, input.next_token.as_deref())?;
    let mut groups: Vec<GroupType> = ctx
        .store
        .list_groups(&input.user_pool_id, after.as_deref(), limit + 1)
        .await?;
    let next_token = if groups.len() > limit as usize {
        groups.truncate(limit as usize);
        groups.last().and_then(|g| g.group_name.clone())
    } else {
        None
    };
    Ok(ListGroupsResponse {
        groups: Some(groups),
        next_token: page_token::seal_next(&scope, next_token),
    })
}

pub async fn admin_add_user_to_group(
    ctx: Ctx,
    input: AdminAddUserToGroupRequest,
) -> ApiResult<serde_json::Value> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let user = require_user(&ctx, &pool, &input.username).await?;
    load_group(&ctx, &input.user_pool_id, &input.group_name).await?;
    // Checked again where the membership is written: the user or the group may be deleted
    // meanwhile.
    match ctx
        .store
        .add_member_checked(&input.user_pool_id, &input.group_name, &user.username)
        .await?
    {
        AddMember::Added => Ok(serde_json::json!({})),
        AddMember::GroupGone => Err(group_not_found()),
        AddMember::UserGone => Err(ApiError::user_not_found()),
    }
}

pub async fn admin_remove_user_from_group(
    ctx: Ctx,
    input: AdminRemoveUserFromGroupRequest,
) -> ApiResult<serde_json::Value> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let user = require_user(&ctx, &pool, &input.username).await?;
    load_group(&ctx, &input.user_pool_id, &input.group_name).await?;
    ctx.store
        .remove_member(&input.user_pool_id, &input.group_name, &user.username)
        .await?;
    Ok(serde_json::json!({}))
}

pub async fn admin_list_groups_for_user(
    ctx: Ctx,
    input: AdminListGroupsForUserRequest,
) -> ApiResult<AdminListGroupsForUserResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let user = require_user(&ctx, &pool, &input.username).await?;
    let all = groups_of_user(&ctx, &input.user_pool_id, &user.username).await?;
    // Few groups per user: page by position in the precedence order.
    let scope = format!(
        "AdminListGroupsForUser\0{}\0{}",
        input.user_pool_id, user.sub
    );
    let start: usize = match page_token::open_opt(&scope, input.next_token.as_deref())? {
        Some(t) => t
            .parse()
            .map_err(|_| ApiError::invalid_parameter("Invalid pagination token."))?,
        None => 0,
    };
    let limit = page_limit(input.limit) as usize;
    let page: Vec<GroupType> = all.iter().skip(start).take(limit).cloned().collect();
    let next_token = page_token::seal_next(
        &scope,
        (start + limit < all.len()).then(|| (start + limit).to_string()),
    );
    Ok(AdminListGroupsForUserResponse {
        groups: Some(page),
        next_token,
    })
}

pub async fn list_users_in_group(
    ctx: Ctx,
    input: ListUsersInGroupRequest,
) -> ApiResult<ListUsersInGroupResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    load_group(&ctx, &input.user_pool_id, &input.group_name).await?;
    let limit = page_limit(input.limit);
    let scope = format!(
        "ListUsersInGroup\0{}\0{}",
        input.user_pool_id, input.group_name
    );
    let after = page_token::open_opt(&scope, input.next_token.as_deref())?;
    let mut names = ctx
        .store
        .members_of_group(
            &input.user_pool_id,
            &input.group_name,
            after.as_deref(),
            limit + 1,
        )
        .await?;
    let next_token = if names.len() > limit as usize {
        names.truncate(limit as usize);
        names.last().cloned()
    } else {
        None
    };
    let mut out = Vec::with_capacity(names.len());
    for name in &names {
        if let Some(u) = ctx.store.get_user(&input.user_pool_id, name).await? {
            out.push(user_type(&u));
        }
    }
    Ok(ListUsersInGroupResponse {
        users: Some(out),
        next_token: page_token::seal_next(&scope, next_token),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idp::admin_users::{admin_create_user, admin_delete_user};
    use crate::testkit::*;

    #[tokio::test]
    async fn groups_lifecycle_and_membership() {
        let ctx = ctx().await;
        let pool = pool(&ctx, |_| {}).await;
        let p = pool.id.clone().unwrap();
        let mk = |name: &str, precedence: Option<i32>| CreateGroupRequest {
            group_name: name.into(),
            user_pool_id: p.clone(),
            description: Some(format!("{name} group")),
            role_arn: Some("arn:aws:iam::000000000000:role/r".into()),
            precedence,
        };
        let g = create_group(ctx.clone(), mk("admins", Some(1)))
            .await
            .unwrap()
            .group
            .unwrap();
        assert_eq!(
            g.role_arn.as_deref(),
            Some("arn:aws:iam::000000000000:role/r")
        );
        create_group(ctx.clone(), mk("readers", Some(5)))
            .await
            .unwrap();
        create_group(ctx.clone(), mk("misc", None)).await.unwrap();
        let e = create_group(ctx.clone(), mk("admins", None))
            .await
            .unwrap_err();
        assert_eq!(e.kind.name(), "GroupExistsException");
        assert_eq!(e.message, "A group with the name admins already exists.");
        let get = |n: &str| GetGroupRequest {
            group_name: n.into(),
            user_pool_id: p.clone(),
        };
        assert_eq!(
            kind(get_group(ctx.clone(), get("nope")).await),
            "ResourceNotFoundException"
        );
        let u = update_group(
            ctx.clone(),
            UpdateGroupRequest {
                group_name: "readers".into(),
                user_pool_id: p.clone(),
                precedence: Some(0),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .group
        .unwrap();
        assert_eq!(u.precedence, Some(0));
        assert_eq!(u.description.as_deref(), Some("readers group"));
        let listed = list_groups(
            ctx.clone(),
            ListGroupsRequest {
                user_pool_id: p.clone(),
                limit: Some(2),
                next_token: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(listed.groups.unwrap().len(), 2);
        assert!(listed.next_token.is_some());

        admin_create_user(
            ctx.clone(),
            AdminCreateUserRequest {
                user_pool_id: p.clone(),
                username: "lee".into(),
                message_action: Some("SUPPRESS".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        for g in ["admins", "readers", "misc"] {
            admin_add_user_to_group(
                ctx.clone(),
                AdminAddUserToGroupRequest {
                    user_pool_id: p.clone(),
                    username: "lee".into(),
                    group_name: g.into(),
                },
            )
            .await
            .unwrap();
        }
        let names: Vec<String> = groups_of_user(&ctx, &p, "lee")
            .await
            .unwrap()
            .into_iter()
            .map(|g| g.group_name.unwrap())
            .collect();
        assert_eq!(names, ["readers", "admins", "misc"]);
        let page = admin_list_groups_for_user(
            ctx.clone(),
            AdminListGroupsForUserRequest {
                username: "lee".into(),
                user_pool_id: p.clone(),
                limit: Some(2),
                next_token: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(page.groups.unwrap().len(), 2);
        let next = page.next_token.expect("a next page");
        let rest = admin_list_groups_for_user(
            ctx.clone(),
            AdminListGroupsForUserRequest {
                username: "lee".into(),
                user_pool_id: p.clone(),
                limit: Some(2),
                next_token: Some(next.clone()),
            },
        )
        .await
        .unwrap();
        assert_eq!(rest.groups.unwrap().len(), 1);
        assert_eq!(rest.next_token, None);
        // Opaque, and only for the listing that issued it.
        let forged = admin_list_groups_for_user(
            ctx.clone(),
            AdminListGroupsForUserRequest {
                username: "lee".into(),
                user_pool_id: p.clone(),
                limit: Some(2),
                next_token: Some("2".into()),
            },
        )
        .await;
        assert_eq!(crate::testkit::kind(forged), "InvalidParameterException");
        let foreign = list_groups(
            ctx.clone(),
            ListGroupsRequest {
                user_pool_id: p.clone(),
                limit: None,
                next_token: Some(next),
            },
        )
        .await;
        assert_eq!(crate::testkit::kind(foreign), "InvalidParameterException");
        let members = list_users_in_group(
            ctx.clone(),
            ListUsersInGroupRequest {
                user_pool_id: p.clone(),
                group_name: "admins".into(),
                limit: None,
                next_token: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(members.users.unwrap()[0].username.as_deref(), Some("lee"));
        admin_remove_user_from_group(
            ctx.clone(),
            AdminRemoveUserFromGroupRequest {
                user_pool_id: p.clone(),
                username: "lee".into(),
                group_name: "admins".into(),
            },
        )
        .await
        .unwrap();
        assert_eq!(groups_of_user(&ctx, &p, "lee").await.unwrap().len(), 2);
        assert_eq!(
            kind(
                admin_add_user_to_group(
                    ctx.clone(),
                    AdminAddUserToGroupRequest {
                        user_pool_id: p.clone(),
                        username: "nobody".into(),
                        group_name: "admins".into()
                    },
                )
                .await
            ),
            "UserNotFoundException"
        );
        delete_group(
            ctx.clone(),
            DeleteGroupRequest {
                group_name: "readers".into(),
                user_pool_id: p.clone(),
            },
        )
        .await
        .unwrap();
        assert_eq!(
            kind(
                delete_group(
                    ctx.clone(),
                    DeleteGroupRequest {
                        group_name: "readers".into(),
                        user_pool_id: p.clone()
                    }
                )
                .await
            ),
            "ResourceNotFoundException"
        );
        assert_eq!(groups_of_user(&ctx, &p, "lee").await.unwrap().len(), 1);
        admin_delete_user(
            ctx.clone(),
            AdminDeleteUserRequest {
                user_pool_id: p.clone(),
                username: "lee".into(),
            },
        )
        .await
        .unwrap();
        assert!(groups_of_user(&ctx, &p, "lee").await.unwrap().is_empty());
    }
}
