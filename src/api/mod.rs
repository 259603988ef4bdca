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
pub mod signals;

use rocket::http::ContentType;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder};
use rocket::{Response, Route};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{DbConnection, DbPool};
use crate::error::ApiError;

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
        signals::routes(),
        audit_events::routes(),
        inspection_lists::routes(),
        inspections::routes(),
    ]
    .concat()
}

/// A handle on the connection pool; work runs on a blocking thread.
pub struct Db(DbPool);

impl Db {
    /// Runs `work` with a pooled connection off the async runtime.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.0.clone();
        rocket::tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(ApiError::internal)?;
            work(&mut conn)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs `work` in one write transaction on a pooled connection.
    pub async fn transaction<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        self.run(move |conn| crate::db::write_transaction(conn, work))
            .await
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Db {
    type Error = ApiError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApiError> {
        match request.rocket().state::<DbPool>() {
            Some(pool) => Outcome::Success(Db(pool.clone())),
            None => Outcome::Error((
                rocket::http::Status::InternalServerError,
                ApiError::internal("no database pool is managed"),
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
