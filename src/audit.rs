//! The audit trail of personal data: every read and write of it records an
//! event in the caller's transaction. Events form a hash chain, so a row
//! that is changed or removed afterwards breaks the chain at that point
//! and `verify` names it.

use chrono::NaiveDateTime;
use diesel::result::QueryResult;
use sha2::{Digest, Sha256};

use crate::db::audit_events::{self, AuditEvent, NewAuditEvent};
use crate::db::{DbConnection, now};
use crate::domain::AuditAction;

/// The `previous_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, by whom, to what and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry<'a> {
    /// The token's subject.
    pub actor: &'a str,
    /// The role acted in.
    pub role: &'a str,
    /// What was done, e.g. `declaration.read`.
    pub action: AuditAction,
    /// What it was done to, e.g. `declarations/12`; never a BSN.
    pub resource: String,
    /// The processing purpose.
    pub purpose: &'a str,
    /// The W3C trace id.
    pub trace_id: &'a str,
    /// `success`, or what went wrong.
    pub outcome: &'a str,
}

/// Appends events to the chain, in order, with one statement (one event
/// for a single read or write, many for a batch). Call it inside the
/// transaction of the reads or writes it records.
pub fn record(conn: &mut DbConnection, entries: &[AuditEntry<'_>]) -> QueryResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    // Two transactions must not both extend the same last event. Inside
    // `write_transaction` the lock is held already.
    if !crate::db::holds_write_lock() {
        crate::db::lock_for_writing(conn)?;
    }
    let mut previous_hash =
        audit_events::last_hash(conn)?.unwrap_or_else(|| GENESIS_HASH.to_owned());
    let at = now();
    let events: Vec<NewAuditEvent> = entries
        .iter()
        .map(|entry| {
            let mut event = NewAuditEvent {
                at,
                actor: entry.actor.to_owned(),
                role: entry.role.to_owned(),
                action: entry.action,
                resource: entry.resource.clone(),
                purpose: entry.purpose.to_owned(),
                trace_id: entry.trace_id.to_owned(),
                outcome: entry.outcome.to_owned(),
                previous_hash: std::mem::take(&mut previous_hash),
                hash: String::new(),
            };
            event.hash = hash_of(&event.previous_hash, event.at, &fields_of_new(&event));
            previous_hash.clone_from(&event.hash);
            event
        })
        .collect();
    audit_events::insert_many(conn, &events).map(drop)
}

fn fields_of_new(e: &NewAuditEvent) -> [&str; 7] {
    [
        &e.actor,
        &e.role,
        e.action.as_str(),
        &e.resource,
        &e.purpose,
        &e.trace_id,
        &e.outcome,
    ]
}

fn fields_of(e: &AuditEvent) -> [&str; 7] {
    [
        &e.actor,
        &e.role,
        e.action.as_str(),
        &e.resource,
        &e.purpose,
        &e.trace_id,
        &e.outcome,
    ]
}

/// SHA-256 over the previous hash, the time and the fields, separated by a
/// character that cannot occur in them unnoticed (lengths are included).
fn hash_of(previous_hash: &str, at: NaiveDateTime, fields: &[&str]) -> String {
    use std::fmt::Write as _;

    let mut hasher = Sha256::new();
    hasher.update(previous_hash.as_bytes());
    hasher.update(at.format("|%Y-%m-%dT%H:%M:%S%.6fZ").to_string().as_bytes());
    for field in fields {
        hasher.update(format!("|{}:", field.len()).as_bytes());
        hasher.update(field.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

/// The first place where the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The id of the first event that does not verify.
    pub id: i64,
    /// Why.
    pub reason: String,
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Events checked.
    pub events: u64,
    /// The first broken link, if any.
    pub first_broken: Option<BrokenLink>,
}

/// Checks every event in order: each must carry the previous event's hash
/// and a hash that matches its own fields.
pub fn verify(conn: &mut DbConnection) -> QueryResult<ChainReport> {
    const BATCH: i64 = 5_000;
    let mut previous_hash = GENESIS_HASH.to_owned();
    let mut after = 0;
    let mut events = 0;
    loop {
        let batch = audit_events::batch_after(conn, after, BATCH)?;
        let Some(last) = batch.last() else {
            return Ok(ChainReport {
                events,
                first_broken: None,
            });
        };
        after = last.id;
        for event in batch {
            events += 1;
            let reason = if event.previous_hash != previous_hash {
                Some("it does not follow the event before it: an event was removed or changed")
            } else if hash_of(&event.previous_hash, event.at, &fields_of(&event)) != event.hash {
                Some("its fields do not match its hash: the event was changed")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Ok(ChainReport {
                    events,
                    first_broken: Some(BrokenLink {
                        id: event.id,
                        reason: reason.to_owned(),
                    }),
                });
            }
            previous_hash = event.hash;
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn the_hash_depends_on_every_field_and_on_the_previous_hash() {
        let at = NaiveDate::from_ymd_opt(2026, 11, 26)
            .and_then(|d| d.and_hms_micro_opt(12, 0, 0, 5))
            .unwrap_or_default();
        let fields = ["a", "staff", "x.read", "people/1", "p", "t", "success"];
        let base = hash_of(GENESIS_HASH, at, &fields);
        assert_eq!(base.len(), 64);
        for i in 0..fields.len() {
            let mut changed = fields;
            changed[i] = "other";
            assert_ne!(hash_of(GENESIS_HASH, at, &changed), base, "field {i}");
        }
        assert_ne!(hash_of(&base, at, &fields), base);
        // Moving a character from one field to the next changes the hash too.
        let shifted = ["as", "taff", "x.read", "people/1", "p", "t", "success"];
        assert_ne!(hash_of(GENESIS_HASH, at, &shifted), base);
    }
}
