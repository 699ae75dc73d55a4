//! The user-pool domain's HTTP endpoints: OpenID discovery and JWKS, the OAuth 2.0 endpoints
//! (/oauth2/authorize, /oauth2/token, /oauth2/userInfo, /oauth2/revoke, /logout,
//! /oauth2/idpresponse, /saml2/idpresponse) and the
//! hosted pages (/login, /mfa, /signup, /confirm, /newPassword, /forgotPassword,
//! /confirmForgotPassword).
//!
//! They answer at the emulator's root (the pool is found from client_id), for Host
//! `<prefix>.auth.<region>.amazoncognito.com` (or a custom domain), and under the path prefix
//! `/_domain/<domain>/` — the last two only for the domain's own pool.

pub mod authorize;
pub mod discovery;
pub mod federation;
pub mod forgot;
pub mod hosted;
pub mod html;
pub mod logout;
pub mod mfa;
pub mod oidc;
pub mod pages;
pub mod params;
pub mod passkey;
pub mod revoke;
pub mod saml;
pub mod session;
pub mod site;
pub mod token;
pub mod userinfo;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};

fn endpoints() -> Router<AppState> {
    Router::new()
        .route("/oauth2/authorize", get(authorize::authorize))
        .route("/oauth2/token", post(token::token))
        .route(
            "/oauth2/userInfo",
            get(userinfo::user_info).post(userinfo::user_info),
        )
        .route("/oauth2/revoke", post(revoke::revoke))
        .route("/oauth2/idpresponse", get(oidc::idp_response))
        .route("/saml2/idpresponse", post(saml::idp_response))
        .route("/logout", get(logout::logout))
        .route("/login", get(hosted::login_get).post(hosted::login_post))
        .route(
            "/newPassword",
            get(hosted::new_password_get).post(hosted::new_password_post),
        )
        .route("/signup", get(hosted::signup_get).post(hosted::signup_post))
        .route(
            "/confirm",
            get(hosted::confirm_get).post(hosted::confirm_post),
        )
        .route("/mfa", post(mfa::mfa_post))
        .route("/passkey", post(passkey::passkey_post))
        .route(
            "/federation/stand-in",
            get(federation::stand_in_get).post(federation::stand_in_post),
        )
        .route(
            "/forgotPassword",
            get(forgot::forgot_get).post(forgot::forgot_post),
        )
        .route(
            "/confirmForgotPassword",
            get(forgot::reset_get).post(forgot::reset_post),
        )
}

/// Every OAuth endpoint and hosted page, at the root and under `/_domain/{domain}`.
pub fn router() -> Router<AppState> {
    endpoints().nest("/_domain/{domain}", endpoints())
}

#[cfg(test)]
mod tests;
