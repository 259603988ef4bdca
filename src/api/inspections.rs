//! `/inspections/{id}/outcome`: what an inspector found at a visit; the
//! address's bedrooms and signals follow.

use chrono::{DateTime, NaiveDateTime, Utc};
use rocket::serde::json::Json;
use rocket::{Route, State, post, routes};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::Db;
use crate::api::context::RequestContext;
use crate::api::request::{Fields, JsonObject, read_object, value};
use crate::auth::Inspector;
use crate::config::AppConfig;
use crate::db::inspections::Inspection;
use crate::domain::InspectionResult;
use crate::error::ApiError;
use crate::registry::addresses::bedrooms;
use crate::registry::inspections::{self as registry, Outcome};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    routes![record_inspection_outcome]
}

/// The most people an inspector can count at one address.
const MAX_PERSONS: i64 = 1_000;
/// Longest notes.
const MAX_NOTES_CHARS: usize = 2_000;

/// A visit's outcome as a client sends it.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct OutcomeInput {
    /// When the visit took place, RFC 3339, not in the future.
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T10:15:00Z")]
    pub visited_at: NaiveDateTime,
    /// What the visit found.
    #[schema(value_type = String, pattern = "^(no-violation|violation|no-access)$")]
    pub result: InspectionResult,
    /// People found living there.
    #[schema(example = 6, minimum = 0, maximum = 1000)]
    pub persons_found: Option<u32>,
    /// Bedrooms found.
    #[schema(example = 2, minimum = 0, maximum = 500)]
    pub bedrooms_found: Option<u32>,
    /// Notes: one line of plain text.
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

fn timestamp(v: &serde_json::Value) -> Result<NaiveDateTime, String> {
    const REASON: &str = "must be an RFC 3339 timestamp, e.g. 2026-12-01T10:15:00Z";
    let text = v.as_str().ok_or(REASON)?;
    let at = DateTime::parse_from_rfc3339(text).map_err(|_| REASON.to_owned())?;
    let at = at.with_timezone(&Utc);
    if at > Utc::now() + chrono::TimeDelta::minutes(5) {
        return Err("must not be in the future".to_owned());
    }
    Ok(at.naive_utc())
}

/// Reads an outcome, every problem at once.
pub fn read_outcome(f: &mut Fields<'_>) -> Option<OutcomeInput> {
    let visited_at = f.required("visitedAt", timestamp);
    let result = f.required("result", |v| {
        let text = v.as_str().ok_or("must be a string")?;
        InspectionResult::parse(text)
            .ok_or_else(|| "must be one of no-violation, violation, no-access".to_owned())
    });
    let persons_found = f.optional("personsFound", |v| {
        value::integer(v)
            .ok()
            .filter(|n| (0..=MAX_PERSONS).contains(n))
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| format!("must be a whole number from 0 to {MAX_PERSONS}"))
    });
    let bedrooms_found = f.optional("bedroomsFound", |v| bedrooms(value::integer(v)?));
    let notes = f.optional("notes", value::text(MAX_NOTES_CHARS));
    Some(OutcomeInput {
        visited_at: visited_at?,
        result: result?,
        persons_found,
        bedrooms_found,
        notes,
    })
}

/// A visit and what it found.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InspectionView {
    /// Id.
    pub id: i64,
    /// The list it is on.
    pub inspection_list_id: Option<i64>,
    /// The address.
    pub address_id: i64,
    /// Place in the route.
    pub order: i32,
    /// The risk score when planned.
    pub risk_score: i32,
    /// When the visit took place.
    pub visited_at: Option<DateTime<Utc>>,
    /// What it found.
    #[schema(pattern = "^(no-violation|violation|no-access)$")]
    pub result: Option<String>,
    /// People found.
    pub persons_found: Option<i32>,
    /// Bedrooms found.
    pub bedrooms_found: Option<i32>,
    /// Notes.
    pub notes: Option<String>,
    /// Who recorded it.
    pub recorded_by: Option<String>,
}

impl From<&Inspection> for InspectionView {
    fn from(i: &Inspection) -> Self {
        Self {
            id: i.id,
            inspection_list_id: i.inspection_list_id,
            address_id: i.address_id,
            order: i.route_order,
            risk_score: i.risk_score,
            visited_at: i.visited_at.map(|at| at.and_utc()),
            result: i.result.map(|r| r.to_string()),
            persons_found: i.persons_found,
            bedrooms_found: i.bedrooms_found,
            notes: i.notes.clone(),
            recorded_by: i.recorded_by.clone(),
        }
    }
}

/// Records what a visit found; the address's bedrooms (when counted) and
/// signals follow, and `undeclared-occupants` fires when more people were
/// found than the registry knows of.
#[utoipa::path(
    post, path = "/inspections/{id}/outcome", tag = "inspection planning", operation_id = "recordInspectionOutcome",
    params(("id" = i64, Path, description = "Inspection id")),
    request_body = OutcomeInput,
    responses((status = 200, description = "The recorded visit", body = InspectionView))
)]
#[post("/inspections/<id>/outcome", data = "<body>")]
pub async fn record_inspection_outcome(
    inspector: Inspector,
    context: RequestContext,
    config: &State<AppConfig>,
    db: Db,
    id: i64,
    body: JsonObject,
) -> Result<Json<InspectionView>, ApiError> {
    let input = read_object(&body.0, "", read_outcome).map_err(ApiError::invalid)?;
    let outcome = Outcome {
        visited_at: input.visited_at,
        result: input.result,
        persons_found: input.persons_found,
        bedrooms_found: input.bedrooms_found,
        notes: input.notes,
    };
    let (rules, actor) = (config.rules.clone(), context.actor(&inspector.0));
    let recorded = db
        .transaction(move |conn| {
            registry::record_outcome(conn, &rules, &actor, id, outcome.clone())
        })
        .await?;
    Ok(Json(InspectionView::from(&recorded)))
}
