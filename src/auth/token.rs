//! Token claims, issuing and verification. Every claim is required; a token
//! is accepted only when signed with EdDSA by a known `kid`, for our issuer
//! and audience, inside its validity window.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Deserializer, Serialize};

use crate::auth::KeySet;
use crate::config::AuthConfig;
use crate::domain::KvkNumber;

/// Seconds of clock difference tolerated between issuer and verifier.
const CLOCK_LEEWAY_SECONDS: u64 = 30;

/// How many verified tokens [`VerifiedTokens`] remembers at most.
pub const MAX_VERIFIED_TOKENS: usize = 4096;

/// Who a token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Issues tokens, reads the audit log, may do everything.
    Admin,
    /// Back office: keeps the registry and plans inspections.
    Staff,
    /// Visits addresses and records what was found.
    Inspector,
    /// A temp agency filing housing declarations for its own workers.
    Agency,
}

impl Role {
    /// The wire name of the role.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Staff => "staff",
            Self::Inspector => "inspector",
            Self::Agency => "agency",
        }
    }
}

/// The claims of a woonregister token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The subject: a person's or a system's account name.
    pub sub: String,
    /// The role the subject acts in.
    pub role: Role,
    /// The organisation's KvK number for agencies; `null` for municipal roles.
    /// Present in every token, so it cannot be forgotten.
    #[serde(deserialize_with = "present_but_nullable")]
    pub org: Option<String>,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Not valid before (seconds since the epoch).
    pub nbf: i64,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Token id, for revocation.
    pub jti: String,
}

/// With `deserialize_with` and no `default`, serde reports a missing field
/// instead of silently taking `None`.
fn present_but_nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

/// A freshly issued token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The compact JWT.
    pub token: String,
    /// Its id.
    pub jti: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Why issuing failed.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// Agency tokens name their organisation; others must not.
    #[error("{0}")]
    Organisation(&'static str),
    /// The lifetime is not positive.
    #[error("the lifetime must be positive")]
    Lifetime,
    /// Signing failed.
    #[error("signing failed: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
}

/// Issues a token for `subject` in `role`, valid from now for `ttl`.
pub fn issue(
    keys: &KeySet,
    config: &AuthConfig,
    subject: &str,
    role: Role,
    org: Option<&KvkNumber>,
    ttl: TimeDelta,
) -> Result<IssuedToken, IssueError> {
    match (role, org) {
        (Role::Agency, None) => {
            return Err(IssueError::Organisation("an agency token needs --org"));
        }
        (Role::Admin | Role::Staff | Role::Inspector, Some(_)) => {
            return Err(IssueError::Organisation("only agency tokens carry --org"));
        }
        _ => {}
    }
    if ttl <= TimeDelta::zero() {
        return Err(IssueError::Lifetime);
    }
    let now = Utc::now();
    let expires_at = now + ttl;
    let claims = Claims {
        sub: subject.to_owned(),
        role,
        org: org.map(|kvk| kvk.as_str().to_owned()),
        exp: expires_at.timestamp(),
        nbf: now.timestamp(),
        iss: config.issuer.clone(),
        aud: config.audience.clone(),
        jti: uuid::Uuid::new_v4().to_string(),
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(keys.signing_kid().to_owned());
    let token = jsonwebtoken::encode(&header, &claims, keys.signing_key())?;
    Ok(IssuedToken {
        token,
        jti: claims.jti,
        expires_at,
    })
}

/// Checks a compact JWT and returns its claims, or why it was refused.
/// Revocation is checked by the caller, which has the database.
pub fn verify(keys: &KeySet, config: &AuthConfig, token: &str) -> Result<Claims, String> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| format!("malformed token: {e}"))?;
    if header.alg != Algorithm::EdDSA {
        return Err("tokens must be signed with EdDSA".to_owned());
    }
    let kid = header.kid.ok_or("the token header has no kid")?;
    let key = keys
        .verifying_key(&kid)
        .ok_or_else(|| "the token is signed with an unknown key".to_owned())?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    validation.set_issuer(&[&config.issuer]);
    validation.set_audience(&[&config.audience]);
    validation.validate_nbf = true;
    validation.leeway = CLOCK_LEEWAY_SECONDS;
    let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
        .map_err(|e| format!("the token is not valid: {e}"))?
        .claims;
    match (claims.role, &claims.org) {
        (Role::Agency, None) => Err("an agency token must name its organisation".to_owned()),
        (Role::Agency, Some(org)) if KvkNumber::parse(org).is_err() => {
            Err("the token's organisation is not a KvK number".to_owned())
        }
        _ => Ok(claims),
    }
}

