//! Domain types kept by the store and used by handlers; never serialized to the wire directly.

pub mod user;
