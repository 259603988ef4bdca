//! Request guards. `AnyRole` checks the bearer token (signature, claims,
//! revocation, all in memory); the role guards build on it. A missing or bad token is 401,
//! a good token without the right role is 403.

use rocket::request::{FromRequest, Outcome, Request};

use crate::auth::{Claims, KeySet, Revocations, Role, VerifiedTokens};
use crate::config::AppConfig;
use crate::domain::KvkNumber;
use crate::error::{ApiError, GuardFailure};

/// Any caller with a valid token.
#[derive(Debug, Clone)]
pub struct AnyRole {
    /// The verified claims.
    pub claims: Claims,
}

impl AnyRole {
    /// The caller's role.
    pub fn role(&self) -> Role {
        self.claims.role
    }
}

type Verified = Result<AnyRole, ApiError>;

fn authenticate(request: &Request<'_>) -> Verified {
    let header = request
        .headers()
        .get_one("Authorization")
        .ok_or_else(|| ApiError::Unauthorized("A bearer token is required.".to_owned()))?;
    let raw = header
        .strip_prefix("Bearer ")
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            ApiError::Unauthorized("The Authorization header must be `Bearer <token>`.".to_owned())
        })?;
    let rocket = request.rocket();
    let (Some(keys), Some(config), Some(verified), Some(revocations)) = (
        rocket.state::<KeySet>(),
        rocket.state::<AppConfig>(),
        rocket.state::<VerifiedTokens>(),
        rocket.state::<Revocations>(),
    ) else {
        return Err(ApiError::internal("auth state is not managed"));
    };
    let claims = verified
        .verify(keys, &config.auth, raw.trim())
        .map_err(ApiError::Unauthorized)?;
    // In memory: no database round trip, no blocking thread.
    if revocations
        .is_revoked(&claims.jti)
        .map_err(ApiError::internal)?
    {
        return Err(ApiError::Unauthorized(
            "The token has been revoked.".to_owned(),
        ));
    }
    Ok(AnyRole { claims })
}

fn fail<T>(request: &Request<'_>, error: ApiError) -> Outcome<T, ApiError> {
    GuardFailure::remember(request, &error);
    Outcome::Error((error.status(), error))
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for AnyRole {
    type Error = ApiError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApiError> {
        // Several guards of one handler share one verification.
        let verified: &Verified = request.local_cache(|| authenticate(request));
        match verified {
            Ok(caller) => Outcome::Success(caller.clone()),
            Err(error) => fail(request, error.clone()),
        }
    }
}

async fn require(
    request: &Request<'_>,
    allowed: &[Role],
    what: &str,
) -> Outcome<AnyRole, ApiError> {
    match AnyRole::from_request(request).await {
        Outcome::Success(caller) if allowed.contains(&caller.role()) => Outcome::Success(caller),
        Outcome::Success(caller) => fail(
            request,
            ApiError::forbidden(format!(
                "The role {} may not {what}.",
                caller.role().as_str()
            )),
        ),
        Outcome::Error(e) => Outcome::Error(e),
        Outcome::Forward(s) => Outcome::Forward(s),
    }
}

macro_rules! role_guard {
    ($(#[$doc:meta])* $name:ident, [$($role:ident),+], $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub AnyRole);

        #[rocket::async_trait]
        impl<'r> FromRequest<'r> for $name {
            type Error = ApiError;

            async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApiError> {
                require(request, &[$(Role::$role),+], $what).await.map($name)
            }
        }
    };
}

role_guard!(
    /// An administrator.
    Admin, [Admin], "do this; it is for administrators"
);
role_guard!(
    /// Back-office staff (or an administrator).
    Staff, [Staff, Admin], "do this; it is for staff"
);
role_guard!(
    /// An inspector (or an administrator): records what visits found.
    Inspector, [Inspector, Admin], "do this; it is for inspectors"
);
role_guard!(
    /// A municipal official: inspector, staff or administrator.
    Official, [Inspector, Staff, Admin], "do this; it is for municipal officials"
);

/// A temp agency, known by its token's organisation, never by the body.
#[derive(Debug, Clone)]
pub struct Agency {
    /// The verified caller.
    pub caller: AnyRole,
    /// The agency's KvK number from the token.
    pub kvk_number: KvkNumber,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Agency {
    type Error = ApiError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApiError> {
        match require(request, &[Role::Agency], "do this; it is for agencies").await {
            Outcome::Success(caller) => {
                let org = caller.claims.org.as_deref().unwrap_or_default();
                match KvkNumber::parse(org) {
                    Ok(kvk_number) => Outcome::Success(Agency { caller, kvk_number }),
                    Err(_) => fail(
                        request,
                        ApiError::Unauthorized("The token names no organisation.".to_owned()),
                    ),
                }
            }
            Outcome::Error(e) => Outcome::Error(e),
            Outcome::Forward(s) => Outcome::Forward(s),
        }
    }
}
