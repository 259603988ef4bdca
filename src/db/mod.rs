//! Storage: one Diesel connection type over SQLite and PostgreSQL, the pool
//! the web layer borrows from, the migrations, and one module of queries per
//! table family. Everything backend-specific stays inside this module.
//!
//! One row by key is read with `get_result`, never `first`: `first` binds
//! its `LIMIT 1` as a parameter, and the bundled SQLite then prepares the
//! statement anew on every run.

/// Rows per multi-row `INSERT`: far below either backend's limit on bound
/// parameters for the widest table written this way.
pub const ROWS_PER_INSERT: usize = 500;

/// Inserts the rows of a slice into a table in multi-row statements of at
/// most [`ROWS_PER_INSERT`] rows, each row made insertable by the closure;
/// evaluates to the number of rows inserted. Diesel's connection enum has
/// no multi-row insert of its own, so each backend is named here. A derived
/// insertable must say `treat_none_as_default_value = false`: without it
/// every field may stand for a column default, and on SQLite Diesel then
/// inserts the rows one by one in a savepoint of their own.
/// One row (a single filing's) goes in by a one-row statement: that has
/// one shape, which the connection keeps prepared, where a multi-row
/// statement is prepared (on PostgreSQL: parsed and planned) on every run.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr, $row:expr) => {{
        let mut inserted = 0_usize;
        for chunk in $rows.chunks($crate::db::ROWS_PER_INSERT) {
            let mut values: Vec<_> = chunk.iter().map($row).collect();
            inserted += match (&mut *$conn, values.len()) {
                ($crate::db::DbConnection::Sqlite(c), 1) => diesel::insert_into($table)
                    .values(values.swap_remove(0))
                    .execute(c)?,
                ($crate::db::DbConnection::Postgresql(c), 1) => diesel::insert_into($table)
                    .values(values.swap_remove(0))
                    .execute(c)?,
                ($crate::db::DbConnection::Sqlite(c), _) => {
                    diesel::insert_into($table).values(values).execute(c)?
                }
                ($crate::db::DbConnection::Postgresql(c), _) => {
                    diesel::insert_into($table).values(values).execute(c)?
                }
            };
        }
        inserted
    }};
}

/// Runs `$body` with `$c` bound to the connection of the backend behind
/// `$conn`. A large read decodes its rows there: through the connection
/// enum, each value of each row is wrapped and unwrapped once more.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Postgresql($c) => $body,
        }
    };
}

pub mod addresses;
pub mod audit_events;
pub mod connection;
pub mod declarations;
pub mod dossiers;
pub mod employments;
pub mod generation;
pub mod housing_provisions;
pub mod inspections;
pub mod neighbourhoods;
pub mod occupancies;
pub mod organisations;
pub mod outbox;
pub mod people;
pub mod registrations;
pub mod retention;
pub mod revoked_tokens;
pub mod schema;
pub mod signals;
pub mod snapshots;
pub mod stored;

use diesel::result::QueryResult;

pub use connection::{Backend, DbConnection, DbPool, connect, open_pool, run_migrations};

/// The current time as stored: UTC, truncated to microseconds so that both
/// backends give back exactly what was written.
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::microseconds(1)).unwrap_or(now)
}

/// The most ids bound in one `IN (...)` list. SQLite refuses a statement
/// with more than 32 766 parameters and PostgreSQL one with more than
/// 65 535; longer lists are sent in chunks of this size.
pub const MAX_IDS_PER_QUERY: usize = 10_000;

/// How often a write transaction that lost a race is run again before its
/// error is returned.
pub const WRITE_RETRIES: u32 = 5;

/// The PostgreSQL advisory lock every write transaction takes first. It
/// orders writers (no two can hold row locks the other waits for) and
/// guards the end of the audit chain.
const WRITERS_LOCK: &str = "SELECT pg_advisory_xact_lock(7411321)";

