//! `/inspection-lists`: staff plan an inspector's walking list; officials
//! read it as JSON, CSV for Excel or `GeoJSON` for QGIS, and have it
//! e-mailed with the CSV attached.

use chrono::{DateTime, NaiveDate, Utc};
use rocket::http::{ContentType, Header};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::Responder;
use rocket::response::status::{Accepted, Created};
use rocket::serde::json::Json;
use rocket::{FromForm, Route, State, get, post, routes};
use serde::Serialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::api::context::RequestContext;
use crate::api::request::{
    self, Fields, JsonObject, OneValuePerKey, no_problems, read_object, value,
};
use crate::api::{Db, GeoJson, ListBody, location};
use crate::auth::{Official, Staff};
use crate::config::AppConfig;
use crate::db::Page;
use crate::db::inspections::{InspectionList, ListFilter};
use crate::error::ApiError;
use crate::geo::Wgs84Point;
use crate::registry::inspections::{
    self as registry, ListWithVisits, PlanRequest, SignalAtPlanning, Visit,
};
use crate::registry::list_exports;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    routes![
        create_inspection_list,
        list_inspection_lists,
        get_inspection_list,
        create_inspection_list_mailing
    ]
}

/// The longest inspector name (a token subject).
const MAX_INSPECTOR_CHARS: usize = 100;
/// The most neighbourhoods one request names.
const MAX_NEIGHBOURHOODS: usize = 200;
/// The highest minimum score that makes sense.
const MAX_MIN_SCORE: i64 = 1_000;

/// A start point.
#[derive(Debug, Clone, Copy, PartialEq, ToSchema)]
pub struct StartInput {
    /// WGS84 latitude; with the longitude, in the Netherlands.
    #[schema(example = 51.9073, minimum = 50, maximum = 54.5)]
    pub latitude: f64,
    /// WGS84 longitude.
    #[schema(example = 4.3417, minimum = 2, maximum = 8.5)]
    pub longitude: f64,
}

/// A planning request as a client sends it.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct InspectionListInput {
    /// The day of the walk.
    #[schema(value_type = String, format = Date, example = "2026-12-01")]
    pub date: NaiveDate,
    /// The inspector (their token's `sub`).
    #[schema(example = "insp-01", min_length = 1, max_length = 100)]
    pub inspector: String,
    /// CBS buurt codes; absent or empty plans in the whole municipality.
    #[schema(value_type = Option<Vec<String>>, max_items = 200)]
    pub neighbourhoods: Vec<String>,
    /// The most visits, 1 to the configured maximum (50 by default).
    #[schema(example = 8, minimum = 1, maximum = 50)]
    pub capacity: u32,
    /// Only addresses with at least this risk score.
    #[schema(example = 20, minimum = 0, maximum = 1000)]
    pub min_score: Option<u32>,
    /// Where the walk starts; default the town hall.
    pub start: Option<StartInput>,
}

fn read_start(f: &mut Fields<'_>) -> Option<StartInput> {
    let latitude = f.required("latitude", value::number);
    let longitude = f.required("longitude", value::number);
    if let (Some(lat), Some(lon)) = (latitude, longitude)
        && let Some(problem) = crate::registry::addresses::position_problem(lat, lon)
    {
        f.reject(&problem.name, problem.reason);
    }
    Some(StartInput {
        latitude: latitude?,
        longitude: longitude?,
    })
}

fn neighbourhood_codes(v: &Value) -> Result<Vec<String>, String> {
    const REASON: &str = "must be a list of CBS buurt codes such as BU06220101";
    let items = v.as_array().ok_or(REASON)?;
    if items.len() > MAX_NEIGHBOURHOODS {
        return Err(format!(
            "must name at most {MAX_NEIGHBOURHOODS} neighbourhoods"
        ));
    }
    items
        .iter()
        .map(|item| {
            item.as_str()
                .filter(|c| {
                    c.len() == 10
                        && c.starts_with("BU")
                        && c[2..].bytes().all(|b| b.is_ascii_digit())
                })
                .map(str::to_owned)
                .ok_or_else(|| REASON.to_owned())
        })
        .collect()
}

/// Reads a planning request, every problem at once; `max_capacity` is the
/// configured largest list.
pub fn read_inspection_list(f: &mut Fields<'_>, max_capacity: u32) -> Option<InspectionListInput> {
    let date = f.required("date", value::date);
    let inspector = f.required("inspector", value::text(MAX_INSPECTOR_CHARS));
    let neighbourhoods = f.optional("neighbourhoods", neighbourhood_codes);
    let capacity = f.required("capacity", |v| {
        value::integer(v)
            .ok()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| (1..=max_capacity).contains(n))
            .ok_or_else(|| format!("must be a whole number from 1 to {max_capacity}"))
    });
    let min_score = f.optional("minScore", |v| {
        value::integer(v)
            .ok()
            .filter(|n| (0..=MAX_MIN_SCORE).contains(n))
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| format!("must be a whole number from 0 to {MAX_MIN_SCORE}"))
    });
    let start = f.optional_nested("start", read_start);
    Some(InspectionListInput {
        date: date?,
        inspector: inspector?,
        neighbourhoods: neighbourhoods.unwrap_or_default(),
        capacity: capacity?,
        min_score,
        start,
    })
}

