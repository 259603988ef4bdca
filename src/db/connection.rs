//! Connecting: the backend is picked from the database URL, SQLite gets its
//! durability and concurrency settings on every new connection, and the
//! embedded migrations of that backend are applied.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// How long a SQLite writer waits for another writer before giving up.
pub(crate) const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;

pub use multi::{DbConnection, MultiBackend};

mod multi {
    #![expect(
        missing_docs,
        reason = "the items diesel's MultiConnection derive generates"
    )]

    use diesel::pg::PgConnection;
    use diesel::sqlite::SqliteConnection;

    /// One connection to either backend; queries written against it run on both.
    #[derive(diesel::MultiConnection)]
    pub enum DbConnection {
        /// The embedded default.
        Sqlite(SqliteConnection),
        /// Production and many concurrent users.
        Postgresql(PgConnection),
    }
}

/// The two supported database backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite through the bundled library.
    Sqlite,
    /// PostgreSQL through the bundled libpq.
    Postgresql,
}

impl Backend {
    /// The backend a database URL names: `postgres://` or `postgresql://` is
    /// PostgreSQL, anything else (a path, `sqlite://path`) is SQLite.
    pub fn of_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::Postgresql
        } else {
            Self::Sqlite
        }
    }

    /// The name the health endpoint reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgresql => "postgresql",
        }
    }
}

impl DbConnection {
    /// Which backend this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgresql(_) => Backend::Postgresql,
        }
    }
}

/// The SQLite file path a URL names (`sqlite://` prefix optional).
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").unwrap_or(url)
}

/// Opens one connection to the database the URL names, with the SQLite
/// settings applied.
pub fn connect(url: &str) -> ConnectionResult<DbConnection> {
    match Backend::of_url(url) {
        Backend::Postgresql => PgConnection::establish(url).map(DbConnection::Postgresql),
        Backend::Sqlite => {
            let mut conn = SqliteConnection::establish(sqlite_path(url))?;
            // The busy timeout comes first, so that switching to WAL waits for
            // a connection that holds the file (at start-up, the migrations)
            // instead of failing into the pool's retry, 0.4 s later. WAL lets
            // readers run beside the writer; synchronous=FULL makes an
            // acknowledged commit survive a crash or power loss. The
            // savepoint journals of grouped writes stay in memory (they are
            // not needed after a crash: the group's transaction is rolled
            // back as a whole).
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;"
            ))
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(DbConnection::Sqlite(conn))
        }
    }
}

/// Applies the pending embedded migrations of the connection's backend.
pub fn run_migrations(
    conn: &mut DbConnection,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(drop),
        DbConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(drop),
    }
}

/// Reverts every applied migration of the connection's backend, newest first.
pub fn revert_all_migrations(
    conn: &mut DbConnection,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    match conn {
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(drop),
        DbConnection::Postgresql(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS).map(drop),
    }
}

/// The r2d2 manager: opens connections with [`connect`] so that every pooled
/// SQLite connection has the same pragmas.
#[derive(Debug, Clone)]
pub struct DbManager {
    url: String,
}

impl ManageConnection for DbManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        connect(&self.url).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// A pool of connections to one database.
pub type DbPool = r2d2::Pool<DbManager>;

/// How many of the pool's connections may read side by side while one
/// more writes or serves other work: one per core, never the whole pool.
pub fn spare_readers(pool: &DbPool) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let spare = usize::try_from(pool.max_size())
        .unwrap_or(1)
        .saturating_sub(1);
    cores.min(spare)
}

/// Opens a pool of at most `size` connections.
pub fn open_pool(url: &str, size: u32) -> Result<DbPool, r2d2::PoolError> {
    // One connection up front (the migrations need it); the rest are opened
    // when asked for, so that start-up does not wait for all of them.
    // A SQLite file does not go away under an open connection, so checking
    // each connection out with a query only costs time; a PostgreSQL
    // server may have dropped one.
    r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .test_on_check_out(Backend::of_url(url) == Backend::Postgresql)
        .connection_timeout(Duration::from_secs(30))
        .build(DbManager {
            url: url.to_owned(),
        })
}
