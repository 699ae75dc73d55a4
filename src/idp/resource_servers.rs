//! Resource servers: CreateResourceServer, DescribeResourceServer, ListResourceServers,
//! UpdateResourceServer, DeleteResourceServer, and the lookups the OAuth endpoints and client
//! validation make for custom scopes (`<identifier>/<scope name>`).

use super::shapes::*;
use super::user_pools::load_pool;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind, page_token};
use std::collections::HashSet;

/// Cognito allows at most this many scopes per resource server.
const MAX_SCOPES: usize = 100;

fn not_found(pool_id: &str, identifier: &str) -> ApiError {
    ApiError::resource_not_found(format!(
        "Resource server {identifier} does not exist in user pool {pool_id}."
    ))
}

fn check_scopes(scopes: &[ResourceServerScopeType]) -> ApiResult<()> {
    if scopes.len() > MAX_SCOPES {
        return Err(ApiError::invalid_parameter(format!(
            "A resource server can have at most {MAX_SCOPES} scopes."
        )));
    }
    let mut seen = HashSet::new();
    for s in scopes {
        if !seen.insert(s.scope_name.as_str()) {
            return Err(ApiError::invalid_parameter(format!(
                "Duplicate scope name: {}",
                s.scope_name
            )));
        }
    }
    Ok(())
}

fn document(
    pool_id: &str,
    identifier: &str,
    name: &str,
    scopes: Option<Vec<ResourceServerScopeType>>,
) -> ResourceServerType {
    ResourceServerType {
        user_pool_id: Some(pool_id.into()),
        identifier: Some(identifier.into()),
        name: Some(name.into()),
        // Cognito always returns the list, empty when no scopes were given.
        scopes: Some(scopes.unwrap_or_default()),
        managed_by: None,
    }
}

pub async fn create_resource_server(
    ctx: Ctx,
    input: CreateResourceServerRequest,
) -> ApiResult<CreateResourceServerResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    check_scopes(input.scopes.as_deref().unwrap_or_default())?;
    let doc = document(
        &input.user_pool_id,
        &input.identifier,
        &input.name,
        input.scopes,
    );
    if !ctx
        .store
        .insert_resource_server(&input.user_pool_id, &input.identifier, &doc)
        .await?
    {
        return Err(ApiError::invalid_parameter(format!(
            "{} already exists in user pool {}.",
            input.identifier, input.user_pool_id
        )));
    }
    Ok(CreateResourceServerResponse {
        resource_server: doc,
    })
}

pub async fn describe_resource_server(
    ctx: Ctx,
    input: DescribeResourceServerRequest,
) -> ApiResult<DescribeResourceServerResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let doc = ctx
        .store
        .get_resource_server(&input.user_pool_id, &input.identifier)
        .await?
        .ok_or_else(|| not_found(&input.user_pool_id, &input.identifier))?;
    Ok(DescribeResourceServerResponse {
        resource_server: doc,
    })
}

pub async fn list_resource_servers(
    ctx: Ctx,
    input: ListResourceServersRequest,
) -> ApiResult<ListResourceServersResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let limit = input.max_results.unwrap_or(50).clamp(1, 50) as u32;
    let scope = format!("ListResourceServers\0{}", input.user_pool_id);
    let after = page_token::open_opt(&scope, input.next_token.as_deref())?;
    let mut servers: Vec<ResourceServerType> = ctx
        .store
        .list_resource_servers(&input.user_pool_id, after.as_deref(), limit + 1)
        .await?;
    let next_token = if servers.len() > limit as usize {
        servers.truncate(limit as usize);
        servers.last().and_then(|s| s.identifier.clone())
    } else {
        None
    };
    Ok(ListResourceServersResponse {
        resource_servers: servers,
        next_token: page_token::seal_next(&scope, next_token),
    })
}

pub async fn update_resource_server(
    ctx: Ctx,
    input: UpdateResourceServerRequest,
) -> ApiResult<UpdateResourceServerResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    check_scopes(input.scopes.as_deref().unwrap_or_default())?;
    // Like Cognito, an update replaces the name and the whole scope list.
    let doc = document(
        &input.user_pool_id,
        &input.identifier,
        &input.name,
        input.scopes,
    );
    if !ctx
        .store
        .update_resource_server(&input.user_pool_id, &input.identifier, &doc)
        .await?
    {
        return Err(not_found(&input.user_pool_id, &input.identifier));
    }
    Ok(UpdateResourceServerResponse {
        resource_server: doc,
    })
}

