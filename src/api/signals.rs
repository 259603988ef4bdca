//! `/signals`, `/addresses/{id}/signals`, `/signal-evaluations` and
//! `/hotspots`: what the rules found, as lists and as `GeoJSON` for maps,
//! re-evaluation on demand, and clusters of signalled addresses.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::serde::json::Json;
use rocket::{Either, FromForm, Route, State, get, post, routes};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::api::request::{self, OneValuePerKey, no_problems};
use crate::api::short_read::ShortRead;
use crate::api::{Db, GeoJson, ListBody};
use crate::auth::{Official, Staff};
use crate::config::AppConfig;
use crate::db::Page;
use crate::db::addresses::{self, Address};
use crate::db::signals::{self, Signal, SignalFilter};
use crate::domain::SignalStatus;
use crate::domain::rules::{Evidence, RuleId, risk_by_address};
use crate::error::ApiError;
use crate::geo::cluster_feature_geometry;
use crate::registry::evaluation;
use crate::registry::maps::{self, Hotspot, MapCache};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    routes![
        list_signals,
        list_address_signals,
        create_signal_evaluation,
        list_hotspots
    ]
}

/// The most features one `GeoJSON` answer holds.
const MAX_FEATURES: i64 = 50_000;

/// Whether the client asked for `application/geo+json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WantsGeoJson(pub bool);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for WantsGeoJson {
    type Error = ApiError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApiError> {
        let wants = request.accept().is_some_and(|accept| {
            accept
                .iter()
                .any(|m| m.top() == "application" && m.sub() == "geo+json")
        });
        Outcome::Success(Self(wants))
    }
}

/// The address a signal belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignalAddress {
    /// Id.
    pub id: i64,
    /// Postcode.
    pub postcode: String,
    /// House number.
    pub house_number: i32,
    /// House letter.
    pub house_letter: Option<String>,
    /// Addition.
    pub house_number_addition: Option<String>,
    /// Street.
    pub street: String,
    /// CBS buurt code.
    pub neighbourhood_code: Option<String>,
    /// WGS84 latitude.
    pub latitude: f64,
    /// WGS84 longitude.
    pub longitude: f64,
}

impl From<&Address> for SignalAddress {
    fn from(a: &Address) -> Self {
        Self {
            id: a.id,
            postcode: a.postcode.clone(),
            house_number: a.house_number,
            house_letter: a.letter(),
            house_number_addition: a.addition(),
            street: a.street.clone(),
            neighbourhood_code: a.neighbourhood_code.clone(),
            latitude: a.latitude,
            longitude: a.longitude,
        }
    }
}

/// A signal: which rule found what, and since when.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignalView {
    /// Id.
    pub id: i64,
    /// The address's id.
    pub address_id: i64,
    /// The rule, e.g. `overcrowding-floor-area`.
    pub rule: String,
    /// `low`, `medium` or `high`.
    pub severity: String,
    /// The rule's weight in the address's risk score.
    pub score: i32,
    /// Why: `summary`, `measured`, `threshold` and the `norm` applied.
    #[schema(value_type = EvidenceSchema)]
    pub evidence: Evidence,
    /// `open` or `closed`.
    pub status: String,
    /// The rule-set version that last produced it.
    pub rule_set_version: String,
    /// When it was first found.
    pub first_seen_at: DateTime<Utc>,
    /// When its current finding was last established: when it was opened,
    /// or last found with changed evidence, severity, score or rule-set
    /// version. An evaluation that finds it again unchanged does not
    /// change it: an open signal holds as of the latest evaluation.
    pub last_seen_at: DateTime<Utc>,
    /// When it stopped holding.
    pub closed_at: Option<DateTime<Utc>>,
}

impl From<&Signal> for SignalView {
    fn from(s: &Signal) -> Self {
        Self {
            id: s.id,
            address_id: s.address_id,
            rule: s.rule.as_str().to_owned(),
            severity: s.severity.as_str().to_owned(),
            score: s.score,
            evidence: s.evidence.clone(),
            status: s.status.as_str().to_owned(),
            rule_set_version: s.rule_set_version.clone(),
            first_seen_at: s.first_seen_at.and_utc(),
            last_seen_at: s.last_seen_at.and_utc(),
            closed_at: s.closed_at.map(|at| at.and_utc()),
        }
    }
}