/// A signal as it stood when the visit was planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlannedSignalView {
    /// The signal's id.
    pub signal_id: i64,
    /// The rule.
    pub rule: String,
    /// `low`, `medium` or `high`.
    pub severity: String,
    /// Its weight in the risk score.
    pub score: i32,
    /// Why, in one sentence.
    pub summary: String,
}

impl From<&SignalAtPlanning> for PlannedSignalView {
    fn from(s: &SignalAtPlanning) -> Self {
        Self {
            signal_id: s.signal_id,
            rule: s.rule.to_string(),
            severity: s.severity.to_string(),
            score: s.score,
            summary: s.summary.clone(),
        }
    }
}

/// The address and findings of one visit, in route order.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InspectionListItem {
    /// Place in the route, from 1.
    pub order: i32,
    /// The planned inspection (record its outcome there).
    pub inspection_id: i64,
    /// The address.
    pub address_id: i64,
    /// Postcode.
    pub postcode: String,
    /// House number.
    pub house_number: i32,
    /// House letter.
    pub house_letter: Option<String>,
    /// House-number addition.
    pub house_number_addition: Option<String>,
    /// Street.
    pub street: String,
    /// Place.
    pub city: String,
    /// CBS buurt code.
    pub neighbourhood_code: Option<String>,
    /// WGS84 latitude.
    pub latitude: f64,
    /// WGS84 longitude.
    pub longitude: f64,
    /// The risk score when planned.
    pub risk_score: i32,
    /// The rules of the open signals when planned.
    pub rules: Vec<String>,
    /// The open signals when planned.
    pub signals: Vec<PlannedSignalView>,
    /// People living there now, each once.
    pub occupant_count: usize,
    /// The current landlords' names.
    pub landlord: Option<String>,
    /// The walk from the stop before, in metres.
    pub leg_distance_m: f64,
    /// When it was visited.
    pub visited_at: Option<DateTime<Utc>>,
    /// What the visit found.
    #[schema(pattern = "^(no-violation|violation|no-access)$")]
    pub result: Option<String>,
}

impl From<&Visit> for InspectionListItem {
    fn from(visit: &Visit) -> Self {
        let (i, a) = (&visit.inspection, &visit.address);
        Self {
            order: i.route_order,
            inspection_id: i.id,
            address_id: a.id,
            postcode: a.postcode.clone(),
            house_number: a.house_number,
            house_letter: a.letter(),
            house_number_addition: a.addition(),
            street: a.street.clone(),
            city: a.city.clone(),
            neighbourhood_code: a.neighbourhood_code.clone(),
            latitude: a.latitude,
            longitude: a.longitude,
            risk_score: i.risk_score,
            rules: visit.signals.iter().map(|s| s.rule.to_string()).collect(),
            signals: visit.signals.iter().map(PlannedSignalView::from).collect(),
            occupant_count: visit.occupant_count,
            landlord: visit.landlord.clone(),
            leg_distance_m: i.leg_distance_m,
            visited_at: i.visited_at.map(|at| at.and_utc()),
            result: i.result.map(|r| r.to_string()),
        }
    }
}

/// A start point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct StartView {
    /// WGS84 latitude.
    pub latitude: f64,
    /// WGS84 longitude.
    pub longitude: f64,
}

/// A planned list with its visits in route order.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InspectionListView {
    /// Id.
    pub id: i64,
    /// The day of the walk.
    pub date: NaiveDate,
    /// The inspector.
    pub inspector: String,
    /// The buurten planned in (empty: all).
    pub neighbourhoods: Vec<String>,
    /// The capacity asked for.
    pub capacity: u32,
    /// The minimum risk score asked for.
    pub min_score: Option<u32>,
    /// Where the walk starts.
    pub start: StartView,
    /// The whole walk, in metres.
    pub total_distance_m: f64,
    /// Who planned it.
    pub created_by: String,
    /// When it was planned.
    pub created_at: DateTime<Utc>,
    /// The visits in route order.
    pub items: Vec<InspectionListItem>,
}

