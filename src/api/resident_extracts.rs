//! `POST /resident-extracts?asOf=`: the municipality's own integration
//! sends a BRP extract of the registered residents as `text/csv`, applied
//! at once as the truth as of `asOf` (administrators only). Bodies are
//! limited to the `csv` limit (16 MiB by default, about 150 000 residents);
//! larger extracts go through `woonregister import residents`.

use chrono::NaiveDate;
use rocket::data::{self, Data, FromData, ToByteUnit};
use rocket::request::Request;
use rocket::serde::json::Json;
use rocket::{Route, State, post, routes};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::Db;
use crate::api::context::RequestContext;
use crate::api::request::{no_problems, query_value, read_body, refuse};
use crate::auth::Admin;
use crate::config::AppConfig;
use crate::error::{ApiError, InvalidParam};
use crate::registry::residents::{self, Extract, ExtractError, ImportSummary};

/// The default largest extract accepted over HTTP.
pub const DEFAULT_CSV_LIMIT_MIB: u64 = 16;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    routes![create_resident_extract]
}

/// A request body sent as `text/csv`, read within the `csv` size limit and
/// the configured body timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvBody(pub Vec<u8>);

#[rocket::async_trait]
impl<'r> FromData<'r> for CsvBody {
    type Error = ApiError;

    async fn from_data(request: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let is_csv = request
            .content_type()
            .is_some_and(|t| t.top() == "text" && t.sub() == "csv");
        if !is_csv {
            return refuse(
                request,
                ApiError::UnsupportedMediaType(
                    "The body must be sent with Content-Type: text/csv.".to_owned(),
                ),
            );
        }
        match read_body(request, data, "csv", DEFAULT_CSV_LIMIT_MIB.mebibytes()).await {
            Ok(bytes) => data::Outcome::Success(CsvBody(bytes)),
            Err(ApiError::PayloadTooLarge(detail)) => refuse(
                request,
                ApiError::PayloadTooLarge(format!(
                    "{detail} Import larger extracts with `woonregister import residents`."
                )),
            ),
            Err(error) => refuse(request, error),
        }
    }
}

/// The query of `POST /resident-extracts`.
#[derive(Debug, Clone, PartialEq, Eq, Default, rocket::FromForm, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExtractQuery {
    /// The day the extract is the truth of, `YYYY-MM-DD` (required).
    #[field(name = "asOf")]
    #[param(rename = "asOf", value_type = String, format = Date, required = true)]
    as_of: Option<String>,
}

impl ExtractQuery {
    /// The extract's date.
    pub fn parse(&self) -> Result<NaiveDate, ApiError> {
        let mut errors = Vec::new();
        let as_of = query_value(
            "asOf",
            self.as_of.as_deref(),
            crate::domain::parse_date,
            &mut errors,
        );
        if as_of.is_none() && errors.is_empty() {
            errors.push(InvalidParam::new("asOf", "is required"));
        }
        no_problems(errors)?;
        as_of.ok_or_else(|| ApiError::invalid_field("asOf", "is required"))
    }
}

/// A column of the extract that was not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DroppedColumnView {
    /// The header as sent.
    pub column: String,
    /// Why it was dropped.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResidentExtractSummary {
    /// The day the extract is the truth of.
    pub as_of: NaiveDate,
    /// Rows read.
    pub residents: usize,
    /// The separator found: `,` or `;`.
    pub separator: String,
    /// Whether the body began with a UTF-8 byte-order mark.
    pub byte_order_mark: bool,
    /// Residents newly registered at an address.
    pub new: usize,
    /// Residents registered at another address than before.
    pub moved: usize,
    /// Registrations ended: no longer in the extract, or now at an address
    /// the registry does not know. Their last day is the day before `asOf`.
    pub ended: usize,
    /// Registrations at the same address with a changed first day or household.
    pub corrected: usize,
    /// Registrations as they were.
    pub unchanged: usize,
    /// Rows naming an address the registry does not know (not stored).
    pub unknown_addresses: usize,
    /// The first lines naming an unknown address (the header is line 1).
    pub unknown_address_lines: Vec<u64>,
    /// Columns dropped at the door, with the reason.
    pub dropped_columns: Vec<DroppedColumnView>,
}

impl From<(&Extract, &ImportSummary)> for ResidentExtractSummary {
    fn from((extract, summary): (&Extract, &ImportSummary)) -> Self {
        Self {
            as_of: extract.as_of,
            residents: extract.residents.len(),
            separator: extract.separator.as_char().to_string(),
            byte_order_mark: extract.byte_order_mark,
            new: summary.new,
            moved: summary.moved,
            ended: summary.ended,
            corrected: summary.corrected,
            unchanged: summary.unchanged,
            unknown_addresses: summary.unknown_addresses,
            unknown_address_lines: summary.unknown_address_lines.clone(),
            dropped_columns: extract
                .dropped_columns
                .iter()
                .map(|d| DroppedColumnView {
                    column: d.column.clone(),
                    reason: d.reason.to_owned(),
                })
                .collect(),
        }
    }
}

/// A refused extract as a 400 naming every bad line (`line 3: bsn`).
fn refused(error: ExtractError) -> ApiError {
    match error {
        ExtractError::Rows(rows) => ApiError::invalid(
            rows.into_iter()
                .flat_map(|row| {
                    row.problems.into_iter().map(move |p| {
                        InvalidParam::new(format!("line {}: {}", row.line, p.name), p.reason)
                    })
                })
                .collect(),
        ),
        ExtractError::Header(problems) => ApiError::invalid(
            problems
                .into_iter()
                .map(|p| InvalidParam::new("header", p))
                .collect(),
        ),
        ExtractError::Csv(e) => {
            ApiError::invalid_field("body", &format!("is not readable CSV: {e}"))
        }
        ExtractError::Io(e) => ApiError::invalid_field("body", &format!("could not be read: {e}")),
    }
}

/// Imports a BRP extract of the registered residents as the truth as of
/// `asOf`: new, moved, ended and unchanged registrations, addresses the
/// registry does not know counted, unused columns dropped. A bad file
/// stores nothing and lists every bad line. Audit-logged with the counts.
#[utoipa::path(
    post, path = "/resident-extracts", tag = "residents", operation_id = "createResidentExtract",
    params(ExtractQuery),
    request_body(content = String, content_type = "text/csv", description = "The extract: `,` or `;` separated, UTF-8 with an optional BOM, at most 16 MiB by default (the `csv` limit); larger files through `woonregister import residents`"),
    responses(
        (status = 200, description = "Imported", body = ResidentExtractSummary),
        (status = 413, description = "Larger than the `csv` limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as text/csv", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/resident-extracts?<query..>", data = "<body>")]
pub async fn create_resident_extract(
    admin: Admin,
    context: RequestContext,
    config: &State<AppConfig>,
    db: Db,
    query: ExtractQuery,
    body: CsvBody,
) -> Result<Json<ResidentExtractSummary>, ApiError> {
    let as_of = query.parse()?;
    let extract = residents::read(body.0.as_slice(), as_of).map_err(refused)?;
    let (actor, rules) = (context.actor(&admin.0), config.rules.clone());
    let summary = db
        .transaction(move |conn| {
            let summary = residents::import(conn, &actor, &rules, &extract, &|| {})?;
            Ok(ResidentExtractSummary::from((&extract, &summary)))
        })
        .await?;
    Ok(Json(summary))
}
