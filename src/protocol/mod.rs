//! The wire: AWS JSON 1.1 parsing, the action tables, validation and errors.

pub mod aws_json;
mod coverage;
pub mod ctx;
pub mod error;
#[cfg(test)]
mod fuzz_tests;
pub mod generated;
pub mod model;
pub mod page_token;
pub mod region_scope;
pub mod unsigned;
pub mod validate;

pub use error::{ApiError, ApiResult, ErrorKind};
