//! What every user action shares, one module per concern: finding a user by the names
//! sign-in accepts ([`lookup`]), the client of a public call and its SECRET_HASH
//! ([`public_call`]), the password policy ([`password_policy`]), where codes go
//! ([`destinations`]) and the codes themselves ([`codes`]), attribute writes
//! ([`attribute_writes`]), and the user on the wire ([`wire`]).
//!
//! Callers import from the submodule that holds what they use (no re-exports here), so each
//! `use` line says which concern a caller depends on.

pub mod attribute_writes;
pub mod codes;
pub mod destinations;
pub mod lookup;
pub mod password_policy;
pub mod public_call;
pub mod wire;
