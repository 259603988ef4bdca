//! Short reads on the request's own thread. A read of a few rows by key
//! takes tens of microseconds on SQLite; handing it to a blocking thread
//! and waiting for a pooled connection costs more than the read itself.
//! [`ShortRead`] runs such reads at once, on one of a few connections kept
//! for the async worker threads ([`ReadSlots`]), and falls back to the pool
//! on a blocking thread when every slot is busy or the database is
//! PostgreSQL (whose reads are network round trips and must not hold a
//! worker thread).
//!
//! Only reads bounded by a key belong here: a city-wide query would stall
//! every request on the worker thread it runs on.

use std::sync::{Mutex, TryLockError};

use rocket::request::{FromRequest, Outcome, Request};

use crate::api::Db;
use crate::db::{Backend, DbConnection};
use crate::error::ApiError;
use crate::registry::Actor;

/// SQLite connections for reads on the async worker threads, one per
/// worker, opened when first used.
pub struct ReadSlots {
    url: String,
    slots: Box<[Mutex<Option<DbConnection>>]>,
}

impl std::fmt::Debug for ReadSlots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadSlots")
            .field("slots", &self.slots.len())
            .finish_non_exhaustive()
    }
}

impl ReadSlots {
    /// Slots for the database at `url`: as many as the machine runs
    /// threads at once on SQLite, none on PostgreSQL.
    pub fn new(url: &str) -> Self {
        let count = match Backend::of_url(url) {
            Backend::Sqlite => std::thread::available_parallelism().map_or(2, usize::from),
            Backend::Postgresql => 0,
        };
        Self {
            url: url.to_owned(),
            slots: (0..count).map(|_| Mutex::new(None)).collect(),
        }
    }

    /// Runs `work` at once on an idle slot's connection; gives `work` back
    /// when every slot is busy (or there are none).
    fn try_run<T, F>(&self, work: F) -> Result<Result<T, ApiError>, F>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError>,
    {
        for slot in &self.slots {
            let mut guard = match slot.try_lock() {
                Ok(guard) => guard,
                // A read that panicked leaves a usable connection behind.
                Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => continue,
            };
            if guard.is_none() {
                match open_slot(&self.url) {
                    Ok(conn) => *guard = Some(conn),
                    Err(e) => return Ok(Err(e)),
                }
            }
            if let Some(conn) = guard.as_mut() {
                return Ok(work(conn));
            }
        }
        Err(work)
    }
}

/// Bytes of the database file a slot connection reads through memory
/// mapping instead of a system call per page.
const SLOT_MMAP_BYTES: u64 = 1 << 30;

/// A connection for a slot: SQLite with the service's settings, reading
/// the file through memory mapping.
fn open_slot(url: &str) -> Result<DbConnection, ApiError> {
    use diesel::connection::SimpleConnection as _;

    let mut conn = crate::db::connect(url).map_err(ApiError::internal)?;
    conn.batch_execute(&format!("PRAGMA mmap_size = {SLOT_MMAP_BYTES};"))?;
    Ok(conn)
}

/// A handle for short reads: on the request's thread when a slot is idle,
/// otherwise as [`Db::run`] does.
pub struct ShortRead<'r> {
    slots: &'r ReadSlots,
    db: Db,
}

impl ShortRead<'_> {
    /// Runs `work`, a read of a few rows by key.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        match self.slots.try_run(work) {
            Ok(done) => done,
            Err(work) => self.db.run(work).await,
        }
    }
}

impl ShortRead<'_> {
    /// Runs `work`, a read of a few rows by key of personal data that
    /// `actor` records in the audit trail, as [`Db::audited_read`] does: in
    /// one read transaction, its audit entries committed through the writer
    /// before anything read is returned.
    pub async fn audited_read<T, F>(&self, actor: Actor, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &Actor) -> Result<T, ApiError> + Send + 'static,
    {
        let (reader, deferred) = super::deferring(&actor);
        let value = self.run(super::read_transaction(work, reader)).await?;
        self.db.append_audit(actor, &deferred).await?;
        Ok(value)
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ShortRead<'r> {
    type Error = ApiError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApiError> {
        let Some(slots) = request.rocket().state::<ReadSlots>() else {
            return Outcome::Error((
                rocket::http::Status::InternalServerError,
                ApiError::internal("no read slots are managed"),
            ));
        };
        Db::from_request(request)
            .await
            .map(|db| ShortRead { slots, db })
    }
}
