//! Managed login branding styles: CreateManagedLoginBranding, DescribeManagedLoginBranding,
//! DescribeManagedLoginBrandingByClient, UpdateManagedLoginBranding,
//! DeleteManagedLoginBranding. One style per app client (ManagedLoginBrandingExistsException
//! otherwise). The Settings document is kept as given; of the assets, a form or page-header
//! logo is shown on the hosted pages (`oauth::html::Branding`).
//!
//! AWS (API reference, CreateManagedLoginBranding): with UseCognitoProvidedValues true the
//! request carries no Settings or Assets, and the style uses Cognito's defaults.

use super::clients::load_pool_client;
use super::shapes::*;
use super::user_pools::load_pool;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::store::client_objects::ObjectKey;
use serde::{Deserialize, Serialize};

pub const KIND: &str = "managed_login_branding";

/// The style and the client it belongs to (the wire type does not name the client).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    client_id: String,
    branding: ManagedLoginBrandingType,
}

fn key<'a>(pool_id: &'a str, id: &'a str) -> ObjectKey<'a> {
    ObjectKey {
        pool_id,
        kind: KIND,
        object_id: id,
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::resource_not_found(format!("Managed login branding {id} does not exist."))
}

fn check_values(
    use_cognito: Option<bool>,
    settings: Option<&serde_json::Value>,
    assets: Option<&Vec<AssetType>>,
) -> ApiResult<()> {
    if use_cognito == Some(true) && (settings.is_some() || assets.is_some_and(|a| !a.is_empty())) {
        return Err(ApiError::invalid_parameter(
            "Settings and Assets cannot be provided when UseCognitoProvidedValues is true.",
        ));
    }
    if settings.is_some_and(|s| !s.is_object()) {
        return Err(ApiError::invalid_parameter(
            "Settings must be a JSON object.",
        ));
    }
    for asset in assets.into_iter().flatten() {
        if asset.bytes.is_none() && asset.resource_id.is_none() {
            return Err(ApiError::invalid_parameter(format!(
                "Asset {} needs Bytes or a ResourceId.",
                asset.category
            )));
        }
    }
    Ok(())
}

pub async fn create_managed_login_branding(
    ctx: Ctx,
    input: CreateManagedLoginBrandingRequest,
) -> ApiResult<CreateManagedLoginBrandingResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    load_pool_client(&ctx, &input.user_pool_id, &input.client_id).await?;
    check_values(
        input.use_cognito_provided_values,
        input.settings.as_ref(),
        input.assets.as_ref(),
    )?;
    let now = ctx.clock.now_epoch();
    let branding = ManagedLoginBrandingType {
        managed_login_branding_id: Some(crate::ids::uuid()),
        user_pool_id: Some(input.user_pool_id.clone()),
        use_cognito_provided_values: Some(input.use_cognito_provided_values.unwrap_or(false)),
        settings: input.settings,
        assets: input.assets,
        creation_date: Some(now),
        last_modified_date: Some(now),
    };
    let id = branding
        .managed_login_branding_id
        .clone()
        .unwrap_or_default();
    let stored = Stored {
        client_id: input.client_id.clone(),
        branding,
    };
    if !ctx
        .store
        .insert_client_object(
            key(&input.user_pool_id, &id),
            &input.client_id,
            "",
            now,
            &stored,
        )
        .await?
    {
        return Err(ApiError::new(
            ErrorKind::ManagedLoginBrandingExistsException,
            format!(
                "Managed login branding already exists for client {}.",
                input.client_id
            ),
        ));
    }
    Ok(CreateManagedLoginBrandingResponse {
        managed_login_branding: Some(stored.branding),
    })
}

pub async fn describe_managed_login_branding(
    ctx: Ctx,
    input: DescribeManagedLoginBrandingRequest,
) -> ApiResult<DescribeManagedLoginBrandingResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let stored: Stored = ctx
        .store
        .get_client_object(key(&input.user_pool_id, &input.managed_login_branding_id))
        .await?
        .ok_or_else(|| not_found(&input.managed_login_branding_id))?;
    Ok(DescribeManagedLoginBrandingResponse {
        managed_login_branding: Some(stored.branding),
    })
}

pub async fn describe_managed_login_branding_by_client(
    ctx: Ctx,
    input: DescribeManagedLoginBrandingByClientRequest,
) -> ApiResult<DescribeManagedLoginBrandingByClientResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    load_pool_client(&ctx, &input.user_pool_id, &input.client_id).await?;
    let stored: Stored = ctx
        .store
        .find_client_object(&input.user_pool_id, KIND, &input.client_id, "")
        .await?
        .ok_or_else(|| {
            ApiError::resource_not_found(format!(
                "Managed login branding does not exist for client {}.",
                input.client_id
            ))
        })?;
    Ok(DescribeManagedLoginBrandingByClientResponse {
        managed_login_branding: Some(stored.branding),
    })
}

