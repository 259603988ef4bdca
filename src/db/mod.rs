//! Storage: one Diesel connection type over SQLite and PostgreSQL, the pool
//! the web layer borrows from, the migrations, and one module of queries per
//! table family. Everything backend-specific stays inside this module.

pub mod addresses;
pub mod audit_events;
pub mod connection;
pub mod declarations;
pub mod dossiers;
pub mod employments;
pub mod housing_provisions;
pub mod inspections;
pub mod neighbourhoods;
pub mod occupancies;
pub mod organisations;
pub mod outbox;
pub mod people;
pub mod retention;
pub mod revoked_tokens;
pub mod schema;
pub mod signals;
pub mod snapshots;
pub mod stored;

pub use connection::{Backend, DbConnection, DbPool, connect, open_pool, run_migrations};

/// The current time as stored: UTC, truncated to microseconds so that both
/// backends give back exactly what was written.
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::microseconds(1)).unwrap_or(now)
}

/// Runs `work` in a transaction that holds the write lock from its start.
///
/// On SQLite a transaction that reads before it writes fails at once with
/// "database is locked" when another writer committed in between; taking
/// the write lock first (as `BEGIN IMMEDIATE` would) makes concurrent
/// writers queue on the busy timeout instead. PostgreSQL needs nothing.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::Connection as _;
    use diesel::connection::SimpleConnection as _;

    conn.transaction(|conn| {
        if conn.backend() == Backend::Sqlite {
            // A write that touches no row still takes the RESERVED lock.
            conn.batch_execute("UPDATE revoked_tokens SET jti = jti WHERE 0")?;
        }
        work(conn)
    })
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
