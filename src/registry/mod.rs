//! The use cases: each change a user can make, end to end, in the caller's
//! transaction: the facts, the audit entry, the re-evaluation of the
//! addresses it touches and any e-mail. Handlers (`api`) and commands
//! (`cli`) call these and do nothing else of substance.

pub mod addresses;
pub mod csv;
pub mod demo;
pub mod dossier;
pub mod evaluation;
pub mod filing;
pub mod inspections;
pub mod list_exports;
pub mod maps;
pub mod organisations;
pub mod people;
pub mod residents;
pub mod retention;
pub mod synthetic;

use diesel::result::QueryResult;

use crate::audit::{self, AuditEntry};
use crate::auth::Role;
use crate::db::DbConnection;
use crate::domain::AuditAction;

/// Who acts, and why: what every audit entry of a use case names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The token's subject.
    pub subject: String,
    /// The role acted in.
    pub role: Role,
    /// The caller's stated processing purpose, if any.
    pub purpose: Option<String>,
    /// The W3C trace id of the request.
    pub trace_id: String,
}

impl Actor {
    /// Records that this actor did `action` to `resource`, in the caller's
    /// transaction; the purpose is the actor's or else `default_purpose`.
    pub fn record(
        &self,
        conn: &mut DbConnection,
        action: AuditAction,
        resource: String,
        default_purpose: &str,
    ) -> QueryResult<()> {
        let entry = AuditEntry {
            actor: &self.subject,
            role: self.role.as_str(),
            action,
            resource,
            purpose: self.purpose.as_deref().unwrap_or(default_purpose),
            trace_id: &self.trace_id,
            outcome: "success",
        };
        audit::record(conn, &entry).map(drop)
    }
}

/// A change to an optional value (a PATCH field): keep the stored value,
/// clear it, or set a new one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Change<T> {
    /// Not in the request.
    #[default]
    Keep,
    /// `null` in the request.
    Clear,
    /// A new value.
    Set(T),
}

impl<T> Change<T> {
    /// The value after the change.
    pub fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Self::Keep => current,
            Self::Clear => None,
            Self::Set(value) => Some(value),
        }
    }
}
