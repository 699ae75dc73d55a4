//! The user-pool domain's HTTP endpoints (OpenID discovery, JWKS; OAuth 2.0 to come).

pub mod discovery;
