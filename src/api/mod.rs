//! The HTTP API under `/api/v1`: one module per resource, laid out like the
//! URLs. Handlers are thin: a guard says who may call, the body becomes
//! domain values once, one database call does the work, a view goes out.

pub mod addresses;
pub mod audit_events;
pub mod context;
pub mod declarations;
pub mod docs;
pub mod dossiers;
pub mod health;
pub mod inspection_lists;
pub mod inspections;
pub mod neighbourhoods;
pub mod organisations;
pub mod people;
pub mod request;
pub mod resident_extracts;
pub mod short_read;
pub mod signals;
pub mod writer;

pub use writer::Writer;

use rocket::http::ContentType;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder};
use rocket::{Response, Route};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{DbConnection, DbPool, TransactionError, is_transient_message};
use crate::error::ApiError;
use crate::registry::{Actor, DeferredAudit};

/// The full semantic version every response carries in `API-Version`.
pub const API_VERSION: &str = "1.0.0";
/// Where the API is mounted.
pub const BASE_PATH: &str = "/api/v1";

/// Every route of the API, to be mounted at [`BASE_PATH`].
pub fn routes() -> Vec<Route> {
    [
        health::routes(),
        addresses::routes(),
        dossiers::routes(),
        declarations::routes(),
        organisations::routes(),
        neighbourhoods::routes(),
        people::routes(),
        resident_extracts::routes(),
        signals::routes(),
        audit_events::routes(),
        inspection_lists::routes(),
        inspections::routes(),
    ]
    .concat()
}

/// A handle on the connection pool, for reads, and on the database's one
/// [`Writer`], for writes; database work runs on blocking threads.
pub struct Db {
    pool: DbPool,
    writer: Writer,
}

impl Db {
    /// Runs `work`, which only reads, with a pooled connection off the
    /// async runtime.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        rocket::tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(ApiError::internal)?;
            work(&mut conn)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// How many reads one request runs side by side: one per core, and
    /// never the whole pool, so that other requests still get a connection.
    pub fn side_by_side(&self) -> usize {
        crate::db::connection::spare_readers(&self.pool).max(1)
    }

    /// Runs `work`, a read of personal data that `actor` records in the
    /// audit trail, on a pooled connection beside the writer, in one read
    /// transaction; then writes its audit entries through the writer.
    /// Nothing read is returned before they are committed, so no read
    /// leaves without its trace.
    pub async fn audited_read<T, F>(&self, actor: Actor, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &Actor) -> Result<T, ApiError> + Send + 'static,
    {
        let (reader, deferred) = deferring(&actor);
        let value = self.run(read_transaction(work, reader)).await?;
        self.append_audit(actor, &deferred).await?;
        Ok(value)
    }

    /// Writes the audit entries `deferred` holds, as `actor`, through the
    /// writer; answers once they are committed.
    async fn append_audit(&self, actor: Actor, deferred: &DeferredAudit) -> Result<(), ApiError> {
        let entries = deferred.take();
        if entries.is_empty() {
            return Ok(());
        }
        self.writer
            .append_audit(move |conn| {
                for entry in &entries {
                    actor.record(conn, entry.action, entry.resource.clone(), &entry.purpose)?;
                }
                Ok(())
            })
            .await
    }

    /// Runs `work`, which begins and commits transactions of its own, on
    /// the writer's connection, after the writes that asked before it.
    pub async fn write<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        self.writer.alone(work).await
    }

    /// Runs `work` as one write transaction, in its turn among the
    /// writers, and answers once it is committed. It may share its commit
    /// with transactions that arrived at the same time, and runs again
    /// when it loses a race (a deadlock, a serialization failure, a busy
    /// SQLite file), so `work` must be repeatable.
    pub async fn transaction<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnMut(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        self.writer.transaction(work).await
    }
}

/// `actor` as a reader whose audit entries are kept aside, and where they
/// are kept, for [`Db::append_audit`] to write once the read is done.
fn deferring(actor: &Actor) -> (Actor, DeferredAudit) {
    let deferred = DeferredAudit::default();
    let reader = Actor {
        deferred: Some(deferred.clone()),
        ..actor.clone()
    };
    (reader, deferred)
}

/// `work` as one read transaction of `reader`.
fn read_transaction<T, F>(
    work: F,
    reader: Actor,
) -> impl FnOnce(&mut DbConnection) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection, &Actor) -> Result<T, ApiError>,
{
    move |conn| {
        use diesel::Connection as _;
        conn.transaction(|conn| work(conn, &reader))
    }
}

impl TransactionError for ApiError {
    fn is_transient(&self) -> bool {
        // A database fault keeps only its text in the error (see
        // `From<diesel::result::Error> for ApiError`).
        matches!(self, Self::Internal(cause) if is_transient_message(cause))
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Db {
    type Error = ApiError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApiError> {
        let rocket = request.rocket();
        match (rocket.state::<DbPool>(), rocket.state::<Writer>()) {
            (Some(pool), Some(writer)) => Outcome::Success(Db {
                pool: pool.clone(),
                writer: writer.clone(),
            }),
            _ => Outcome::Error((
                rocket::http::Status::InternalServerError,
                ApiError::internal("no database pool or writer is managed"),
            )),
        }
    }
}

/// One page of a list, as every list endpoint returns it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListBody<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// This page's number, from 1.
    pub page: i64,
    /// Items per page.
    pub page_size: i64,
    /// Items on all pages.
    pub total: i64,
}

impl<T> ListBody<T> {
    /// A page of `items` converted to their views.
    pub fn new<R: Into<T>>(rows: Vec<R>, page: crate::db::Page, total: i64) -> Self {
        Self {
            items: rows.into_iter().map(Into::into).collect(),
            page: page.number,
            page_size: page.size,
            total,
        }
    }
}

/// A `GeoJSON` document, sent as `application/geo+json`.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoJson<T>(pub T);

impl<'r, T: Serialize> Responder<'r, 'static> for GeoJson<T> {
    fn respond_to(self, _request: &'r Request<'_>) -> response::Result<'static> {
        let body = serde_json::to_string(&self.0)
            .map_err(|_| rocket::http::Status::InternalServerError)?;
        Response::build()
            .header(ContentType::new("application", "geo+json"))
            .sized_body(body.len(), std::io::Cursor::new(body))
            .ok()
    }
}

/// The `Location` of a resource under the API base path.
pub fn location(path: &str) -> String {
    format!("{BASE_PATH}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_fault_that_lost_a_race_is_transient_and_others_are_not() {
        let deadlock = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::Unknown,
            Box::new("deadlock detected".to_owned()),
        );
        assert!(ApiError::from(deadlock).is_transient());
        let busy = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::Unknown,
            Box::new("database is locked".to_owned()),
        );
        assert!(ApiError::from(busy).is_transient());
        assert!(!ApiError::from(diesel::result::Error::NotFound).is_transient());
        assert!(!ApiError::Conflict("database is locked".to_owned()).is_transient());
    }
}
