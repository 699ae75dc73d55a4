//! The error every handler returns, rendered as AWS JSON 1.1 errors.

pub use super::generated::errors::ErrorKind;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An error as the client sees it: the wire `__type`, its HTTP status and the message.
/// Internal causes are logged where they happen and never put into `message`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The longest message also sent as the `x-amzn-ErrorMessage` header.
const MAX_MESSAGE_HEADER: usize = 2048;

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidParameterException, message)
    }

    pub fn not_authorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotAuthorizedException, message)
    }

    pub fn resource_not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ResourceNotFoundException, message)
    }

    pub fn user_not_found() -> Self {
        Self::new(ErrorKind::UserNotFoundException, "User does not exist.")
    }

    /// An unexpected failure (storage, crypto). The cause is logged here; the client gets a
    /// generic message, as from Cognito.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(ErrorKind::InternalErrorException, "Internal server error.")
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.kind.status()).unwrap_or(StatusCode::BAD_REQUEST)
    }

    /// The JSON body: `{"__type": "...", "message": "..."}`.
    pub fn body(&self) -> String {
        serde_json::json!({"__type": self.kind.name(), "message": self.message}).to_string()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        // A row the write refers to (a pool, a user) was deleted by a concurrent request
        // after the handler found it. Writes that can meet this check for it themselves and
        // answer the precise not-found error; this is the last resort, so the client's timing
        // is never answered with an internal error.
        if let sqlx::Error::Database(d) = &e
            && d.is_foreign_key_violation()
        {
            tracing::warn!(cause = %e, "write raced a delete");
            return ApiError::resource_not_found("The resource was deleted while the request ran.");
        }
        ApiError::internal(format!("storage: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status(), self.body()).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(super::aws_json::CONTENT_TYPE),
        );
        h.insert(
            "x-amzn-ErrorType",
            HeaderValue::from_static(self.kind.name()),
        );
        // AWS repeats the message in a header (seen on Cognito's wrong-password answer,
        // localstack/localstack#3201). Only when it is a valid header value of sane length:
        // the body always has it.
        if self.message.len() <= MAX_MESSAGE_HEADER
            && let Ok(v) = HeaderValue::from_str(&self.message)
        {
            h.insert("x-amzn-ErrorMessage", v);
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_is_repeated_in_a_header_when_it_can_be() {
        let resp = ApiError::not_authorized("Incorrect username or password.").into_response();
        assert_eq!(
            resp.headers()["x-amzn-ErrorMessage"],
            "Incorrect username or password."
        );
        assert_eq!(resp.headers()["x-amzn-ErrorType"], "NotAuthorizedException");
        // Not a valid header value (a line break) or too long: the body alone carries it.
        for message in ["two\nlines".to_string(), "x".repeat(MAX_MESSAGE_HEADER + 1)] {
            let resp = ApiError::invalid_parameter(message).into_response();
            assert!(resp.headers().get("x-amzn-ErrorMessage").is_none());
        }
    }
}