thread_local! {
    /// Whether the outermost write transaction on this thread's
    /// connection holds the write lock (see [`write_transaction`]).
    static HOLDS_WRITE_LOCK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the connection in use on this thread is inside a
/// [`write_transaction`] that holds the write lock already, so that taking
/// it again would only cost a round trip. A connection is used on one
/// thread for the whole of a transaction.
pub fn holds_write_lock() -> bool {
    HOLDS_WRITE_LOCK.get()
}

/// Marks this thread's outermost write transaction as holding the write
/// lock until it ends, however it ends.
struct WriteLockHeld;

impl WriteLockHeld {
    fn mark() -> Self {
        HOLDS_WRITE_LOCK.set(true);
        Self
    }
}

impl Drop for WriteLockHeld {
    fn drop(&mut self) {
        HOLDS_WRITE_LOCK.set(false);
    }
}

/// Takes the database's write lock in the current transaction: on
/// PostgreSQL the writers' advisory lock, on SQLite the RESERVED lock (a
/// write that touches no row takes it, as `BEGIN IMMEDIATE` would). Taking
/// it again in the same transaction is harmless.
pub fn lock_for_writing(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection as _;

    match conn.backend() {
        Backend::Sqlite => conn.batch_execute("UPDATE revoked_tokens SET jti = jti WHERE 0"),
        Backend::Postgresql => conn.batch_execute(WRITERS_LOCK),
    }
}

/// Refreshes the query planner's statistics of `tables` (all tables when
/// empty) after a bulk load. PostgreSQL plans prepared statements from
/// them, and a plan made from the statistics of a nearly empty table reads
/// a whole table where an index would find a few rows; its autovacuum
/// refreshes them only some time after the load. SQLite plans this schema
/// without statistics, so there it does nothing.
pub fn refresh_planner_statistics(conn: &mut DbConnection, tables: &[&str]) -> QueryResult<()> {
    use diesel::connection::SimpleConnection as _;

    match conn.backend() {
        Backend::Sqlite => Ok(()),
        Backend::Postgresql => conn.batch_execute(&format!("ANALYZE {}", tables.join(", "))),
    }
}

/// An error a write transaction can end with, which knows whether it only
/// lost a race with another transaction (so that running the same work
/// again may well succeed).
pub trait TransactionError: From<diesel::result::Error> {
    /// Whether the transaction failed on a deadlock, a serialization
    /// failure or a busy SQLite database, and not on its own work.
    fn is_transient(&self) -> bool;
}

impl TransactionError for diesel::result::Error {
    fn is_transient(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};

        match self {
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
            Error::DatabaseError(DatabaseErrorKind::Unknown, info) => {
                is_transient_message(info.message())
            }
            _ => false,
        }
    }
}

/// Whether a database error message says the statement lost a race:
/// PostgreSQL's deadlock (SQLSTATE 40P01, which Diesel does not map to a
/// kind of its own) or serialization failure (40001), or SQLite's busy or
/// locked database. PostgreSQL translates its messages when `lc_messages`
/// is not English; the serialization failure is still known by its kind.
pub fn is_transient_message(message: &str) -> bool {
    [
        "deadlock detected",
        "could not serialize access",
        "database is locked",
        "database table is locked",
    ]
    .iter()
    .any(|sign| message.contains(sign))
}

