//! Who calls the declaration endpoints, and the retry key they send.

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};

use crate::api::context::RequestContext;
use crate::auth::{Agency, AnyRole, Role};
use crate::domain::KvkNumber;
use crate::error::{ApiError, GuardFailure};
use crate::registry::Actor;
use crate::registry::filing::{Submission, Visibility};

/// Longest retry key.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;

/// Who may work with declarations: an agency (its own only) or staff and
/// admins (all of them, and filing on an agency's behalf).
#[derive(Debug, Clone)]
pub struct DeclarationCaller {
    /// The verified caller.
    pub caller: AnyRole,
    /// Whose declarations the caller works with.
    pub visibility: Visibility,
}

impl DeclarationCaller {
    /// Whether the caller is an agency, known by its token.
    pub fn is_agency(&self) -> bool {
        matches!(self.visibility, Visibility::OwnAgency(_))
    }

    /// The actor of the use cases, with the request's purpose and trace.
    pub fn actor(&self, context: &RequestContext) -> Actor {
        context.actor(&self.caller)
    }

    /// The filing of a parsed declaration: for the caller's own agency, or
    /// for the agency staff named in `agencyKvkNumber`.
    pub fn submission(
        &self,
        draft: crate::registry::filing::DeclarationDraft,
        on_behalf_of: Option<KvkNumber>,
    ) -> Result<Submission, ApiError> {
        let agency = match (&self.visibility, on_behalf_of) {
            (Visibility::OwnAgency(own), _) => own.clone(),
            (Visibility::Municipality, Some(agency)) => agency,
            (Visibility::Municipality, None) => {
                return Err(ApiError::invalid_field("agencyKvkNumber", "is required"));
            }
        };
        Ok(Submission { agency, draft })
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for DeclarationCaller {
    type Error = ApiError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApiError> {
        let caller = rocket::outcome::try_outcome!(AnyRole::from_request(request).await);
        match caller.role() {
            Role::Staff | Role::Admin => Outcome::Success(Self {
                caller,
                visibility: Visibility::Municipality,
            }),
            Role::Agency => {
                let agency = rocket::outcome::try_outcome!(Agency::from_request(request).await);
                Outcome::Success(Self {
                    caller,
                    visibility: Visibility::OwnAgency(agency.kvk_number),
                })
            }
            Role::Inspector => {
                let error = ApiError::forbidden(
                    "The role inspector may not do this; it is for agencies and staff.",
                );
                GuardFailure::remember(request, &error);
                Outcome::Error((Status::Forbidden, error))
            }
        }
    }
}

/// The optional `Idempotency-Key` request header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for IdempotencyKey {
    type Error = ApiError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApiError> {
        match request.headers().get_one("Idempotency-Key") {
            None => Outcome::Success(Self(None)),
            Some(key)
                if !key.is_empty()
                    && key.chars().count() <= MAX_IDEMPOTENCY_KEY_CHARS
                    && key.chars().all(|c| c.is_ascii_graphic()) =>
            {
                Outcome::Success(Self(Some(key.to_owned())))
            }
            Some(_) => {
                let error = ApiError::invalid_field(
                    "Idempotency-Key",
                    "must be 1 to 200 visible ASCII characters",
                );
                GuardFailure::remember(request, &error);
                Outcome::Error((error.status(), error))
            }
        }
    }
}
