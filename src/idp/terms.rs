//! Terms documents linked to an app client: CreateTerms, DescribeTerms, DescribeTermsByClient,
//! ListTerms, UpdateTerms, DeleteTerms. A client has at most one `terms-of-use` and one
//! `privacy-policy` (TermsExistsException otherwise); the hosted sign-up page links them
//! (`oauth::html::Branding`).

use super::clients::load_pool_client;
use super::shapes::*;
use super::user_pools::load_pool;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind, page_token};
use crate::store::client_objects::ObjectKey;
use std::collections::BTreeMap;

pub const KIND: &str = "terms";

fn key<'a>(pool_id: &'a str, terms_id: &'a str) -> ObjectKey<'a> {
    ObjectKey {
        pool_id,
        kind: KIND,
        object_id: terms_id,
    }
}

fn not_found(terms_id: &str) -> ApiError {
    ApiError::resource_not_found(format!("Terms {terms_id} do not exist."))
}

fn exists(name: &str, client_id: &str) -> ApiError {
    ApiError::new(
        ErrorKind::TermsExistsException,
        format!("Terms {name} already exist for client {client_id}."),
    )
}

/// TermsSource LINK (the only source) needs links.
fn check_links(links: Option<&BTreeMap<String, String>>) -> ApiResult<()> {
    if links.is_none_or(|l| l.is_empty()) {
        return Err(ApiError::invalid_parameter(
            "Links are required when TermsSource is LINK.",
        ));
    }
    Ok(())
}

async fn load(ctx: &Ctx, pool_id: &str, terms_id: &str) -> ApiResult<TermsType> {
    ctx.store
        .get_client_object(key(pool_id, terms_id))
        .await?
        .ok_or_else(|| not_found(terms_id))
}

pub async fn create_terms(ctx: Ctx, input: CreateTermsRequest) -> ApiResult<CreateTermsResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    load_pool_client(&ctx, &input.user_pool_id, &input.client_id).await?;
    check_links(input.links.as_ref())?;
    let now = ctx.clock.now_epoch();
    let terms = TermsType {
        terms_id: crate::ids::uuid(),
        user_pool_id: input.user_pool_id.clone(),
        client_id: input.client_id.clone(),
        terms_name: input.terms_name,
        terms_source: input.terms_source,
        enforcement: input.enforcement,
        links: input.links.unwrap_or_default(),
        creation_date: now,
        last_modified_date: now,
    };
    if !ctx
        .store
        .insert_client_object(
            key(&input.user_pool_id, &terms.terms_id),
            &input.client_id,
            &terms.terms_name,
            now,
            &terms,
        )
        .await?
    {
        return Err(exists(&terms.terms_name, &input.client_id));
    }
    Ok(CreateTermsResponse { terms: Some(terms) })
}

pub async fn describe_terms(
    ctx: Ctx,
    input: DescribeTermsRequest,
) -> ApiResult<DescribeTermsResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let terms = load(&ctx, &input.user_pool_id, &input.terms_id).await?;
    Ok(DescribeTermsResponse { terms: Some(terms) })
}

pub async fn describe_terms_by_client(
    ctx: Ctx,
    input: DescribeTermsByClientRequest,
) -> ApiResult<DescribeTermsByClientResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    load_pool_client(&ctx, &input.user_pool_id, &input.client_id).await?;
    let terms: TermsType = ctx
        .store
        .find_client_object(
            &input.user_pool_id,
            KIND,
            &input.client_id,
            &input.terms_name,
        )
        .await?
        .ok_or_else(|| {
            ApiError::resource_not_found(format!(
                "Terms {} do not exist for client {}.",
                input.terms_name, input.client_id
            ))
        })?;
    Ok(DescribeTermsByClientResponse { terms: Some(terms) })
}

pub async fn list_terms(ctx: Ctx, input: ListTermsRequest) -> ApiResult<ListTermsResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let limit = input.max_results.unwrap_or(60).clamp(1, 60) as u32;
    let scope = format!("ListTerms\0{}", input.user_pool_id);
    let token = input.next_token.as_deref().filter(|t| !t.is_empty());
    let after = page_token::open_opt(&scope, token)?;
    let mut rows: Vec<(String, TermsType)> = ctx
        .store
        .list_client_objects(&input.user_pool_id, KIND, after.as_deref(), limit + 1)
        .await?;
    let next_token = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|(id, _)| id.clone())
    } else {
        None
    };
    Ok(ListTermsResponse {
        terms: rows
            .into_iter()
            .map(|(_, t)| TermsDescriptionType {
                terms_id: t.terms_id,
                terms_name: t.terms_name,
                enforcement: t.enforcement,
                creation_date: t.creation_date,
                last_modified_date: t.last_modified_date,
            })
            .collect(),
        next_token: page_token::seal_next(&scope, next_token),
    })
}