/// The API document's description of a finding's [`Evidence`]; the test
/// below keeps its fields those that `Evidence` serialises.
#[derive(ToSchema)]
#[schema(as = Evidence)]
#[expect(dead_code, reason = "it only describes Evidence in the API document")]
struct EvidenceSchema {
    /// One sentence a person reads, with the numbers and the norm.
    summary: String,
    /// The measured values by name.
    #[schema(value_type = Object)]
    measured: Value,
    /// The threshold that was crossed.
    #[schema(value_type = Object)]
    threshold: Value,
    /// The source of the norm.
    norm: String,
}

/// A signal with its address, as listed.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignalListItem {
    /// The signal.
    #[serde(flatten)]
    pub signal: SignalView,
    /// Its address.
    pub address: SignalAddress,
}

/// Filters and paging of the signal list.
#[derive(Debug, Clone, Default, FromForm, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignalQuery {
    /// CBS buurt code, e.g. `BU06220101`.
    #[param(pattern = "^BU[0-9]{8}$")]
    neighbourhood: Option<String>,
    /// Rule name, e.g. `agency-is-landlord`.
    #[param(schema_with = rule_schema)]
    rule: Option<String>,
    /// Only signals with at least this score.
    #[field(name = "minScore")]
    #[param(rename = "minScore", value_type = Option<i32>)]
    min_score: Option<String>,
    /// `open` (the default), `closed` or `all`.
    #[param(schema_with = status_schema)]
    status: Option<String>,
    /// Page number, from 1 (JSON only; `GeoJSON` holds every match).
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    page: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[field(name = "pageSize")]
    #[param(rename = "pageSize", value_type = Option<u32>, minimum = 1, maximum = 500, default = 50)]
    page_size: Option<String>,
}

/// The `rule` filter: one of the rules' wire names.
fn rule_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(RuleId::ALL.map(RuleId::as_str)))
        .build()
}

/// The `status` filter.
fn status_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(["open", "closed", "all"]))
        .default(Some(json!("open")))
        .build()
}

/// A `GeoJSON` `FeatureCollection` of address points.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PointCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: String,
    /// One feature per address.
    #[schema(value_type = Vec<Object>)]
    pub features: Vec<Value>,
}

impl SignalQuery {
    /// The typed filter and page, or every problem with the values.
    fn parse(&self) -> Result<(SignalFilter, Page), ApiError> {
        let mut problems = Vec::new();
        let page = request::page(
            self.page.as_deref(),
            self.page_size.as_deref(),
            &mut problems,
        );
        let filter = signal_filter(self, &mut problems);
        no_problems(problems)?;
        Ok((filter, page))
    }
}

/// The signals that pass `filter` as address points, at most
/// [`MAX_FEATURES`] of them.
async fn signal_map(
    db: Db,
    filter: SignalFilter,
    config: &AppConfig,
) -> Result<GeoJson<PointCollection>, ApiError> {
    let first = Page {
        number: 1,
        size: MAX_FEATURES,
    };
    let (rows, total) = db
        .run(move |conn| Ok(signals::list(conn, &filter, Some(first))?))
        .await?;
    if total > MAX_FEATURES {
        log::warn!("signal map cut at {MAX_FEATURES} of {total} signals");
    }
    Ok(GeoJson(PointCollection {
        kind: "FeatureCollection".to_owned(),
        features: point_features(&rows, config),
    }))
}

fn signal_filter(
    query: &SignalQuery,
    problems: &mut Vec<crate::error::InvalidParam>,
) -> SignalFilter {
    let rule = request::query_value(
        "rule",
        query.rule.as_deref(),
        |r| RuleId::parse(r).ok_or("is not a known rule"),
        problems,
    );
    let min_score = request::query_value(
        "minScore",
        query.min_score.as_deref(),
        str::parse::<i32>,
        problems,
    );
    let status = match query.status.as_deref() {
        None => Some(SignalStatus::Open),
        Some("all") => None,
        Some(text) if SignalStatus::parse(text).is_some() => SignalStatus::parse(text),
        Some(_) => {
            problems.push(crate::error::InvalidParam::new(
                "status",
                "must be open, closed or all",
            ));
            None
        }
    };
    SignalFilter {
        neighbourhood_code: request::neighbourhood_code(query.neighbourhood.as_deref(), problems),
        rule,
        min_score,
        status,
        address_id: None,
    }
}

