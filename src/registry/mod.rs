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

use std::sync::{Arc, Mutex};

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
    /// Where the entries of a read go when they are written after it (see
    /// [`DeferredAudit`]); `None` records them in the caller's transaction.
    pub deferred: Option<DeferredAudit>,
}

/// The audit entries of a read that runs beside the writer, on a
/// connection that cannot write: the caller writes them (with
/// [`Actor::record`]) once the read is done, and shows nothing of what was
/// read before they are committed.
#[derive(Debug, Clone, Default)]
pub struct DeferredAudit(Arc<Mutex<Vec<DeferredEntry>>>);

/// One audit entry kept for later, its purpose already chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeferredEntry {
    /// What was done.
    pub action: AuditAction,
    /// What it was done to.
    pub resource: String,
    /// The processing purpose.
    pub purpose: String,
}

impl DeferredAudit {
    /// The entries kept so far, taken out.
    pub fn take(&self) -> Vec<DeferredEntry> {
        self.0
            .lock()
            .map(|mut entries| std::mem::take(&mut *entries))
            .unwrap_or_default()
    }

    fn push(&self, entry: DeferredEntry) -> QueryResult<()> {
        let mut entries = self.0.lock().map_err(|_| {
            diesel::result::Error::QueryBuilderError("the deferred audit trail was poisoned".into())
        })?;
        entries.push(entry);
        Ok(())
    }
}

impl PartialEq for DeferredAudit {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for DeferredAudit {}

impl Actor {
    /// Records that this actor did `action` to `resource`, in the caller's
    /// transaction (or keeps it for later when the actor's entries are
    /// deferred); the purpose is the actor's or else `default_purpose`.
    pub fn record(
        &self,
        conn: &mut DbConnection,
        action: AuditAction,
        resource: String,
        default_purpose: &str,
    ) -> QueryResult<()> {
        self.record_many(conn, vec![(action, resource)], default_purpose)
    }

    /// Records that this actor did each `(action, resource)`, in order, in
    /// the caller's transaction (or keeps them for later when the actor's
    /// entries are deferred); the purpose is the actor's or else
    /// `default_purpose`.
    pub fn record_many(
        &self,
        conn: &mut DbConnection,
        done: Vec<(AuditAction, String)>,
        default_purpose: &str,
    ) -> QueryResult<()> {
        let purpose = self.purpose.as_deref().unwrap_or(default_purpose);
        if let Some(deferred) = &self.deferred {
            for (action, resource) in done {
                deferred.push(DeferredEntry {
                    action,
                    resource,
                    purpose: purpose.to_owned(),
                })?;
            }
            return Ok(());
        }
        let entries: Vec<AuditEntry<'_>> = done
            .into_iter()
            .map(|(action, resource)| AuditEntry {
                actor: &self.subject,
                role: self.role.as_str(),
                action,
                resource,
                purpose,
                trace_id: &self.trace_id,
                outcome: "success",
            })
            .collect();
        audit::record(conn, &entries)
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
