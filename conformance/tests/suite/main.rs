//! The conformance suite: one test binary (each binary costs link time), one module per area.
//! Each case starts with `Harness::both()` (holds on the emulator and real Cognito) or
//! `Harness::emulator_only(why)` (skipped with a note on AWS). See `conformance/src/lib.rs`.

// clippy.toml allows unwrap/expect in #[test] functions only; the cases' helpers are test code
// too, and an unexpected answer there must fail the case.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: an unexpected answer must fail the case"
)]

mod auth;
mod clients;
mod code_source;
mod devices;
mod identity;
mod oauth;
mod passkeys;
mod pool_surface;
mod protocol_errors;
mod providers;
mod regions;
mod triggers;
mod user_auth;
mod user_import;
mod user_pools;
mod users;