fn point_features(rows: &[(Signal, Address)], config: &AppConfig) -> Vec<Value> {
    let mut by_address: BTreeMap<i64, (&Address, Vec<&Signal>)> = BTreeMap::new();
    for (signal, address) in rows {
        by_address
            .entry(address.id)
            .or_insert_with(|| (address, Vec::new()))
            .1
            .push(signal);
    }
    by_address
        .into_values()
        .map(|(address, signals)| {
            let open_weights = signals
                .iter()
                .filter(|s| s.is_open())
                .map(|s| (address.id, s.weight()));
            let risk = risk_by_address(open_weights, &config.rules)
                .get(&address.id)
                .copied()
                .unwrap_or(0);
            json!({
                "type": "Feature",
                "id": address.id,
                "geometry": {"type": "Point", "coordinates": [address.longitude, address.latitude]},
                "properties": {
                    "address": SignalAddress::from(address),
                    "riskScore": risk,
                    "signals": signals.iter().map(|s| json!({
                        "id": s.id, "rule": s.rule, "severity": s.severity, "score": s.score,
                        "status": s.status,
                        "summary": s.evidence.summary,
                    })).collect::<Vec<_>>(),
                }
            })
        })
        .collect()
}

/// Lists signals, most serious first; with `Accept: application/geo+json`,
/// every match as address points for QGIS.
#[utoipa::path(
    get, path = "/signals", tag = "signals", operation_id = "listSignals",
    params(SignalQuery),
    responses(
        (status = 200, description = "One page of signals", content(
            (ListBody<SignalListItem> = "application/json"),
            (PointCollection = "application/geo+json"),
        )),
    )
)]
#[get("/signals?<query..>")]
pub async fn list_signals(
    _official: Official,
    _one_value_per_key: OneValuePerKey,
    wants_geojson: WantsGeoJson,
    config: &State<AppConfig>,
    db: Db,
    query: SignalQuery,
) -> Result<Either<Json<ListBody<SignalListItem>>, GeoJson<PointCollection>>, ApiError> {
    let (filter, page) = query.parse()?;
    if wants_geojson.0 {
        return Ok(Either::Right(signal_map(db, filter, config).await?));
    }
    let (rows, total) = db
        .run(move |conn| Ok(signals::list(conn, &filter, Some(page))?))
        .await?;
    let items = rows
        .iter()
        .map(|(signal, address)| SignalListItem {
            signal: SignalView::from(signal),
            address: SignalAddress::from(address),
        })
        .collect();
    Ok(Either::Left(Json(ListBody {
        items,
        page: page.number,
        page_size: page.size,
        total,
    })))
}

/// A rule that could not judge the address today, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotEvaluated {
    /// The rule.
    pub rule: String,
    /// The data it lacks, e.g. "the number of bedrooms is unknown".
    pub missing: String,
}

/// An address's signals and risk score.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressSignals {
    /// The address.
    pub address_id: i64,
    /// The capped sum of the open signals' scores.
    pub risk_score: u32,
    /// Open signals first, then closed ones, most serious first.
    pub signals: Vec<SignalView>,
    /// Rules that cannot judge the address today for missing data; they
    /// never fire until the data is there.
    pub not_evaluated: Vec<NotEvaluated>,
}

/// The address's signals, open and closed, its risk score, and the rules
/// that lack data to judge it.
#[utoipa::path(
    get, path = "/addresses/{id}/signals", tag = "signals", operation_id = "listAddressSignals",
    params(("id" = i64, Path, description = "Address id")),
    responses((status = 200, description = "The address's signals", body = AddressSignals))
)]
#[get("/addresses/<id>/signals")]
pub async fn list_address_signals(
    _official: Official,
    config: &State<AppConfig>,
    db: ShortRead<'_>,
    id: i64,
) -> Result<Json<AddressSignals>, ApiError> {
    let rules = config.rules.clone();
    let (rows, missing) = db
        .run(move |conn| {
            use diesel::Connection as _;

            // One read transaction: one snapshot of the database, and one
            // read lock for the dozen statements instead of one each.
            conn.transaction(|conn| {
                if !addresses::exists(conn, id)? {
                    return Err(ApiError::not_found("address", id));
                }
                let missing = evaluation::missing_data(conn, &rules, id)?;
                Ok((signals::of_address(conn, id)?, missing))
            })
        })
        .await?;
    Ok(Json(AddressSignals::new(id, rows, missing, &config.rules)))
}