/// Runs `work` in a transaction that holds the write lock from its start,
/// and runs it again (at most [`WRITE_RETRIES`] times, after a short
/// random pause) when it fails only because it lost a race.
///
/// On SQLite a transaction that reads before it writes fails at once with
/// "database is locked" when another writer committed in between; taking
/// the write lock first makes concurrent writers queue instead. On
/// PostgreSQL taking the writers' advisory lock before any row lock means
/// two writers can never wait for each other's rows (no deadlock between
/// a batch and a single filing naming the same people).
///
/// A transaction nested in another one (a savepoint) is not retried, and
/// takes no lock: the outermost holds it, and only it can be run again.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, mut work: F) -> Result<T, E>
where
    F: FnMut(&mut DbConnection) -> Result<T, E>,
    E: TransactionError,
{
    use diesel::Connection as _;
    use diesel::connection::TransactionManager as _;

    type Manager = <DbConnection as diesel::Connection>::TransactionManager;
    let is_outermost = matches!(
        Manager::transaction_manager_status_mut(conn).transaction_depth(),
        Ok(None)
    );
    let mut retries = 0;
    loop {
        let result = conn.transaction(|conn| {
            let _held = if is_outermost {
                lock_for_writing(conn)?;
                Some(WriteLockHeld::mark())
            } else {
                None
            };
            work(conn)
        });
        match result {
            Err(error) if is_outermost && retries < WRITE_RETRIES && error.is_transient() => {
                retries += 1;
                log::warn!("a write transaction lost a race; running it again ({retries})");
                std::thread::sleep(retry_pause(retries));
            }
            other => return other,
        }
    }
}

/// The pause before retry `n` (from 1): 10 ms doubling per retry, plus up
/// to as much again at random so that the losers do not meet again.
fn retry_pause(n: u32) -> std::time::Duration {
    use std::hash::{BuildHasher as _, Hasher as _};

    let base = 10u64 << n.saturating_sub(1).min(6);
    // A fresh `RandomState` is randomly keyed: a cheap source of jitter.
    let jitter = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
        % base;
    std::time::Duration::from_millis(base + jitter)
}

/// Loads rows for a list of ids of any length, [`MAX_IDS_PER_QUERY`] at a
/// time, and returns all rows in the order of the chunks.
pub fn load_in_chunks<T>(
    ids: &[i64],
    mut load: impl FnMut(&[i64]) -> QueryResult<Vec<T>>,
) -> QueryResult<Vec<T>> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(MAX_IDS_PER_QUERY) {
        rows.extend(load(chunk)?);
    }
    Ok(rows)
}

/// Whether a Diesel error is a unique-constraint violation (a duplicate).
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// One page of a list: which rows to skip and how many to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// 1-based page number.
    pub number: i64,
    /// Rows per page.
    pub size: i64,
}