pub async fn update_managed_login_branding(
    ctx: Ctx,
    input: UpdateManagedLoginBrandingRequest,
) -> ApiResult<UpdateManagedLoginBrandingResponse> {
    // Both are optional in the model, but a style is found by the two together.
    let (Some(pool_id), Some(id)) = (
        input.user_pool_id.as_deref(),
        input.managed_login_branding_id.as_deref(),
    ) else {
        return Err(ApiError::invalid_parameter(
            "UserPoolId and ManagedLoginBrandingId are required.",
        ));
    };
    load_pool(&ctx, pool_id).await?;
    let mut stored: Stored = ctx
        .store
        .get_client_object(key(pool_id, id))
        .await?
        .ok_or_else(|| not_found(id))?;
    check_values(
        input.use_cognito_provided_values,
        input.settings.as_ref(),
        input.assets.as_ref(),
    )?;
    let b = &mut stored.branding;
    if input.use_cognito_provided_values == Some(true) {
        b.use_cognito_provided_values = Some(true);
        b.settings = None;
        b.assets = None;
    } else {
        if input.use_cognito_provided_values == Some(false) {
            b.use_cognito_provided_values = Some(false);
        }
        if let Some(settings) = input.settings {
            b.settings = Some(settings);
            b.use_cognito_provided_values = Some(false);
        }
        if let Some(assets) = input.assets {
            b.assets = Some(assets);
            b.use_cognito_provided_values = Some(false);
        }
    }
    b.last_modified_date = Some(ctx.clock.now_epoch());
    if !ctx
        .store
        .update_client_object(key(pool_id, id), "", &stored)
        .await?
    {
        return Err(not_found(id));
    }
    Ok(UpdateManagedLoginBrandingResponse {
        managed_login_branding: Some(stored.branding),
    })
}

pub async fn delete_managed_login_branding(
    ctx: Ctx,
    input: DeleteManagedLoginBrandingRequest,
) -> ApiResult<serde_json::Value> {
    load_pool(&ctx, &input.user_pool_id).await?;
    if !ctx
        .store
        .delete_client_object(key(&input.user_pool_id, &input.managed_login_branding_id))
        .await?
    {
        return Err(not_found(&input.managed_login_branding_id));
    }
    Ok(serde_json::json!({}))
}

/// The logo a client's branding style carries, as a `data:` URL: its form logo, else its
/// page-header logo (assets given by ResourceId only have no bytes to show).
pub async fn page_logo(ctx: &Ctx, pool_id: &str, client_id: &str) -> ApiResult<Option<String>> {
    let stored: Option<Stored> = ctx
        .store
        .find_client_object(pool_id, KIND, client_id, "")
        .await?;
    let assets = stored.and_then(|s| s.branding.assets).unwrap_or_default();
    let logo = ["FORM_LOGO", "PAGE_HEADER_LOGO"]
        .iter()
        .find_map(|category| {
            assets
                .iter()
                .find(|a| a.category == *category && a.color_mode != "DARK")
                .and_then(|a| {
                    let media = match a.extension.as_str() {
                        "PNG" => "image/png",
                        "JPEG" => "image/jpeg",
                        "SVG" => "image/svg+xml",
                        "WEBP" => "image/webp",
                        _ => "image/x-icon",
                    };
                    a.bytes.as_ref().map(|b| format!("data:{media};base64,{b}"))
                })
        });
    Ok(logo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{client, ctx, kind, pool};

    #[tokio::test]
    async fn one_style_per_client_updated_and_deleted() {
        let ctx = ctx().await;
        let p = pool(&ctx, |_| {}).await;
        let pool_id = p.id.clone().unwrap();
        let client_id = client(&ctx, &p, false).await.client_id.unwrap();
        let logo = AssetType {
            category: "FORM_LOGO".into(),
            color_mode: "LIGHT".into(),
            extension: "PNG".into(),
            bytes: Some("iVBORw0KGgo=".into()),
            resource_id: None,
        };
        let create = |use_cognito: Option<bool>, assets: Option<Vec<AssetType>>| {
            CreateManagedLoginBrandingRequest {
                user_pool_id: pool_id.clone(),
                client_id: client_id.clone(),
                use_cognito_provided_values: use_cognito,
                settings: Some(serde_json::json!({"categories": {}})),
                assets,
            }
        };
        let r = create_managed_login_branding(ctx.clone(), create(Some(true), None)).await;
        assert_eq!(kind(r), "InvalidParameterException");
        let made = create_managed_login_branding(ctx.clone(), create(None, Some(vec![logo])))
            .await
            .unwrap()
            .managed_login_branding
            .unwrap();
        let id = made.managed_login_branding_id.clone().unwrap();
        let r = create_managed_login_branding(ctx.clone(), create(None, None)).await;
        assert_eq!(kind(r), "ManagedLoginBrandingExistsException");
        assert_eq!(
            page_logo(&ctx, &pool_id, &client_id)
                .await
                .unwrap()
                .as_deref(),
            Some("data:image/png;base64,iVBORw0KGgo=")
        );
        let by_client = describe_managed_login_branding_by_client(
            ctx.clone(),
            DescribeManagedLoginBrandingByClientRequest {
                user_pool_id: pool_id.clone(),
                client_id: client_id.clone(),
                return_merged_resources: None,
            },
        )
        .await
        .unwrap()
        .managed_login_branding
        .unwrap();
        assert_eq!(
            by_client.managed_login_branding_id.as_deref(),
            Some(id.as_str())
        );
        let updated = update_managed_login_branding(
            ctx.clone(),
            UpdateManagedLoginBrandingRequest {
                user_pool_id: Some(pool_id.clone()),
                managed_login_branding_id: Some(id.clone()),
                use_cognito_provided_values: Some(true),
                settings: None,
                assets: None,
            },
        )
        .await
        .unwrap()
        .managed_login_branding
        .unwrap();
        assert_eq!(updated.use_cognito_provided_values, Some(true));
        assert!(updated.assets.is_none());
        let delete = || DeleteManagedLoginBrandingRequest {
            managed_login_branding_id: id.clone(),
            user_pool_id: pool_id.clone(),
        };
        delete_managed_login_branding(ctx.clone(), delete())
            .await
            .unwrap();
        let r = delete_managed_login_branding(ctx.clone(), delete()).await;
        assert_eq!(kind(r), "ResourceNotFoundException");
    }
}