impl AddressSignals {
    /// The view of an address's stored signals and the rules lacking data.
    fn new(
        id: i64,
        mut rows: Vec<Signal>,
        missing: Vec<(RuleId, &'static str)>,
        rules: &crate::domain::rules::RuleSet,
    ) -> Self {
        rows.sort_by_key(|s| (!s.is_open(), -s.score, s.id));
        let open_weights = rows
            .iter()
            .filter(|s| s.is_open())
            .map(|s| (id, s.weight()));
        let risk_score = risk_by_address(open_weights, rules)
            .get(&id)
            .copied()
            .unwrap_or(0);
        let not_evaluated = missing
            .into_iter()
            .map(|(rule, what)| NotEvaluated {
                rule: rule.as_str().to_owned(),
                missing: what.to_owned(),
            })
            .collect();
        Self {
            address_id: id,
            risk_score,
            signals: rows.iter().map(SignalView::from).collect(),
            not_evaluated,
        }
    }
}

/// The outcome of a full evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EvaluationView {
    /// Addresses judged.
    pub addresses_evaluated: usize,
    /// Open signals afterwards.
    pub signals_open: i64,
    /// Signals found for the first time.
    pub signals_opened: usize,
    /// Signals that no longer hold, now closed.
    pub signals_closed: usize,
    /// Open signals whose evidence changed.
    pub signals_refreshed: usize,
    /// The rule-set version used.
    pub rule_set_version: String,
    /// How long it took, in milliseconds.
    pub duration_ms: u128,
}

/// Re-evaluates every address now.
#[utoipa::path(
    post, path = "/signal-evaluations", tag = "signals", operation_id = "createSignalEvaluation",
    responses((status = 200, description = "The evaluation's counts", body = EvaluationView))
)]
#[post("/signal-evaluations")]
pub async fn create_signal_evaluation(
    _staff: Staff,
    config: &State<AppConfig>,
    db: Db,
) -> Result<Json<EvaluationView>, ApiError> {
    use diesel::Connection as _;
    use rocket::futures::StreamExt as _;

    let rules = std::sync::Arc::new(config.rules.clone());
    let version = rules.version();
    let on = evaluation::today();
    let started = std::time::Instant::now();
    let ranges = db
        .run(|conn| Ok(addresses::id_ranges(conn, evaluation::CHUNK_ADDRESSES)?))
        .await?;
    // Chunks are judged by reading, side by side beside the writer; only
    // the addresses whose signals must change take a turn among the
    // writers, one write transaction per chunk.
    let verdicts = ranges.into_iter().map(|range| {
        let rules = std::sync::Arc::clone(&rules);
        db.run(move |conn| {
            Ok(conn.transaction(|conn| evaluation::judge_chunk(conn, &rules, on, range))?)
        })
    });
    let mut verdicts = rocket::futures::stream::iter(verdicts).buffered(db.side_by_side());
    let mut report = evaluation::EvaluationReport::default();
    while let Some(verdict) = verdicts.next().await {
        let verdict = verdict?;
        let done = if verdict.differing.is_empty() {
            verdict.report()
        } else {
            let rules = std::sync::Arc::clone(&rules);
            db.transaction(move |conn| Ok(evaluation::settle(conn, &rules, on, &verdict)?))
                .await?
        };
        report.add(&done);
    }
    Ok(Json(EvaluationView {
        addresses_evaluated: report.addresses_evaluated,
        signals_open: report.signals_open,
        signals_opened: report.signals_opened,
        signals_closed: report.signals_closed,
        signals_refreshed: report.signals_refreshed,
        rule_set_version: version,
        duration_ms: started.elapsed().as_millis(),
    }))
}