pub async fn update_terms(ctx: Ctx, input: UpdateTermsRequest) -> ApiResult<UpdateTermsResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let mut terms = load(&ctx, &input.user_pool_id, &input.terms_id).await?;
    if let Some(name) = input.terms_name {
        terms.terms_name = name;
    }
    if let Some(source) = input.terms_source {
        terms.terms_source = source;
    }
    if let Some(enforcement) = input.enforcement {
        terms.enforcement = enforcement;
    }
    if let Some(links) = input.links {
        check_links(Some(&links))?;
        terms.links = links;
    }
    terms.last_modified_date = ctx.clock.now_epoch();
    let updated = ctx
        .store
        .update_client_object(
            key(&input.user_pool_id, &input.terms_id),
            &terms.terms_name,
            &terms,
        )
        .await;
    match updated {
        Ok(true) => Ok(UpdateTermsResponse { terms: Some(terms) }),
        Ok(false) => Err(not_found(&input.terms_id)),
        // The unique (client, name) index: the client already has terms of that name.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(exists(&terms.terms_name, &terms.client_id))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_terms(ctx: Ctx, input: DeleteTermsRequest) -> ApiResult<serde_json::Value> {
    load_pool(&ctx, &input.user_pool_id).await?;
    if !ctx
        .store
        .delete_client_object(key(&input.user_pool_id, &input.terms_id))
        .await?
    {
        return Err(not_found(&input.terms_id));
    }
    Ok(serde_json::json!({}))
}

/// The links a client's hosted sign-up page shows: `(terms name, URL)`, the default language's
/// link (or English's, or the first).
pub async fn page_links(
    ctx: &Ctx,
    pool_id: &str,
    client_id: &str,
) -> ApiResult<Vec<(String, String)>> {
    let terms: Vec<TermsType> = ctx.store.client_objects(pool_id, KIND, client_id).await?;
    Ok(terms
        .into_iter()
        .filter_map(|t| {
            let url = ["cognito:default", "cognito:english"]
                .iter()
                .find_map(|lang| t.links.get(*lang))
                .or_else(|| t.links.values().next())?
                .clone();
            Some((t.terms_name, url))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{client, ctx, kind, pool};

    #[tokio::test]
    async fn one_of_each_name_per_client_listed_updated_and_deleted() {
        let ctx = ctx().await;
        let p = pool(&ctx, |_| {}).await;
        let pool_id = p.id.clone().unwrap();
        let client_id = client(&ctx, &p, false).await.client_id.unwrap();
        let create = |name: &str| CreateTermsRequest {
            user_pool_id: pool_id.clone(),
            client_id: client_id.clone(),
            terms_name: name.into(),
            terms_source: "LINK".into(),
            enforcement: "NONE".into(),
            links: Some(BTreeMap::from([(
                "cognito:default".to_string(),
                format!("https://example.com/{name}"),
            )])),
        };
        let tou = create_terms(ctx.clone(), create("terms-of-use"))
            .await
            .unwrap()
            .terms
            .unwrap();
        let r = create_terms(ctx.clone(), create("terms-of-use")).await;
        assert_eq!(kind(r), "TermsExistsException");
        let mut no_links = create("privacy-policy");
        no_links.links = None;
        assert_eq!(
            kind(create_terms(ctx.clone(), no_links).await),
            "InvalidParameterException"
        );
        let pp = create_terms(ctx.clone(), create("privacy-policy"))
            .await
            .unwrap()
            .terms
            .unwrap();
        let listed = list_terms(
            ctx.clone(),
            ListTermsRequest {
                user_pool_id: pool_id.clone(),
                max_results: Some(1),
                next_token: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(listed.terms.len(), 1);
        let rest = list_terms(
            ctx.clone(),
            ListTermsRequest {
                user_pool_id: pool_id.clone(),
                max_results: Some(1),
                next_token: listed.next_token,
            },
        )
        .await
        .unwrap();
        assert_eq!(rest.terms.len(), 1);
        assert_ne!(rest.terms[0].terms_id, listed.terms[0].terms_id);

        let by_client = describe_terms_by_client(
            ctx.clone(),
            DescribeTermsByClientRequest {
                user_pool_id: pool_id.clone(),
                client_id: client_id.clone(),
                terms_name: "privacy-policy".into(),
            },
        )
        .await
        .unwrap()
        .terms
        .unwrap();
        assert_eq!(by_client.terms_id, pp.terms_id);
        // Renaming onto the other document's name collides.
        let r = update_terms(
            ctx.clone(),
            UpdateTermsRequest {
                terms_id: pp.terms_id.clone(),
                user_pool_id: pool_id.clone(),
                terms_name: Some("terms-of-use".into()),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(kind(r), "TermsExistsException");
        let updated = update_terms(
            ctx.clone(),
            UpdateTermsRequest {
                terms_id: tou.terms_id.clone(),
                user_pool_id: pool_id.clone(),
                links: Some(BTreeMap::from([(
                    "cognito:english".to_string(),
                    "https://example.com/v2".to_string(),
                )])),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .terms
        .unwrap();
        assert_eq!(updated.terms_name, "terms-of-use");
        let links = page_links(&ctx, &pool_id, &client_id).await.unwrap();
        assert!(links.contains(&("terms-of-use".into(), "https://example.com/v2".into())));
        delete_terms(
            ctx.clone(),
            DeleteTermsRequest {
                terms_id: tou.terms_id.clone(),
                user_pool_id: pool_id.clone(),
            },
        )
        .await
        .unwrap();
        let r = describe_terms(
            ctx.clone(),
            DescribeTermsRequest {
                terms_id: tou.terms_id,
                user_pool_id: pool_id.clone(),
            },
        )
        .await;
        assert_eq!(kind(r), "ResourceNotFoundException");
        // Deleting the client deletes its terms.
        crate::idp::clients::delete_user_pool_client(
            ctx.clone(),
            DeleteUserPoolClientRequest {
                user_pool_id: pool_id.clone(),
                client_id: client_id.clone(),
            },
        )
        .await
        .unwrap();
        let left = list_terms(
            ctx.clone(),
            ListTermsRequest {
                user_pool_id: pool_id,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(left.terms.is_empty());
    }
}