impl From<&ListWithVisits> for InspectionListView {
    fn from(l: &ListWithVisits) -> Self {
        Self {
            id: l.list.id,
            date: l.list.planned_for,
            inspector: l.list.inspector.clone(),
            neighbourhoods: l.parameters.neighbourhoods.clone(),
            capacity: l.parameters.capacity,
            min_score: l.parameters.min_score,
            start: StartView {
                latitude: l.parameters.start_latitude,
                longitude: l.parameters.start_longitude,
            },
            total_distance_m: l.list.total_distance_m,
            created_by: l.list.created_by.clone(),
            created_at: l.list.created_at.and_utc(),
            items: l.visits.iter().map(InspectionListItem::from).collect(),
        }
    }
}

/// A list as listed, without its visits.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InspectionListSummary {
    /// Id.
    pub id: i64,
    /// The day of the walk.
    pub date: NaiveDate,
    /// The inspector.
    pub inspector: String,
    /// Number of visits.
    pub visits: i64,
    /// The whole walk, in metres.
    pub total_distance_m: f64,
    /// When it was planned.
    pub created_at: DateTime<Utc>,
}

impl From<(InspectionList, i64)> for InspectionListSummary {
    fn from((list, visits): (InspectionList, i64)) -> Self {
        Self {
            id: list.id,
            date: list.planned_for,
            inspector: list.inspector,
            visits,
            total_distance_m: list.total_distance_m,
            created_at: list.created_at.and_utc(),
        }
    }
}

/// Plans a walking list: open-signal addresses, riskiest first, traded
/// against walking distance, ordered as a short route.
#[utoipa::path(
    post, path = "/inspection-lists", tag = "inspection planning", operation_id = "createInspectionList",
    request_body = InspectionListInput,
    responses((status = 201, description = "The planned list", body = InspectionListView))
)]
#[post("/inspection-lists", data = "<body>")]
pub async fn create_inspection_list(
    staff: Staff,
    context: RequestContext,
    config: &State<AppConfig>,
    db: Db,
    body: JsonObject,
) -> Result<Created<Json<InspectionListView>>, ApiError> {
    let max = config.planning.max_capacity;
    let input =
        read_object(&body.0, "", |f| read_inspection_list(f, max)).map_err(ApiError::invalid)?;
    let request = PlanRequest {
        date: input.date,
        inspector: input.inspector,
        neighbourhoods: input.neighbourhoods,
        capacity: input.capacity,
        min_score: input.min_score,
        start: input
            .start
            .map(|s| Wgs84Point::new(s.latitude, s.longitude)),
    };
    let (rules, planning, actor) = (
        config.rules.clone(),
        config.planning.clone(),
        context.actor(&staff.0),
    );
    let list = db
        .transaction(move |conn| registry::plan_list(conn, &rules, &planning, &actor, &request))
        .await?;
    let view = InspectionListView::from(&list);
    Ok(Created::new(location(&format!("/inspection-lists/{}", view.id))).body(Json(view)))
}

/// Filters and paging of the list of lists.
#[derive(Debug, Clone, Default, FromForm, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InspectionListQuery {
    /// Only this inspector's lists (an inspector always sees only their own).
    inspector: Option<String>,
    /// Only lists for this day, `YYYY-MM-DD`.
    #[param(value_type = Option<String>, format = Date)]
    date: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    page: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[field(name = "pageSize")]
    #[param(rename = "pageSize", value_type = Option<u32>, minimum = 1, maximum = 500, default = 50)]
    page_size: Option<String>,
}

impl InspectionListQuery {
    /// The typed filter and page, or every problem with the values.
    fn parse(&self) -> Result<(ListFilter, Page), ApiError> {
        let mut problems = Vec::new();
        let page = request::page(
            self.page.as_deref(),
            self.page_size.as_deref(),
            &mut problems,
        );
        let filter = ListFilter {
            inspector: request::query_text("inspector", self.inspector.as_deref(), &mut problems),
            planned_for: request::query_value(
                "date",
                self.date.as_deref(),
                crate::domain::parse_date,
                &mut problems,
            ),
        };
        no_problems(problems)?;
        Ok((filter, page))
    }
}

/// Lists inspection lists, the latest day first.
#[utoipa::path(
    get, path = "/inspection-lists", tag = "inspection planning", operation_id = "listInspectionLists",
    params(InspectionListQuery),
    responses((status = 200, description = "One page of lists", body = ListBody<InspectionListSummary>))
)]
#[get("/inspection-lists?<query..>")]
pub async fn list_inspection_lists(
    official: Official,
    _one_value_per_key: OneValuePerKey,
    context: RequestContext,
    db: Db,
    query: InspectionListQuery,
) -> Result<Json<ListBody<InspectionListSummary>>, ApiError> {
    let (filter, page) = query.parse()?;
    let actor = context.actor(&official.0);
    let (rows, total) = db
        .audited_read(actor, move |conn, actor| {
            registry::list_lists(conn, actor, filter, page)
        })
        .await?;
    Ok(Json(ListBody::new(rows, page, total)))
}

