//! Queries on `outbox`: e-mails written in the same transaction as the
//! change that causes them, sent later by the mail worker.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::outbox;
use crate::db::{DbConnection, now};

/// A stored e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = outbox)]
pub struct OutboxMessage {
    /// Row id.
    pub id: i64,
    /// The recipient's address.
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Attachment file name.
    pub attachment_name: Option<String>,
    /// Attachment media type.
    pub attachment_content_type: Option<String>,
    /// Attachment content (text).
    pub attachment: Option<String>,
    /// Failed delivery attempts so far.
    pub attempts: i32,
    /// Not to be tried before this moment.
    pub next_attempt_at: NaiveDateTime,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub sent_at: Option<NaiveDateTime>,
    /// When it was written.
    pub created_at: NaiveDateTime,
}

/// A new e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewOutboxMessage {
    /// The recipient's address.
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Attachment file name.
    pub attachment_name: Option<String>,
    /// Attachment media type.
    pub attachment_content_type: Option<String>,
    /// Attachment content.
    pub attachment: Option<String>,
}

/// Queues an e-mail for sending as soon as possible.
pub fn insert(conn: &mut DbConnection, message: &NewOutboxMessage) -> QueryResult<OutboxMessage> {
    let now = now();
    diesel::insert_into(outbox::table)
        .values((
            message,
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        ))
        .returning(outbox::all_columns)
        .get_result(conn)
}

/// Unsent e-mails due at `at` with fewer than `max_attempts` failures,
/// oldest first.
pub fn due(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    max_attempts: i32,
    limit: i64,
) -> QueryResult<Vec<OutboxMessage>> {
    outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::attempts.lt(max_attempts))
        .filter(outbox::next_attempt_at.le(at))
        .order(outbox::id)
        .limit(limit)
        .select(OutboxMessage::as_select())
        .load(conn)
}

/// Records a delivery.
pub fn mark_sent(conn: &mut DbConnection, id: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::sent_at.eq(at),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map(drop)
}

/// Records a failed attempt and when to try again.
pub fn mark_failed(
    conn: &mut DbConnection,
    id: i64,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    error: &str,
) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::attempts.eq(attempts),
            outbox::next_attempt_at.eq(next_attempt_at),
            outbox::last_error.eq(error),
        ))
        .execute(conn)
        .map(drop)
}

/// Every e-mail, oldest first (for tests and operators).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<OutboxMessage>> {
    outbox::table
        .order(outbox::id)
        .select(OutboxMessage::as_select())
        .load(conn)
}
