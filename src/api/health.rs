//! `GET /health`: is the service up, and which database does it use.

use rocket::serde::json::Json;
use rocket::{Route, State, get, routes};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::Db;
use crate::db::Backend;
use crate::error::ApiError;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    routes![get_health]
}

/// The service's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers.
    pub status: String,
    /// `sqlite` or `postgresql`.
    pub database: String,
    /// The service version.
    pub version: String,
}

/// Reports whether the service and its database answer. Needs no token.
#[utoipa::path(
    get, path = "/health", tag = "health", operation_id = "getHealth",
    responses((status = 200, description = "The service is up", body = Health)),
    security(())
)]
#[get("/health")]
pub async fn get_health(db: Db, backend: &State<Backend>) -> Result<Json<Health>, ApiError> {
    db.run(|conn| {
        diesel::connection::SimpleConnection::batch_execute(conn, "SELECT 1")
            .map_err(ApiError::from)
    })
    .await?;
    Ok(Json(Health {
        status: "ok".to_owned(),
        database: backend.name().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    }))
}
