//! Classic hosted UI branding: GetUICustomization and SetUICustomization, a CSS sheet and a
//! logo per pool (`ClientId: "ALL"`) or per app client, applied to the hosted pages
//! (`oauth::html::Branding`).
//!
//! AWS (developer guide, "Customizing hosted UI (classic) branding"): a user pool domain must
//! exist; CSS and logo are set together; the CSS may only style the documented
//! `*-customizable` classes; client-level settings override the pool's for that client.
//! Offline there is no CDN: ImageUrl is a `data:` URL holding the logo itself.

use super::clients::load_pool_client;
use super::shapes::*;
use super::user_pools::load_pool;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};
use crate::store::pool_settings::POOL_WIDE;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

const KIND: &str = "ui_customization";
const ALL_CLIENTS: &str = "ALL";

/// The selectors the classic hosted UI lets a sheet style.
const CLASSES: &[&str] = &[
    "background-customizable",
    "banner-customizable",
    "errorMessage-customizable",
    "idpButton-customizable",
    "idpButton-customizable:hover",
    "inputField-customizable",
    "inputField-customizable:focus",
    "label-customizable",
    "legalText-customizable",
    "logo-customizable",
    "submitButton-customizable",
    "submitButton-customizable:hover",
    "textDescription-customizable",
];

/// What is stored per level.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredUi {
    pub css: Option<String>,
    /// `data:<type>;base64,<logo>`.
    pub image_url: Option<String>,
    pub created: f64,
    pub modified: f64,
}

fn invalid_css(detail: &str) -> ApiError {
    ApiError::invalid_parameter(format!("Invalid CSS: {detail}"))
}

/// Accepts rule sets whose selectors are all whitelisted classes; declarations are kept as
/// written. Nothing that could leave a `<style>` element (`<`) or pull in other sheets (`@`).
pub fn check_css(css: &str) -> ApiResult<()> {
    if css.contains('<') || css.contains('@') || css.contains('\\') {
        return Err(invalid_css("the characters <, @ and \\ are not allowed"));
    }
    let mut rest = css;
    while !rest.trim().is_empty() {
        let Some((selectors, after)) = rest.split_once('{') else {
            return Err(invalid_css("a rule set is not closed"));
        };
        let Some((declarations, after)) = after.split_once('}') else {
            return Err(invalid_css("a rule set is not closed"));
        };
        if declarations.contains('{') {
            return Err(invalid_css("nested rule sets are not allowed"));
        }
        for selector in selectors.split(',').map(str::trim) {
            let allowed = selector
                .strip_prefix('.')
                .is_some_and(|class| CLASSES.contains(&class));
            if !allowed {
                return Err(invalid_css(&format!(
                    "the selector {selector} is not allowed"
                )));
            }
        }
        rest = after;
    }
    Ok(())
}

/// The logo's media type from its first bytes; Cognito takes PNG and JPEG files.
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else {
        None
    }
}

fn describe(pool_id: &str, client: &str, ui: Option<StoredUi>) -> UICustomizationType {
    let mut out = UICustomizationType {
        user_pool_id: Some(pool_id.into()),
        client_id: Some(client.into()),
        ..Default::default()
    };
    if let Some(ui) = ui {
        out.css_version = ui
            .css
            .as_deref()
            .map(|css| crate::crypto::hex::sha256_hex(css)[..16].to_string());
        out.css = ui.css;
        out.image_url = ui.image_url;
        out.creation_date = Some(ui.created);
        out.last_modified_date = Some(ui.modified);
    }
    out
}

/// The branding a hosted page of `client_id` shows: the client's own, else the pool's.
pub async fn effective(ctx: &Ctx, pool_id: &str, client_id: &str) -> ApiResult<Option<StoredUi>> {
    if let Some(ui) = ctx.store.get_setting(pool_id, KIND, client_id).await? {
        return Ok(Some(ui));
    }
    Ok(ctx.store.get_setting(pool_id, KIND, POOL_WIDE).await?)
}

pub async fn set_ui_customization(
    ctx: Ctx,
    input: SetUICustomizationRequest,
) -> ApiResult<SetUICustomizationResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let scope = match input.client_id.as_deref().filter(|c| *c != ALL_CLIENTS) {
        Some(client_id) => {
            load_pool_client(&ctx, &input.user_pool_id, client_id).await?;
            client_id
        }
        None => POOL_WIDE,
    };
    if ctx
        .store
        .domain_of_pool::<serde_json::Value>(&input.user_pool_id)
        .await?
        .is_none()
    {
        return Err(ApiError::invalid_parameter(
            "There has to be an existing domain associated with this user pool",
        ));
    }
    if let Some(css) = &input.css {
        check_css(css)?;
    }
    let image_url = match input.image_file.as_deref().filter(|f| !f.is_empty()) {
        Some(file) => {
            let bytes = B64
                .decode(file)
                .map_err(|_| ApiError::invalid_parameter("ImageFile is not valid base64."))?;
            let kind = image_type(&bytes).ok_or_else(|| {
                ApiError::invalid_parameter("The logo must be a PNG or JPEG image.")
            })?;
            Some(format!("data:{kind};base64,{file}"))
        }
        None => None,
    };
    let now = ctx.clock.now_epoch();
    let created = ctx
        .store
        .get_setting::<StoredUi>(&input.user_pool_id, KIND, scope)
        .await?
        .map_or(now, |old| old.created);
    let ui = StoredUi {
        css: input.css.filter(|c| !c.is_empty()),
        image_url,
        created,
        modified: now,
    };
    ctx.store
        .put_setting(&input.user_pool_id, KIND, scope, now, &ui)
        .await?;
    let shown = if scope.is_empty() { ALL_CLIENTS } else { scope };
    Ok(SetUICustomizationResponse {
        ui_customization: describe(&input.user_pool_id, shown, Some(ui)),
    })
}

