//! Storage: one Diesel connection type over SQLite and PostgreSQL, the pool
//! the web layer borrows from, the migrations, and one module of queries per
//! table family. Everything backend-specific stays inside this module.

pub mod addresses;
pub mod connection;
pub mod housing_provisions;
pub mod neighbourhoods;
pub mod organisations;
pub mod revoked_tokens;
pub mod schema;

pub use connection::{Backend, DbConnection, DbPool, connect, open_pool, run_migrations};

/// The current time as stored: UTC, truncated to microseconds so that both
/// backends give back exactly what was written.
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::microseconds(1)).unwrap_or(now)
}

/// Whether a Diesel error is a unique-constraint violation (a duplicate).
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Whether a Diesel error is a foreign-key violation (a missing referent).
pub fn is_foreign_key_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ForeignKeyViolation,
            _
        )
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
