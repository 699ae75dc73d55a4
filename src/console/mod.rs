//! The dev console at `/_dev/`: server-rendered pages over the emulator's own state, for a
//! developer testing against it in a browser.
//!
//! - `home`: the user pools, the emulated clock (and a form moving it), the newest mail, the
//!   other dev endpoints;
//! - `pools`: one pool's settings, app clients, domains, groups, JWKS/discovery links and a
//!   ready `aws cognito-idp` line;
//! - `users`: a pool's users (prefix search, pages) and one user (attributes, groups, devices,
//!   mail), with the actions a developer reaches for (`actions`);
//! - `token`: paste a JWT, see its header and claims and whether the emulator's keys verify it.
//!
//! Every page is written with maud, so stored values (attributes, names, messages) are
//! escaped. No page needs JavaScript: actions are plain form posts answered with a redirect
//! (or the page again with the AWS error). Reads and writes go through the same handlers as
//! the API ([`call`] runs the model validation the dispatcher runs first), so what the console
//! shows and stores is what the API would. The routes sit behind the dev routes'
//! protections (`exposure.rs`: Host allow-list, no CORS, cross-site requests refused) and
//! every page forbids framing, so another site can neither post nor click the forms.

mod actions;
mod home;
mod html;
mod pools;
mod routes;
mod token;
mod users;

#[cfg(test)]
mod tests;

pub use routes::router;

use crate::protocol::ctx::{Ctx, base_url};
use crate::protocol::model::IDP;
use crate::protocol::validate::{Invalid, validate_input};
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::state::AppState;
use axum::http::HeaderMap;
use serde::Serialize;
use std::future::Future;

/// The context a handler gets for a console request: an unsigned call (so every region's
/// pools are seen), whose issuer follows the address the browser used, as for API calls.
fn console_ctx(app: &AppState, headers: &HeaderMap) -> Ctx {
    Ctx {
        base_url: base_url(app, headers),
        ..Ctx::internal(app.clone())
    }
}

/// Runs an API action's handler as `POST /` would: the input is first checked against the
/// service model (lengths, patterns, required members), with the same error.
async fn call<I, O, F, Fut>(ctx: &Ctx, action: &str, input: I, handler: F) -> ApiResult<O>
where
    I: Serialize,
    F: FnOnce(Ctx, I) -> Fut,
    Fut: Future<Output = ApiResult<O>>,
{
    let op = IDP
        .operation(action)
        .ok_or_else(|| ApiError::internal(format!("the console calls unknown action {action}")))?;
    if let Some(shape) = op.input {
        let value = serde_json::to_value(&input).map_err(ApiError::internal)?;
        validate_input(&IDP, shape, &value).map_err(|e| match e {
            Invalid::Serialization(m) => ApiError::new(ErrorKind::SerializationException, m),
            Invalid::Constraints(m) => ApiError::invalid_parameter(m),
        })?;
    }
    handler(ctx.clone(), input).await
}
