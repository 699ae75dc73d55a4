//! Generated from the official service models by tools/codegen.py; see tools/codegen.sh.

pub mod errors;
pub mod identity;
pub mod idp;
