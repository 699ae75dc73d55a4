//! How a browser or OAuth client reached us: the base URL and path prefix links must keep, and
//! the pool a domain names (Host `<prefix>.auth.<region>.amazoncognito.com`, a custom domain's
//! Host, or the path prefix `/_domain/<domain>`).

use crate::protocol::ctx::{Ctx, base_url};
use crate::state::AppState;
use axum::http::{HeaderMap, Uri, header};

/// The request's context for the OAuth endpoints and hosted pages.
#[derive(Clone)]
pub struct Site {
    pub ctx: Ctx,
    /// Path prefix every link and redirect keeps: "" or "/_domain/<domain>".
    pub base: String,
    /// The pool of the domain the request named, if it named one.
    pub domain_pool: Option<String>,
    /// The domain name the request used, when it named an unknown one.
    pub unknown_domain: Option<String>,
}

/// The path prefix under which a domain's endpoints are also served.
pub const DOMAIN_PREFIX: &str = "/_domain/";

impl Site {
    pub async fn of(app: AppState, headers: &HeaderMap, uri: &Uri) -> Site {
        let mut ctx = Ctx::internal(app);
        ctx.base_url = base_url(&ctx.app, headers);
        let mut site = Site {
            ctx,
            base: String::new(),
            domain_pool: None,
            unknown_domain: None,
        };
        let path = uri.path();
        let named = if let Some(rest) = path.strip_prefix(DOMAIN_PREFIX) {
            let domain = rest.split('/').next().unwrap_or_default().to_string();
            site.base = format!("{DOMAIN_PREFIX}{domain}");
            Some(domain)
        } else {
            headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(|h| h.split(':').next().unwrap_or(h).to_ascii_lowercase())
                .and_then(|host| match host.split_once(".auth.") {
                    Some((prefix, rest)) if rest.ends_with(".amazoncognito.com") => {
                        Some(prefix.to_string())
                    }
                    // Any other name that is a stored custom domain.
                    _ if host.contains('.') => Some(host),
                    _ => None,
                })
        };
        if let Some(domain) = named {
            match crate::idp::domains::pool_of_domain(&site.ctx, &domain).await {
                Ok(Some(pool)) => site.domain_pool = Some(pool),
                // A plain host name that is not a domain (e.g. 127.0.0.1) is just the root.
                Ok(None) if site.base.is_empty() && !domain.contains("amazoncognito") => {}
                Ok(None) => site.unknown_domain = Some(domain),
                Err(_) => {}
            }
        }
        site
    }

    /// An absolute path under the site: `/login` -> `/_domain/x/login` when prefixed.
    pub fn path(&self, p: &str) -> String {
        format!("{}{p}", self.base)
    }

    /// An absolute URL under the site.
    pub fn url(&self, p: &str) -> String {
        format!(
            "{}{}{p}",
            self.ctx.base_url.trim_end_matches('/'),
            self.base
        )
    }

    /// Whether `pool_id` may be served here: any pool at the root, only the domain's pool
    /// under a domain.
    pub fn serves(&self, pool_id: &str) -> bool {
        if self.unknown_domain.is_some() {
            return false;
        }
        match &self.domain_pool {
            Some(p) => p == pool_id,
            None => true,
        }
    }
}
