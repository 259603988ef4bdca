//! The one error type at the HTTP edge, rendered as RFC 9457 problem+json
//! with a stable `type` per kind. A 500 logs its cause and never shows it.

use rocket::http::{ContentType, Status};
use rocket::response::{self, Responder};
use rocket::{Request, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// One rejected input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InvalidParam {
    /// The field path, e.g. `address.postcode` or `page`.
    pub name: String,
    /// Why the value was rejected.
    pub reason: String,
}

impl InvalidParam {
    /// A rejected field with its reason.
    pub fn new(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            reason: reason.into(),
        }
    }
}

/// The problem+json body (RFC 9457).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// Stable URI naming the kind of problem.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// Every rejected input field, all at once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invalid_params: Vec<InvalidParam>,
}

/// Everything a request can fail with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// Bad input: every problem is listed.
    #[error("{detail}")]
    BadRequest {
        /// Summary.
        detail: String,
        /// The rejected fields.
        invalid_params: Vec<InvalidParam>,
    },
    /// No valid token.
    #[error("{0}")]
    Unauthorized(String),
    /// A valid token without the right role.
    #[error("{0}")]
    Forbidden(String),
    /// The resource does not exist (or is not the caller's to see).
    #[error("{0}")]
    NotFound(String),
    /// The change conflicts with what is stored.
    #[error("{0}")]
    Conflict(String),
    /// The body did not arrive within the configured time.
    #[error("{0}")]
    RequestTimeout(String),
    /// The body is larger than the configured limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The body is not sent as JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A fault of ours; the cause is logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// Bad input with the given rejected fields.
    pub fn invalid(invalid_params: Vec<InvalidParam>) -> Self {
        Self::BadRequest {
            detail: "The request has invalid parameters; see invalidParams.".to_owned(),
            invalid_params,
        }
    }

    /// Bad input in one field.
    pub fn invalid_field(name: &str, reason: &str) -> Self {
        Self::invalid(vec![InvalidParam::new(name, reason)])
    }

    /// There is no `kind` with this id (or none the caller may see):
    /// "There is no address 12."
    pub fn not_found(kind: &str, id: impl std::fmt::Display) -> Self {
        Self::NotFound(format!("There is no {kind} {id}."))
    }

    /// The change conflicts with what is stored; `detail` says how.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::Conflict(detail.into())
    }

    /// The caller's role may not do this; `detail` says why.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::Forbidden(detail.into())
    }

    /// Wraps an unexpected fault; its text goes to the log only.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> Status {
        match self {
            Self::BadRequest { .. } => Status::BadRequest,
            Self::Unauthorized(_) => Status::Unauthorized,
            Self::Forbidden(_) => Status::Forbidden,
            Self::NotFound(_) => Status::NotFound,
            Self::Conflict(_) => Status::Conflict,
            Self::RequestTimeout(_) => Status::RequestTimeout,
            Self::PayloadTooLarge(_) => Status::PayloadTooLarge,
            Self::UnsupportedMediaType(_) => Status::UnsupportedMediaType,
            Self::Internal(_) => Status::InternalServerError,
        }
    }

    /// The problem+json body of this error.
    pub fn to_problem(&self) -> Problem {
        let status = self.status();
        let (detail, invalid_params) = match self {
            Self::BadRequest {
                detail,
                invalid_params,
            } => (detail.clone(), invalid_params.clone()),
            Self::Internal(_) => (
                "Something went wrong on our side; it has been logged.".to_owned(),
                Vec::new(),
            ),
            Self::Unauthorized(detail)
            | Self::Forbidden(detail)
            | Self::NotFound(detail)
            | Self::Conflict(detail)
            | Self::RequestTimeout(detail)
            | Self::PayloadTooLarge(detail)
            | Self::UnsupportedMediaType(detail) => (detail.clone(), Vec::new()),
        };
        Problem::for_status(status, detail, invalid_params)
    }
}

impl Problem {
    /// A problem of the kind that belongs to an HTTP status.
    pub fn for_status(status: Status, detail: String, invalid_params: Vec<InvalidParam>) -> Self {
        let slug = match status.code {
            400 => "invalid-input",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not-found",
            405 => "method-not-allowed",
            408 => "request-timeout",
            409 => "conflict",
            413 => "payload-too-large",
            415 => "unsupported-media-type",
            500 => "internal-error",
            _ => "http-error",
        };
        Self {
            problem_type: format!("urn:woonregister:problem:{slug}"),
            title: status.reason_lossy().to_owned(),
            status: status.code,
            detail,
            invalid_params,
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        if crate::db::is_unique_violation(&error) {
            Self::conflict("This conflicts with a stored record.")
        } else {
            Self::internal(format!("database: {error}"))
        }
    }
}

impl<'r> Responder<'r, 'static> for Problem {
    fn respond_to(self, _request: &'r Request<'_>) -> response::Result<'static> {
        let status = Status::from_code(self.status).unwrap_or(Status::InternalServerError);
        let body = serde_json::to_string(&self).map_err(|_| Status::InternalServerError)?;
        let mut response = Response::build();
        response
            .status(status)
            .header(ContentType::new("application", "problem+json"))
            .sized_body(body.len(), std::io::Cursor::new(body));
        if leaves_body_unread(status) {
            // The rest of the body is still on the wire: the connection
            // cannot carry another request, and the client must know before
            // it sends one.
            response.raw_header("Connection", "close");
        }
        response.ok()
    }
}

/// Whether an answer with this status refuses a body without reading it
/// all: too large, too slow, or of a media type that is not read at all.
fn leaves_body_unread(status: Status) -> bool {
    matches!(status.code, 408 | 413 | 415)
}

impl<'r> Responder<'r, 'static> for ApiError {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        if let Self::Internal(cause) = &self {
            log::error!("{} {}: {cause}", request.method(), request.uri().path());
        }
        self.to_problem().respond_to(request)
    }
}

/// A guard's failure, kept on the request so the catcher can render it.
#[derive(Debug, Default)]
pub struct GuardFailure(pub Option<Problem>);

impl GuardFailure {
    /// Remembers `error` as the reason this request failed in a guard.
    pub fn remember(request: &Request<'_>, error: &ApiError) {
        let problem = error.to_problem();
        request.local_cache(|| GuardFailure(Some(problem)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_constructors_give_the_status_and_the_message() {
        let missing = ApiError::not_found("address", 12);
        assert_eq!(missing.status(), Status::NotFound);
        assert_eq!(missing.to_string(), "There is no address 12.");
        let taken = ApiError::conflict("Already registered.");
        assert_eq!(taken.status(), Status::Conflict);
        assert_eq!(taken.to_string(), "Already registered.");
        let refused = ApiError::forbidden("The role agency may not do this.");
        assert_eq!(refused.status(), Status::Forbidden);
        assert_eq!(refused.to_string(), "The role agency may not do this.");
    }
}
