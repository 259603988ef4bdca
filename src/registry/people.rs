//! Reading a person's record: every read is recorded with its purpose.

use crate::db::DbConnection;
use crate::db::people::{self, Person};
use crate::domain::AuditAction;
use crate::error::ApiError;
use crate::registry::Actor;

/// The person with this id, with the read (`action`, e.g. `person.read`)
/// recorded in the audit trail in the caller's transaction.
pub fn read_person(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    action: AuditAction,
    purpose: &str,
) -> Result<Person, ApiError> {
    let person = people::find(conn, id)?.ok_or_else(|| ApiError::not_found("person", id))?;
    actor.record(conn, action, format!("people/{id}"), purpose)?;
    Ok(person)
}