impl Page {
    /// Rows to skip before this page.
    pub fn offset(self) -> i64 {
        (self.number - 1).saturating_mul(self.size)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use super::*;

    /// A new SQLite database in `dir`, migrated.
    fn migrated_sqlite(dir: &tempfile::TempDir) -> DbConnection {
        let mut conn = connect(&dir.path().join("t.sqlite3").display().to_string()).unwrap();
        run_migrations(&mut conn).unwrap();
        conn
    }

    #[test]
    fn the_write_lock_is_known_held_only_inside_an_outermost_write_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = migrated_sqlite(&dir);
        assert!(!holds_write_lock());
        let inside: Result<(bool, bool), diesel::result::Error> =
            write_transaction(&mut conn, |conn| {
                let nested =
                    write_transaction(
                        conn,
                        |_| Ok::<_, diesel::result::Error>(holds_write_lock()),
                    )?;
                Ok((holds_write_lock(), nested))
            });
        assert_eq!(inside.unwrap(), (true, true));
        assert!(!holds_write_lock(), "not after it committed");
        let failed: Result<(), diesel::result::Error> = write_transaction(&mut conn, |_| {
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(failed.is_err());
        assert!(!holds_write_lock(), "not after it rolled back");
    }

    /// One address in an empty database.
    fn test_address(conn: &mut DbConnection) -> addresses::Address {
        addresses::insert(
            conn,
            &addresses::AddressFields {
                bag_id: None,
                postcode: "3131AA".to_owned(),
                house_number: 1,
                house_letter: String::new(),
                house_number_addition: String::new(),
                street: "Markt".to_owned(),
                city: "Vlaardingen".to_owned(),
                usage_purpose: crate::domain::UsagePurpose::Residential,
                floor_area_m2: None,
                bedrooms: None,
                latitude: 51.9,
                longitude: 4.34,
                rd_x: 80_000.0,
                rd_y: 435_000.0,
                neighbourhood_code: None,
            },
        )
        .unwrap()
    }

    /// A medium open signal of `rule` at the address, found at `at`.
    fn test_signal(
        address_id: i64,
        rule: crate::domain::rules::RuleId,
        at: chrono::NaiveDateTime,
    ) -> signals::NewSignal {
        signals::NewSignal {
            address_id,
            rule,
            severity: crate::domain::rules::Severity::Medium,
            score: 10,
            evidence: crate::domain::rules::Evidence {
                summary: "s".to_owned(),
                measured: serde_json::json!({}),
                threshold: serde_json::json!({}),
                norm: "n".to_owned(),
            },
            status: crate::domain::SignalStatus::Open,
            rule_set_version: "v".to_owned(),
            first_seen_at: at,
            last_seen_at: at,
        }
    }

    /// Statements of one kind a connection ran: how many it started, and
    /// how many it newly kept prepared.
    #[derive(Debug, Default)]
    struct Statements {
        started: std::sync::atomic::AtomicUsize,
        kept: std::sync::atomic::AtomicUsize,
    }

    /// Counts the statements whose SQL starts with `prefix` that `conn`
    /// runs from now on.
    fn count_statements(
        conn: &mut DbConnection,
        prefix: &'static str,
    ) -> std::sync::Arc<Statements> {
        use diesel::connection::{Connection as _, InstrumentationEvent};
        use std::sync::atomic::Ordering;

        let counted = std::sync::Arc::new(Statements::default());
        let seen = std::sync::Arc::clone(&counted);
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| match event {
            InstrumentationEvent::StartQuery { query, .. }
                if query.to_string().trim_start().starts_with(prefix) =>
            {
                seen.started.fetch_add(1, Ordering::Relaxed);
            }
            InstrumentationEvent::CacheQuery { sql, .. }
                if sql.trim_start().starts_with(prefix) =>
            {
                seen.kept.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        });
        counted
    }

    #[test]
    fn rows_stored_together_go_in_as_one_statement_on_sqlite() {
        use std::sync::atomic::Ordering;

        use crate::domain::rules::RuleId;
        use crate::domain::{AuditAction, OccupancySource};

        let dir = tempfile::tempdir().unwrap();
        let mut conn = migrated_sqlite(&dir);
        let address = test_address(&mut conn);
        let at = now();
        let signal = |rule| test_signal(address.id, rule, at);
        let event = |n: u8| audit_events::NewAuditEvent {
            at,
            actor: "a".to_owned(),
            role: "staff".to_owned(),
            action: AuditAction::DeclarationCreate,
            resource: format!("r{n}"),
            purpose: "p".to_owned(),
            trace_id: "t".to_owned(),
            outcome: "ok".to_owned(),
            previous_hash: String::new(),
            hash: format!("h{n}"),
        };
        let resident = |bsn: &str| registrations::NewResident {
            bsn: Some(crate::domain::Bsn::parse(bsn).unwrap()),
            family_name: "Jansen".to_owned(),
            given_names: "Piet".to_owned(),
            date_of_birth: chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(),
            created_at: at,
            updated_at: at,
        };
        let inserts = count_statements(&mut conn, "INSERT");
        signals::insert_many(
            &mut conn,
            &[
                signal(RuleId::OvercrowdingFloorArea),
                signal(RuleId::HighTurnover),
            ],
        )
        .unwrap();
        assert_eq!(inserts.started.swap(0, Ordering::Relaxed), 1, "signals");
        audit_events::insert_many(&mut conn, &[event(1), event(2)]).unwrap();
        assert_eq!(
            inserts.started.swap(0, Ordering::Relaxed),
            1,
            "audit events"
        );
        let people = registrations::insert_residents(
            &mut conn,
            &[resident("111222333"), resident("123456782")],
        )
        .unwrap();
        assert_eq!(inserts.started.swap(0, Ordering::Relaxed), 1, "residents");
        let registration = |person_id: i64| registrations::NewRegistration {
            person_id,
            address_id: address.id,
            start_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            household: None,
            source: OccupancySource::Registry,
            created_at: at,
        };
        let rows: Vec<_> = people.values().map(|id| registration(*id)).collect();
        assert_eq!(registrations::insert(&mut conn, &rows).unwrap(), 2);
        assert_eq!(
            inserts.started.swap(0, Ordering::Relaxed),
            1,
            "registrations"
        );
    }

    #[test]
    fn a_signal_refresh_on_sqlite_is_prepared_once() {
        use diesel::prelude::*;
        use std::sync::atomic::Ordering;

        use crate::domain::rules::{RuleId, Severity};

        let dir = tempfile::tempdir().unwrap();
        let mut conn = migrated_sqlite(&dir);
        let address = test_address(&mut conn);
        let found = now();
        let rules = [RuleId::OvercrowdingFloorArea, RuleId::HighTurnover];
        let new: Vec<_> = rules
            .iter()
            .map(|rule| test_signal(address.id, *rule, found))
            .collect();
        signals::insert_many(&mut conn, &new).unwrap();
        let ids: Vec<i64> = schema::signals::table
            .select(schema::signals::id)
            .order(schema::signals::id)
            .load(&mut conn)
            .unwrap();

        let updates = count_statements(&mut conn, "UPDATE signals");
        let changed = signals::NewSignal {
            severity: Severity::High,
            score: 30,
            rule_set_version: "w".to_owned(),
            ..new[0].clone()
        };
        let later = found + chrono::Duration::seconds(5);
        for at in [later, later + chrono::Duration::seconds(5)] {
            let rows: Vec<signals::Refresh<'_>> = ids
                .iter()
                .map(|id| (*id, &changed, "{\"summary\":\"t\"}"))
                .collect();
            signals::refresh_many(&mut conn, &rows, at).unwrap();
        }
        let counted = (
            updates.started.load(Ordering::Relaxed),
            updates.kept.load(Ordering::Relaxed),
        );
        assert_eq!(counted, (4, 1), "(started, kept prepared)");

        let stored: Vec<(Severity, i32, String, String, chrono::NaiveDateTime)> =
            schema::signals::table
                .select((
                    schema::signals::severity,
                    schema::signals::score,
                    schema::signals::evidence,
                    schema::signals::rule_set_version,
                    schema::signals::last_seen_at,
                ))
                .order(schema::signals::id)
                .load(&mut conn)
                .unwrap();
        let expected = (
            Severity::High,
            30,
            "{\"summary\":\"t\"}".to_owned(),
            "w".to_owned(),
            later + chrono::Duration::seconds(5),
        );
        assert_eq!(stored, vec![expected.clone(), expected]);
    }

    #[test]
    fn a_retry_pause_grows_with_each_retry_and_stays_short() {
        for n in 1..=WRITE_RETRIES {
            let pause = retry_pause(n).as_millis();
            let base = 10u128 << (n - 1);
            assert!((base..2 * base).contains(&pause), "retry {n}: {pause} ms");
        }
    }

    #[test]
    fn deadlocks_serialization_failures_and_busy_databases_are_transient() {
        for message in [
            "deadlock detected",
            "could not serialize access due to concurrent update",
            "database is locked",
        ] {
            assert!(is_transient_message(message), "{message}");
        }
        assert!(!is_transient_message(
            "UNIQUE constraint failed: people.bsn"
        ));
        let error = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::SerializationFailure,
            Box::new("in another language".to_owned()),
        );
        assert!(error.is_transient());
        assert!(!diesel::result::Error::NotFound.is_transient());
    }

    #[test]
    fn ids_are_loaded_in_chunks_below_the_parameter_limit() {
        let ids: Vec<i64> = (0..25_000).collect();
        let mut sizes = Vec::new();
        let rows = load_in_chunks(&ids, |chunk| {
            sizes.push(chunk.len());
            Ok(chunk.to_vec())
        })
        .unwrap();
        assert_eq!(sizes, [10_000, 10_000, 5_000]);
        assert_eq!(rows, ids);
    }
}