pub async fn delete_resource_server(
    ctx: Ctx,
    input: DeleteResourceServerRequest,
) -> ApiResult<serde_json::Value> {
    load_pool(&ctx, &input.user_pool_id).await?;
    if !ctx
        .store
        .delete_resource_server(&input.user_pool_id, &input.identifier)
        .await?
    {
        return Err(not_found(&input.user_pool_id, &input.identifier));
    }
    Ok(serde_json::json!({}))
}

/// Whether `scope` (`<identifier>/<name>`) names a scope of one of the pool's resource servers.
/// Identifiers may themselves contain `/` (URLs), so every split point is tried.
pub async fn custom_scope_exists(ctx: &Ctx, pool_id: &str, scope: &str) -> ApiResult<bool> {
    for (i, _) in scope.match_indices('/') {
        let (identifier, name) = (&scope[..i], &scope[i + 1..]);
        if identifier.is_empty() || name.is_empty() {
            continue;
        }
        let server: Option<ResourceServerType> =
            ctx.store.get_resource_server(pool_id, identifier).await?;
        if let Some(server) = server
            && server.scopes.iter().flatten().any(|s| s.scope_name == name)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The check Cognito makes on a client's AllowedOAuthScopes: every custom scope must exist in
/// one of the pool's resource servers (ScopeDoesNotExistException otherwise).
pub async fn check_client_scopes(ctx: &Ctx, pool_id: &str, scopes: &[String]) -> ApiResult<()> {
    for scope in scopes.iter().filter(|s| s.contains('/')) {
        if !custom_scope_exists(ctx, pool_id, scope).await? {
            return Err(ApiError::new(
                ErrorKind::ScopeDoesNotExistException,
                format!("Invalid scope requested: {scope}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn ctx_with_pool() -> (Ctx, String) {
        let ctx = crate::testkit::ctx().await;
        let pool = crate::idp::user_pools::create_user_pool(
            ctx.clone(),
            CreateUserPoolRequest {
                pool_name: "rs".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let id = pool.user_pool.unwrap().id.unwrap();
        (ctx, id)
    }

    fn scope(name: &str) -> ResourceServerScopeType {
        ResourceServerScopeType {
            scope_name: name.into(),
            scope_description: format!("{name} access"),
        }
    }

    #[tokio::test]
    async fn crud_and_custom_scopes() {
        let (ctx, pool) = ctx_with_pool().await;
        let created = create_resource_server(
            ctx.clone(),
            CreateResourceServerRequest {
                user_pool_id: pool.clone(),
                identifier: "https://api.example.com".into(),
                name: "api".into(),
                scopes: Some(vec![scope("read"), scope("write")]),
            },
        )
        .await
        .unwrap();
        assert_eq!(created.resource_server.scopes.as_ref().unwrap().len(), 2);

        let dup = create_resource_server(
            ctx.clone(),
            CreateResourceServerRequest {
                user_pool_id: pool.clone(),
                identifier: "https://api.example.com".into(),
                name: "again".into(),
                scopes: None,
            },
        )
        .await
        .unwrap_err();
        assert_eq!(dup.kind, ErrorKind::InvalidParameterException);

        assert!(
            custom_scope_exists(&ctx, &pool, "https://api.example.com/read")
                .await
                .unwrap()
        );
        assert!(
            !custom_scope_exists(&ctx, &pool, "https://api.example.com/admin")
                .await
                .unwrap()
        );
        let err = check_client_scopes(&ctx, &pool, &["nope/read".into(), "openid".into()])
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::ScopeDoesNotExistException);

        // Update replaces the scopes.
        update_resource_server(
            ctx.clone(),
            UpdateResourceServerRequest {
                user_pool_id: pool.clone(),
                identifier: "https://api.example.com".into(),
                name: "api2".into(),
                scopes: Some(vec![scope("admin")]),
            },
        )
        .await
        .unwrap();
        let d = describe_resource_server(
            ctx.clone(),
            DescribeResourceServerRequest {
                user_pool_id: pool.clone(),
                identifier: "https://api.example.com".into(),
            },
        )
        .await
        .unwrap();
        assert_eq!(d.resource_server.name.as_deref(), Some("api2"));
        assert_eq!(d.resource_server.scopes, Some(vec![scope("admin")]));

        for i in 0..3 {
            create_resource_server(
                ctx.clone(),
                CreateResourceServerRequest {
                    user_pool_id: pool.clone(),
                    identifier: format!("rs{i}"),
                    name: format!("rs{i}"),
                    scopes: None,
                },
            )
            .await
            .unwrap();
        }
        let page = list_resource_servers(
            ctx.clone(),
            ListResourceServersRequest {
                user_pool_id: pool.clone(),
                max_results: Some(3),
                next_token: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(page.resource_servers.len(), 3);
        let rest = list_resource_servers(
            ctx.clone(),
            ListResourceServersRequest {
                user_pool_id: pool.clone(),
                max_results: Some(3),
                next_token: page.next_token.clone(),
            },
        )
        .await
        .unwrap();
        assert_eq!(rest.resource_servers.len(), 1);
        assert_eq!(rest.next_token, None);

        delete_resource_server(
            ctx.clone(),
            DeleteResourceServerRequest {
                user_pool_id: pool.clone(),
                identifier: "rs0".into(),
            },
        )
        .await
        .unwrap();
        let gone = describe_resource_server(
            ctx.clone(),
            DescribeResourceServerRequest {
                user_pool_id: pool.clone(),
                identifier: "rs0".into(),
            },
        )
        .await
        .unwrap_err();
        assert_eq!(gone.kind, ErrorKind::ResourceNotFoundException);
    }

    #[tokio::test]
    async fn domains_lifecycle() {
        use crate::idp::domains::*;
        let (ctx, pool) = ctx_with_pool().await;
        let out = create_user_pool_domain(
            ctx.clone(),
            CreateUserPoolDomainRequest {
                domain: "my-login".into(),
                user_pool_id: pool.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(out.managed_login_version, Some(1));
        assert_eq!(out.cloud_front_domain, None);

        let p = crate::idp::user_pools::load_pool(&ctx, &pool)
            .await
            .unwrap();
        assert_eq!(p.domain.as_deref(), Some("my-login"));

        let d = describe_user_pool_domain(
            ctx.clone(),
            DescribeUserPoolDomainRequest {
                domain: "my-login".into(),
            },
        )
        .await
        .unwrap()
        .domain_description
        .unwrap();
        assert_eq!(d.user_pool_id.as_deref(), Some(pool.as_str()));
        assert_eq!(d.status.as_deref(), Some("ACTIVE"));
        assert!(
            d.cloud_front_distribution
                .unwrap()
                .ends_with(".cloudfront.net")
        );
        assert_eq!(d.version.unwrap().len(), 14);

        // Unknown domains describe as an empty object.
        let none = describe_user_pool_domain(
            ctx.clone(),
            DescribeUserPoolDomainRequest {
                domain: "nobody".into(),
            },
        )
        .await
        .unwrap();
        assert_eq!(none.domain_description, Some(Default::default()));

        let again = create_user_pool_domain(
            ctx.clone(),
            CreateUserPoolDomainRequest {
                domain: "other".into(),
                user_pool_id: pool.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(again.kind, ErrorKind::InvalidParameterException);
        let (_, pool2) = {
            let p2 = crate::idp::user_pools::create_user_pool(
                ctx.clone(),
                CreateUserPoolRequest {
                    pool_name: "two".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            (0, p2.user_pool.unwrap().id.unwrap())
        };
        let taken = create_user_pool_domain(
            ctx.clone(),
            CreateUserPoolDomainRequest {
                domain: "my-login".into(),
                user_pool_id: pool2.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(
            taken.message,
            "Domain already associated with another user pool."
        );

        assert_eq!(
            pool_of_host(&ctx, "my-login.auth.us-east-1.amazoncognito.com:9229")
                .await
                .unwrap(),
            Some(pool.clone())
        );
        assert_eq!(pool_of_host(&ctx, "localhost:9229").await.unwrap(), None);

        let upd = update_user_pool_domain(
            ctx.clone(),
            UpdateUserPoolDomainRequest {
                domain: "my-login".into(),
                user_pool_id: pool.clone(),
                managed_login_version: Some(2),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(upd.managed_login_version, Some(2));

        let wrong_pool = delete_user_pool_domain(
            ctx.clone(),
            DeleteUserPoolDomainRequest {
                domain: "my-login".into(),
                user_pool_id: pool2.clone(),
            },
        )
        .await
        .unwrap_err();
        assert_eq!(wrong_pool.message, "No such domain or user pool exists.");
        delete_user_pool_domain(
            ctx.clone(),
            DeleteUserPoolDomainRequest {
                domain: "my-login".into(),
                user_pool_id: pool.clone(),
            },
        )
        .await
        .unwrap();
        let p = crate::idp::user_pools::load_pool(&ctx, &pool)
            .await
            .unwrap();
        assert_eq!(p.domain, None);
    }
}
