//! `/audit-events`: the audit trail, for administrators.

use chrono::{DateTime, NaiveDateTime, Utc};
use rocket::serde::json::Json;
use rocket::{FromForm, Route, get, routes};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::request::{self, OneValuePerKey, no_problems};
use crate::api::{Db, ListBody};
use crate::auth::Admin;
use crate::db::audit_events::{self, AuditEvent, AuditFilter};
use crate::domain;
use crate::error::ApiError;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    routes![list_audit_events]
}

/// One audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventView {
    /// Id, in order of recording.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (the token's subject).
    pub actor: String,
    /// In which role.
    pub role: String,
    /// What was done.
    pub action: String,
    /// To what.
    pub resource: String,
    /// Why.
    pub purpose: String,
    /// The W3C trace id.
    pub trace_id: String,
    /// How it ended.
    pub outcome: String,
    /// The previous event's hash.
    pub previous_hash: String,
    /// This event's hash.
    pub hash: String,
}

impl From<AuditEvent> for AuditEventView {
    fn from(e: AuditEvent) -> Self {
        Self {
            id: e.id,
            at: e.at.and_utc(),
            actor: e.actor,
            role: e.role,
            action: e.action.as_str().to_owned(),
            resource: e.resource,
            purpose: e.purpose,
            trace_id: e.trace_id,
            outcome: e.outcome,
            previous_hash: e.previous_hash,
            hash: e.hash,
        }
    }
}

/// Filters and paging of the audit log.
#[derive(Debug, Clone, Default, FromForm, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this actor's events.
    actor: Option<String>,
    /// From this moment on: an RFC 3339 timestamp or a date, `YYYY-MM-DD`
    /// (from its start, UTC).
    #[param(
        pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    from: Option<String>,
    /// Before this moment: an RFC 3339 timestamp or a date, `YYYY-MM-DD`
    /// (up to its start, UTC).
    #[param(
        pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    to: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    page: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[field(name = "pageSize")]
    #[param(rename = "pageSize", value_type = Option<u32>, minimum = 1, maximum = 500, default = 50)]
    page_size: Option<String>,
}

/// Reads a moment: an RFC 3339 timestamp, or a date meaning its midnight UTC.
fn moment(text: &str) -> Result<NaiveDateTime, &'static str> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc).naive_utc())
        .or_else(|_| domain::parse_date(text).map(|d| d.and_time(chrono::NaiveTime::MIN)))
        .map_err(|_| "must be an RFC 3339 timestamp or a date, YYYY-MM-DD")
}

/// Lists audit events, newest first.
#[utoipa::path(
    get, path = "/audit-events", tag = "audit", operation_id = "listAuditEvents",
    params(AuditQuery),
    responses((status = 200, description = "One page of audit events", body = ListBody<AuditEventView>))
)]
#[get("/audit-events?<query..>")]
pub async fn list_audit_events(
    _admin: Admin,
    _one_value_per_key: OneValuePerKey,
    db: Db,
    query: AuditQuery,
) -> Result<Json<ListBody<AuditEventView>>, ApiError> {
    let mut problems = Vec::new();
    let page = request::page(
        query.page.as_deref(),
        query.page_size.as_deref(),
        &mut problems,
    );
    let filter = AuditFilter {
        actor: request::query_text("actor", query.actor.as_deref(), &mut problems),
        from: request::query_value("from", query.from.as_deref(), moment, &mut problems),
        to: request::query_value("to", query.to.as_deref(), moment, &mut problems),
        resource: None,
    };
    no_problems(problems)?;
    let (rows, total) = db
        .run(move |conn| Ok(audit_events::list(conn, &filter, page)?))
        .await?;
    Ok(Json(ListBody::new(rows, page, total)))
}
