//! Queries on `audit_events`. Only inserts and reads: the table is
//! append-only, and the database refuses updates and deletes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::audit_events;
use crate::db::{DbConnection, Page};
use crate::domain::AuditAction;

/// A stored audit event.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    /// Row id, in order of recording.
    pub id: i64,
    /// When it happened (UTC).
    pub at: NaiveDateTime,
    /// The token's subject.
    pub actor: String,
    /// The role the actor acted in.
    pub role: String,
    /// What was done, e.g. `declaration.create`.
    pub action: AuditAction,
    /// What it was done to, e.g. `declarations/12` or `people/3`.
    pub resource: String,
    /// The processing purpose.
    pub purpose: String,
    /// The W3C trace id of the request.
    pub trace_id: String,
    /// `success`, or what went wrong.
    pub outcome: String,
    /// The hash of the event before this one.
    pub previous_hash: String,
    /// The hash of this event's fields and `previous_hash`.
    pub hash: String,
}

/// A new audit event, hash included.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
pub struct NewAuditEvent {
    /// When.
    pub at: NaiveDateTime,
    /// Who.
    pub actor: String,
    /// In which role.
    pub role: String,
    /// What.
    pub action: AuditAction,
    /// On what.
    pub resource: String,
    /// Why.
    pub purpose: String,
    /// Trace id.
    pub trace_id: String,
    /// Outcome.
    pub outcome: String,
    /// The previous event's hash.
    pub previous_hash: String,
    /// This event's hash.
    pub hash: String,
}

/// Filters of the audit-event list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this actor's.
    pub actor: Option<String>,
    /// Only at or after this moment.
    pub from: Option<NaiveDateTime>,
    /// Only before this moment.
    pub to: Option<NaiveDateTime>,
    /// Only about this resource.
    pub resource: Option<String>,
}

/// The hash of the newest event, if any. The newest is named by its id
/// (`MAX(id)`, from the index), so exactly one row is read; an ordered
/// query without a limit would send every hash of the trail.
pub fn last_hash(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    let all = diesel::alias!(audit_events as all_events);
    let newest_id = all.select(diesel::dsl::max(all.field(audit_events::id)));
    audit_events::table
        .filter(audit_events::id.nullable().eq_any(newest_id))
        .select(audit_events::hash)
        .get_result(conn)
        .optional()
}

/// Stores new events in multi-row statements, in the order given.
pub fn insert_many(conn: &mut DbConnection, events: &[NewAuditEvent]) -> QueryResult<usize> {
    Ok(insert_rows!(conn, audit_events::table, events, |event| {
        event
    }))
}

/// Up to `limit` events with an id above `after`, in order.
pub fn batch_after(
    conn: &mut DbConnection,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::id.gt(after))
        .order(audit_events::id)
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)
}

fn filtered(
    filter: &AuditFilter,
) -> audit_events::BoxedQuery<'static, crate::db::connection::MultiBackend> {
    let mut query = audit_events::table.into_boxed();
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_events::actor.eq(actor.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_events::at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_events::at.lt(to));
    }
    if let Some(resource) = &filter.resource {
        query = query.filter(audit_events::resource.eq(resource.clone()));
    }
    query
}

/// One page of events matching `filter`, newest first, and the total.
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    page: Page,
) -> QueryResult<(Vec<AuditEvent>, i64)> {
    let total = filtered(filter).count().get_result(conn)?;
    let items = filtered(filter)
        .order(audit_events::id.desc())
        .limit(page.size)
        .offset(page.offset())
        .select(AuditEvent::as_select())
        .load(conn)?;
    Ok((items, total))
}