/// Tokens whose signature and claims have been verified, by their exact
/// text, so that a client sending the same token again costs a lookup
/// instead of a signature check. A remembered token is still checked
/// against its validity window on every use. Holds at most
/// [`MAX_VERIFIED_TOKENS`]; when full it starts again empty.
#[derive(Debug)]
pub struct VerifiedTokens {
    claims: Mutex<HashMap<String, Claims>>,
    capacity: usize,
}

impl Default for VerifiedTokens {
    fn default() -> Self {
        Self::new()
    }
}

impl VerifiedTokens {
    /// An empty cache of [`MAX_VERIFIED_TOKENS`].
    pub fn new() -> Self {
        Self::with_capacity(MAX_VERIFIED_TOKENS)
    }

    fn with_capacity(capacity: usize) -> Self {
        Self {
            claims: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// [`verify`], answered from memory for a token verified before.
    pub fn verify(
        &self,
        keys: &KeySet,
        config: &AuthConfig,
        token: &str,
    ) -> Result<Claims, String> {
        let now = Utc::now().timestamp();
        if let Some(claims) = self.remembered(token)
            && is_in_window(&claims, now)
        {
            return Ok(claims);
        }
        let claims = verify(keys, config, token)?;
        if let Ok(mut remembered) = self.claims.lock() {
            if remembered.len() >= self.capacity {
                remembered.clear();
            }
            remembered.insert(token.to_owned(), claims.clone());
        }
        Ok(claims)
    }

    fn remembered(&self, token: &str) -> Option<Claims> {
        self.claims.lock().ok()?.get(token).cloned()
    }
}

/// Whether `claims` are inside their validity window at `now` (seconds
/// since the epoch), with the same leeway as [`verify`].
fn is_in_window(claims: &Claims, now: i64) -> bool {
    let leeway = i64::try_from(CLOCK_LEEWAY_SECONDS).unwrap_or(0);
    claims.exp >= now - leeway && claims.nbf <= now + leeway
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use super::*;

    fn keys() -> KeySet {
        KeySet::from_signing_key(&ed25519_dalek::SigningKey::from_bytes(&[7; 32])).unwrap()
    }

    #[test]
    fn a_remembered_token_is_refused_once_its_window_has_passed() {
        let (keys, config, cache) = (keys(), AuthConfig::default(), VerifiedTokens::new());
        let issued = issue(&keys, &config, "x", Role::Staff, None, TimeDelta::hours(1)).unwrap();
        let claims = cache.verify(&keys, &config, &issued.token).unwrap();
        assert_eq!(claims.jti, issued.jti);
        let expired = Claims {
            exp: Utc::now().timestamp() - 3600,
            ..claims
        };
        // As if the token had been remembered an hour ago and expired since:
        // the window is checked again, and the real token's claims win.
        cache
            .claims
            .lock()
            .unwrap()
            .insert(issued.token.clone(), expired.clone());
        assert!(!is_in_window(&expired, Utc::now().timestamp()));
        let again = cache.verify(&keys, &config, &issued.token).unwrap();
        assert_ne!(again.exp, expired.exp);
    }

    #[test]
    fn a_forged_token_is_refused_even_next_to_a_remembered_one() {
        let (keys, config, cache) = (keys(), AuthConfig::default(), VerifiedTokens::new());
        let issued = issue(&keys, &config, "x", Role::Staff, None, TimeDelta::hours(1)).unwrap();
        cache.verify(&keys, &config, &issued.token).unwrap();
        // The signature's first character changes its first byte.
        let dot = issued.token.rfind('.').unwrap();
        let first = &issued.token[dot + 1..dot + 2];
        let other = if first == "A" { "B" } else { "A" };
        let forged = format!(
            "{}{other}{}",
            &issued.token[..=dot],
            &issued.token[dot + 2..]
        );
        assert!(cache.verify(&keys, &config, &forged).is_err());
    }

    #[test]
    fn the_cache_never_holds_more_than_its_bound() {
        let (keys, config) = (keys(), AuthConfig::default());
        let cache = VerifiedTokens::with_capacity(3);
        for _ in 0..10 {
            let issued =
                issue(&keys, &config, "x", Role::Staff, None, TimeDelta::hours(1)).unwrap();
            cache.verify(&keys, &config, &issued.token).unwrap();
        }
        assert!(cache.claims.lock().unwrap().len() <= 3);
    }
}