/// Cluster parameters.
#[derive(Debug, Clone, Default, FromForm, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HotspotQuery {
    /// Neighbourhood radius in metres, 1 to 5000 (default 150).
    #[field(name = "radiusM")]
    #[param(rename = "radiusM", value_type = Option<f64>, minimum = 1, maximum = 5000, default = 150)]
    radius_m: Option<String>,
    /// Fewest signalled addresses in a cluster, 1 to 1000 (default 3).
    #[field(name = "minAddresses")]
    #[param(rename = "minAddresses", value_type = Option<u32>, minimum = 1, maximum = 1000, default = 3)]
    min_addresses: Option<String>,
}

/// Clusters of addresses with open signals (DBSCAN over RD metres) as
impl HotspotQuery {
    /// The radius in metres and the least number of addresses, or every
    /// problem with the values.
    fn parse(&self) -> Result<(f64, usize), ApiError> {
        let mut problems = Vec::new();
        let radius = request::query_value(
            "radiusM",
            self.radius_m.as_deref(),
            |s| {
                s.parse::<f64>()
                    .ok()
                    .filter(|r| (1.0..=5_000.0).contains(r))
                    .ok_or("must be a number from 1 to 5000")
            },
            &mut problems,
        );
        let min_addresses = request::query_value(
            "minAddresses",
            self.min_addresses.as_deref(),
            |s| {
                s.parse::<usize>()
                    .ok()
                    .filter(|n| (1..=1_000).contains(n))
                    .ok_or("must be a whole number from 1 to 1000")
            },
            &mut problems,
        );
        no_problems(problems)?;
        Ok((radius.unwrap_or(150.0), min_addresses.unwrap_or(3)))
    }
}

/// The `GeoJSON` feature of the `i`th hotspot.
fn hotspot_feature((i, hotspot): (usize, &Hotspot)) -> Value {
    let cluster = &hotspot.cluster;
    json!({
        "type": "Feature",
        "id": i + 1,
        "geometry": cluster_feature_geometry(cluster),
        "properties": {
            "addresses": cluster.members.len(),
            "addressIds": cluster.members,
            "openSignals": hotspot.open_signals,
            "riskScoreSum": cluster.total_weight,
            "centroid": {"latitude": cluster.centroid.latitude, "longitude": cluster.centroid.longitude},
        }
    })
}

/// hull polygons with their member addresses and total risk.
#[utoipa::path(
    get, path = "/hotspots", tag = "signals", operation_id = "listHotspots",
    params(HotspotQuery),
    responses((status = 200, description = "The clusters, most risk first", body = PointCollection, content_type = "application/geo+json"))
)]
#[get("/hotspots?<query..>")]
pub async fn list_hotspots(
    _official: Official,
    _one_value_per_key: OneValuePerKey,
    config: &State<AppConfig>,
    kept: &State<MapCache>,
    db: Db,
    query: HotspotQuery,
) -> Result<GeoJson<PointCollection>, ApiError> {
    let (radius_m, min_addresses) = query.parse()?;
    let rules = config.rules.clone();
    let hotspots = kept
        .hotspots(radius_m, min_addresses, || {
            db.run(move |conn| Ok(maps::hotspots(conn, &rules, radius_m, min_addresses)?))
        })
        .await?;
    let features = hotspots.iter().enumerate().map(hotspot_feature).collect();
    Ok(GeoJson(PointCollection {
        kind: "FeatureCollection".to_owned(),
        features,
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use utoipa::PartialSchema as _;

    use super::*;

    #[test]
    fn the_documented_evidence_has_exactly_the_fields_evidence_serialises() {
        let evidence = Evidence {
            summary: "s".to_owned(),
            measured: json!({}),
            threshold: json!({}),
            norm: "n".to_owned(),
        };
        let serialised = serde_json::to_value(&evidence).unwrap();
        let mut sent: Vec<&String> = serialised.as_object().unwrap().keys().collect();
        let schema = serde_json::to_value(EvidenceSchema::schema()).unwrap();
        let mut documented: Vec<&String> =
            schema["properties"].as_object().unwrap().keys().collect();
        sent.sort();
        documented.sort();
        assert_eq!(documented, sent);
    }

    #[test]
    fn the_api_document_refers_a_signals_evidence_to_the_evidence_schema() {
        let doc = crate::api::docs::openapi_json();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["SignalView"]["properties"]["evidence"]["$ref"],
            "#/components/schemas/Evidence"
        );
        assert_eq!(
            schemas["Evidence"]["properties"]["summary"]["type"],
            "string"
        );
    }
}