/// The form a list is asked for in, from `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    /// `application/json` (the default).
    Json,
    /// `text/csv`.
    Csv,
    /// `application/geo+json`.
    GeoJson,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ListFormat {
    type Error = ApiError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApiError> {
        let format = request.accept().and_then(|accept| {
            accept
                .iter()
                .find_map(|m| match (m.top().as_str(), m.sub().as_str()) {
                    ("text", "csv") => Some(Self::Csv),
                    ("application", "geo+json") => Some(Self::GeoJson),
                    ("application", "json") => Some(Self::Json),
                    _ => None,
                })
        });
        Outcome::Success(format.unwrap_or(Self::Json))
    }
}

/// A CSV file for download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvFile {
    /// The file name offered.
    pub name: String,
    /// The content, BOM first.
    pub content: String,
}

impl<'r> Responder<'r, 'static> for CsvFile {
    fn respond_to(self, _request: &'r Request<'_>) -> rocket::response::Result<'static> {
        rocket::Response::build()
            .header(ContentType::new("text", "csv").with_params(("charset", "utf-8")))
            .header(Header::new(
                "Content-Disposition",
                format!("attachment; filename=\"{}\"", self.name),
            ))
            .sized_body(self.content.len(), std::io::Cursor::new(self.content))
            .ok()
    }
}

/// One list in the form asked for.
#[derive(Debug, Responder)]
pub enum ListDocument {
    /// JSON.
    Json(Json<InspectionListView>),
    /// CSV for Excel.
    Csv(CsvFile),
    /// `GeoJSON`.
    GeoJson(GeoJson<Value>),
}

/// Reads a list: JSON, CSV for Dutch Excel (`;`, UTF-8 with BOM) or
/// `GeoJSON` (visit points and the route), by `Accept`.
#[utoipa::path(
    get, path = "/inspection-lists/{id}", tag = "inspection planning", operation_id = "getInspectionList",
    params(("id" = i64, Path, description = "Inspection list id")),
    responses((status = 200, description = "The list", content(
        (InspectionListView = "application/json"),
        (String = "text/csv"),
        (Object = "application/geo+json"),
    )))
)]
#[get("/inspection-lists/<id>")]
pub async fn get_inspection_list(
    official: Official,
    context: RequestContext,
    format: ListFormat,
    db: Db,
    id: i64,
) -> Result<ListDocument, ApiError> {
    let actor = context.actor(&official.0);
    let list = db
        .audited_read(actor, move |conn, actor| {
            registry::read_list(conn, actor, id)
        })
        .await?;
    Ok(match format {
        ListFormat::Json => ListDocument::Json(Json(InspectionListView::from(&list))),
        ListFormat::Csv => ListDocument::Csv(CsvFile {
            name: format!("inspection-list-{id}.csv"),
            content: list_exports::csv(&list).map_err(ApiError::internal)?,
        }),
        ListFormat::GeoJson => ListDocument::GeoJson(GeoJson(list_exports::geojson(&list))),
    })
}

/// Where to send a list.
#[derive(Debug, Clone, PartialEq, Eq, ToSchema)]
pub struct MailingInput {
    /// The recipient's e-mail address.
    #[schema(example = "inspector@example.org", format = Email, max_length = 254)]
    pub to: String,
}

/// Reads a mailing request.
pub fn read_mailing(f: &mut Fields<'_>) -> Option<MailingInput> {
    let to = f.required("to", |v| {
        let text = value::text(254)(v)?;
        text.parse::<lettre::Address>()
            .map(|_| text)
            .map_err(|_| "must be an e-mail address".to_owned())
    });
    Some(MailingInput { to: to? })
}

/// A queued e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MailingView {
    /// The list sent.
    pub inspection_list_id: i64,
    /// The recipient.
    pub to: String,
    /// Always `queued`: the outbox sends it.
    pub status: String,
}

/// E-mails the list with its CSV attached, through the outbox.
#[utoipa::path(
    post, path = "/inspection-lists/{id}/mailings", tag = "inspection planning", operation_id = "createInspectionListMailing",
    params(("id" = i64, Path, description = "Inspection list id")),
    request_body = MailingInput,
    responses((status = 202, description = "Queued for sending", body = MailingView))
)]
#[post("/inspection-lists/<id>/mailings", data = "<body>")]
pub async fn create_inspection_list_mailing(
    staff: Staff,
    context: RequestContext,
    db: Db,
    id: i64,
    body: JsonObject,
) -> Result<Accepted<Json<MailingView>>, ApiError> {
    let input = read_object(&body.0, "", read_mailing).map_err(ApiError::invalid)?;
    let actor = context.actor(&staff.0);
    let to = input.to.clone();
    db.transaction(move |conn| registry::mail_list(conn, &actor, id, &to))
        .await?;
    Ok(Accepted(Json(MailingView {
        inspection_list_id: id,
        to: input.to,
        status: "queued".to_owned(),
    })))
}