pub async fn get_ui_customization(
    ctx: Ctx,
    input: GetUICustomizationRequest,
) -> ApiResult<GetUICustomizationResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let client = input.client_id.as_deref().filter(|c| *c != ALL_CLIENTS);
    let ui = match client {
        Some(client_id) => {
            load_pool_client(&ctx, &input.user_pool_id, client_id).await?;
            match ctx
                .store
                .get_setting(&input.user_pool_id, KIND, client_id)
                .await?
            {
                Some(ui) => Some((client_id, ui)),
                None => ctx
                    .store
                    .get_setting(&input.user_pool_id, KIND, POOL_WIDE)
                    .await?
                    .map(|ui| (ALL_CLIENTS, ui)),
            }
        }
        None => ctx
            .store
            .get_setting(&input.user_pool_id, KIND, POOL_WIDE)
            .await?
            .map(|ui| (ALL_CLIENTS, ui)),
    };
    let ui_customization = match ui {
        Some((shown, ui)) => describe(&input.user_pool_id, shown, Some(ui)),
        None => describe(&input.user_pool_id, client.unwrap_or(ALL_CLIENTS), None),
    };
    Ok(GetUICustomizationResponse { ui_customization })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{client, ctx, kind, pool};

    /// The smallest PNG signature and header chunk: enough to be recognised as PNG.
    pub(crate) const PNG: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

    #[test]
    fn only_whitelisted_classes_pass() {
        check_css(".submitButton-customizable { background-color: #ff0000; }").unwrap();
        check_css(".label-customizable, .inputField-customizable:focus { color: red }").unwrap();
        check_css("").unwrap();
        assert!(check_css("body { color: red }").is_err());
        assert!(check_css(".banner-customizable { color: red }</style><script>").is_err());
        assert!(check_css("@import url(x.css);").is_err());
        assert!(check_css(".logo-customizable { color: red").is_err());
    }

    #[tokio::test]
    async fn pool_and_client_levels_need_a_domain_and_fall_back() {
        let ctx = ctx().await;
        let p = pool(&ctx, |_| {}).await;
        let pool_id = p.id.clone().unwrap();
        let c = client(&ctx, &p, false).await;
        let client_id = c.client_id.clone().unwrap();
        let set = |client: Option<String>, css: &str| SetUICustomizationRequest {
            user_pool_id: pool_id.clone(),
            client_id: client,
            css: Some(css.into()),
            image_file: Some(B64.encode(PNG)),
        };
        let css = ".submitButton-customizable { background-color: #ff0000; }";
        let r = set_ui_customization(ctx.clone(), set(None, css)).await;
        assert_eq!(kind(r), "InvalidParameterException");
        crate::idp::domains::create_user_pool_domain(
            ctx.clone(),
            CreateUserPoolDomainRequest {
                domain: format!("ui-{}", &client_id[..8]),
                user_pool_id: pool_id.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let r = set_ui_customization(ctx.clone(), set(None, "body { color: red }")).await;
        assert_eq!(kind(r), "InvalidParameterException");
        let out = set_ui_customization(ctx.clone(), set(None, css))
            .await
            .unwrap()
            .ui_customization;
        assert_eq!(out.client_id.as_deref(), Some("ALL"));
        assert!(out.image_url.unwrap().starts_with("data:image/png;base64,"));
        let get = |client: Option<String>| {
            get_ui_customization(
                ctx.clone(),
                GetUICustomizationRequest {
                    user_pool_id: pool_id.clone(),
                    client_id: client,
                },
            )
        };
        // The client falls back to the pool's settings until it has its own.
        let got = get(Some(client_id.clone())).await.unwrap().ui_customization;
        assert_eq!(got.client_id.as_deref(), Some("ALL"));
        assert_eq!(got.css.as_deref(), Some(css));
        let own = ".label-customizable { color: #333333; }";
        set_ui_customization(ctx.clone(), set(Some(client_id.clone()), own))
            .await
            .unwrap();
        let got = get(Some(client_id.clone())).await.unwrap().ui_customization;
        assert_eq!(got.client_id.as_deref(), Some(client_id.as_str()));
        assert_eq!(got.css.as_deref(), Some(own));
        let mut bad = set(None, css);
        bad.image_file = Some(B64.encode(b"GIF89a"));
        assert_eq!(
            kind(set_ui_customization(ctx.clone(), bad).await),
            "InvalidParameterException"
        );
    }
}
