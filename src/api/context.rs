//! What a request says about itself for the audit trail: the processing
//! purpose (`X-Purpose`) and the W3C trace id (`traceparent`).

use rocket::request::{FromRequest, Outcome, Request};

use crate::auth::AnyRole;
use crate::error::{ApiError, GuardFailure};
use crate::registry::Actor;

/// The longest purpose text accepted.
const MAX_PURPOSE_CHARS: usize = 200;

/// The purpose and trace id of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The caller's stated purpose, if any.
    pub purpose: Option<String>,
    /// The trace id from `traceparent`, or a new one.
    pub trace_id: String,
}

/// The trace id of a valid W3C `traceparent` header
/// (`00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`).
pub fn trace_id_of(traceparent: &str) -> Option<String> {
    let parts: Vec<&str> = traceparent.trim().split('-').collect();
    let is_hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    match parts.as_slice() {
        [version, trace, parent, flags]
            if is_hex(version, 2)
                && *version != "ff"
                && is_hex(trace, 32)
                && is_hex(parent, 16)
                && is_hex(flags, 2)
                && trace.bytes().any(|b| b != b'0')
                && parent.bytes().any(|b| b != b'0') =>
        {
            Some((*trace).to_owned())
        }
        _ => None,
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for RequestContext {
    type Error = ApiError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApiError> {
        let purpose = match request.headers().get_one("X-Purpose").map(str::trim) {
            None | Some("") => None,
            Some(text)
                if text.chars().count() <= MAX_PURPOSE_CHARS
                    && crate::domain::check_single_line(text).is_ok() =>
            {
                Some(text.to_owned())
            }
            Some(_) => {
                let error = ApiError::invalid_field(
                    "X-Purpose",
                    "must be at most 200 characters of plain text",
                );
                GuardFailure::remember(request, &error);
                return Outcome::Error((error.status(), error));
            }
        };
        // An invalid traceparent starts a new trace, as W3C Trace Context says.
        let trace_id = request
            .headers()
            .get_one("traceparent")
            .and_then(trace_id_of)
            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        Outcome::Success(Self { purpose, trace_id })
    }
}

impl RequestContext {
    /// The actor of a use case: `caller` with this request's purpose and trace.
    pub fn actor(&self, caller: &AnyRole) -> Actor {
        Actor {
            subject: caller.claims.sub.clone(),
            role: caller.role(),
            purpose: self.purpose.clone(),
            trace_id: self.trace_id.clone(),
            deferred: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_traceparent_gives_its_trace_id() {
        assert_eq!(
            trace_id_of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
    }

    #[test]
    fn an_invalid_traceparent_gives_none() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        ] {
            assert_eq!(trace_id_of(bad), None, "{bad}");
        }
    }
}
