//! Inspection lists and visits: planning a walking list for an inspector's
//! day, reading it back with what the CSV and map need, and recording what
//! a visit found (the address's bedrooms and signals follow).

use std::collections::{BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};

use crate::auth::Role;
use crate::config::PlanningConfig;
use crate::db::DbConnection;
use crate::db::addresses::{self, Address};
use crate::db::housing_provisions;
use crate::db::inspections::{
    self, Inspection, InspectionList, ListFilter, NewInspection, NewInspectionList, OutcomeFields,
};
use crate::db::occupancies;
use crate::db::signals::{self, Signal};
use crate::db::{Page, now};
use crate::domain::planning::{self, Candidate, Point};
use crate::domain::rules::{RuleId, RuleSet, Severity, risk_by_address};
use crate::domain::{AuditAction, InspectionResult};
use crate::error::ApiError;
use crate::geo::Wgs84Point;
use crate::registry::{Actor, evaluation};

const PURPOSE: &str = "inspection planning";

/// What staff ask of the planner.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRequest {
    /// The day of the walk.
    pub date: NaiveDate,
    /// The inspector's token subject.
    pub inspector: String,
    /// CBS buurt codes to plan in; empty plans in the whole municipality.
    pub neighbourhoods: Vec<String>,
    /// The most visits.
    pub capacity: u32,
    /// Only addresses with at least this risk score.
    pub min_score: Option<u32>,
    /// Where the walk starts; `None` is the configured town hall.
    pub start: Option<Wgs84Point>,
}

/// The parameters a list was planned with, stored with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredParameters {
    /// CBS buurt codes (empty: all).
    pub neighbourhoods: Vec<String>,
    /// The capacity asked for.
    pub capacity: u32,
    /// The minimum risk score.
    pub min_score: Option<u32>,
    /// Start latitude.
    pub start_latitude: f64,
    /// Start longitude.
    pub start_longitude: f64,
}

/// A signal as it stood when the visit was planned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignalAtPlanning {
    /// The signal's id.
    pub signal_id: i64,
    /// The rule.
    pub rule: RuleId,
    /// How serious.
    pub severity: Severity,
    /// Its weight.
    pub score: i32,
    /// Why, in one sentence.
    pub summary: String,
}

impl From<&Signal> for SignalAtPlanning {
    fn from(s: &Signal) -> Self {
        Self {
            signal_id: s.id,
            rule: s.rule,
            severity: s.severity,
            score: s.score,
            summary: s.evidence.summary.clone(),
        }
    }
}

/// One visit of a list with what an inspector needs to see on paper.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    /// The planned inspection.
    pub inspection: Inspection,
    /// Its address.
    pub address: Address,
    /// The signals when it was planned.
    pub signals: Vec<SignalAtPlanning>,
    /// The number of people living there now (each once).
    pub occupant_count: usize,
    /// The current landlords' names, joined.
    pub landlord: Option<String>,
}

/// A list with its visits in route order.
#[derive(Debug, Clone, PartialEq)]
pub struct ListWithVisits {
    /// The list.
    pub list: InspectionList,
    /// Its parameters.
    pub parameters: StoredParameters,
    /// The visits in route order.
    pub visits: Vec<Visit>,
}

/// Plans a list for an inspector's day in the caller's transaction: picks
/// open-signal addresses (not visited in the configured period, not waiting
/// on another list), orders them as a route, stores the list and a planned
/// inspection per visit with a snapshot of its signals.
pub fn plan_list(
    conn: &mut DbConnection,
    rules: &RuleSet,
    config: &PlanningConfig,
    actor: &Actor,
    request: &PlanRequest,
) -> Result<ListWithVisits, ApiError> {
    let start = request
        .start
        .unwrap_or_else(|| Wgs84Point::new(config.start_latitude, config.start_longitude));
    let open = signals::open_for(conn, None)?;
    let risk = risk_by_address(open.iter().map(|s| (s.address_id, s.weight())), rules);
    let visited_since = now() - TimeDelta::days(i64::from(config.revisit_after_days));
    let excluded = inspections::addresses_not_to_plan(conn, visited_since, evaluation::today())?;
    let min_score = request.min_score.unwrap_or(0);
    let ids: Vec<i64> = risk
        .iter()
        .filter(|(id, score)| **score >= min_score && !excluded.contains(id))
        .map(|(id, _)| *id)
        .collect();
    // In chunks, far below either backend's limit on bound parameters.
    let mut candidates_addresses = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1_000) {
        candidates_addresses.extend(addresses::by_ids(conn, chunk)?);
    }
    if !request.neighbourhoods.is_empty() {
        candidates_addresses.retain(|a| {
            a.neighbourhood_code
                .as_ref()
                .is_some_and(|code| request.neighbourhoods.contains(code))
        });
    }
    candidates_addresses.sort_by_key(|a| a.id);
    let candidates: Vec<Candidate> = candidates_addresses
        .iter()
        .map(|a| Candidate {
            id: a.id,
            position: Point {
                x: a.rd_x,
                y: a.rd_y,
            },
            risk: risk.get(&a.id).copied().unwrap_or(0),
        })
        .collect();
    let rd = start.to_rd();
    let capacity = usize::try_from(request.capacity).unwrap_or(usize::MAX);
    let plan = planning::plan(Point { x: rd.x, y: rd.y }, &candidates, capacity);

    let parameters = StoredParameters {
        neighbourhoods: request.neighbourhoods.clone(),
        capacity: request.capacity,
        min_score: request.min_score,
        start_latitude: start.latitude,
        start_longitude: start.longitude,
    };
    let list = inspections::insert_list(
        conn,
        &NewInspectionList {
            planned_for: request.date,
            inspector: request.inspector.clone(),
            parameters: serde_json::to_string(&parameters).map_err(ApiError::internal)?,
            total_distance_m: plan.total_distance_m,
            created_by: actor.subject.clone(),
        },
    )?;
    let mut signals_of: HashMap<i64, Vec<SignalAtPlanning>> = HashMap::new();
    for signal in &open {
        signals_of
            .entry(signal.address_id)
            .or_default()
            .push(SignalAtPlanning::from(signal));
    }
    let mut new_visits = Vec::with_capacity(plan.visits.len());
    for (order, leg) in (1_i32..).zip(&plan.visits) {
        let candidate = &candidates[leg.index];
        let mut snapshot = signals_of.remove(&candidate.id).unwrap_or_default();
        snapshot.sort_by_key(|s| (-s.score, s.signal_id));
        new_visits.push(NewInspection {
            inspection_list_id: Some(list.id),
            address_id: candidate.id,
            route_order: order,
            leg_distance_m: leg.distance_m,
            risk_score: i32::try_from(candidate.risk).unwrap_or(i32::MAX),
            signals_snapshot: serde_json::to_string(&snapshot).map_err(ApiError::internal)?,
        });
    }
    inspections::insert_inspections(conn, &new_visits)?;
    actor.record(
        conn,
        AuditAction::InspectionListCreate,
        format!("inspection-lists/{}", list.id),
        PURPOSE,
    )?;
    with_visits(conn, list)
}

/// The list with its visits, as its caller may see it: an inspector only
/// their own lists (another's is not found). The read is audit-logged.
pub fn read_list(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
) -> Result<ListWithVisits, ApiError> {
    let list = inspections::find_list(conn, id)?
        .filter(|list| actor.role != Role::Inspector || list.inspector == actor.subject)
        .ok_or_else(|| ApiError::not_found("inspection list", id))?;
    actor.record(
        conn,
        AuditAction::InspectionListRead,
        format!("inspection-lists/{id}"),
        PURPOSE,
    )?;
    with_visits(conn, list)
}

fn with_visits(conn: &mut DbConnection, list: InspectionList) -> Result<ListWithVisits, ApiError> {
    let parameters: StoredParameters =
        serde_json::from_str(&list.parameters).map_err(ApiError::internal)?;
    let today = evaluation::today();
    let mut visits = Vec::new();
    for (inspection, address) in inspections::visits(conn, list.id)? {
        let signals: Vec<SignalAtPlanning> =
            serde_json::from_str(&inspection.signals_snapshot).map_err(ApiError::internal)?;
        let people: BTreeSet<i64> = occupancies::current_at_address(conn, address.id, today)?
            .iter()
            .map(|o| o.person_id)
            .collect();
        let landlords: BTreeSet<String> = housing_provisions::for_address(conn, address.id)?
            .into_iter()
            .filter(|(p, _)| p.start_date <= today && p.end_date.is_none_or(|end| end >= today))
            .map(|(_, organisation)| organisation.name)
            .collect();
        visits.push(Visit {
            inspection,
            address,
            signals,
            occupant_count: people.len(),
            landlord: (!landlords.is_empty())
                .then(|| landlords.into_iter().collect::<Vec<_>>().join(", ")),
        });
    }
    Ok(ListWithVisits {
        list,
        parameters,
        visits,
    })
}

/// One page of lists: an inspector sees only their own, whatever the
/// filter names. The listing is audit-logged.
pub fn list_lists(
    conn: &mut DbConnection,
    actor: &Actor,
    mut filter: ListFilter,
    page: Page,
) -> Result<(Vec<(InspectionList, i64)>, i64), ApiError> {
    if actor.role == Role::Inspector {
        filter.inspector = Some(actor.subject.clone());
    }
    let (lists, total) = inspections::list_lists(conn, &filter, page)?;
    let ids: Vec<i64> = lists.iter().map(|l| l.id).collect();
    let counts = inspections::visit_counts(conn, &ids)?;
    actor.record(
        conn,
        AuditAction::InspectionListList,
        "inspection-lists".to_owned(),
        PURPOSE,
    )?;
    let rows = lists
        .into_iter()
        .map(|list| {
            let count = counts.get(&list.id).copied().unwrap_or(0);
            (list, count)
        })
        .collect();
    Ok((rows, total))
}

/// What an inspector found at a visit.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// When the visit took place.
    pub visited_at: NaiveDateTime,
    /// What it found.
    pub result: InspectionResult,
    /// People found living there.
    pub persons_found: Option<u32>,
    /// Bedrooms found.
    pub bedrooms_found: Option<u32>,
    /// Notes.
    pub notes: Option<String>,
}

/// Records a visit's outcome in the caller's transaction: the inspection,
/// the address's bedrooms when counted, the audit entry and the address's
/// signals. An inspector records only visits on their own lists.
pub fn record_outcome(
    conn: &mut DbConnection,
    rules: &RuleSet,
    actor: &Actor,
    id: i64,
    outcome: Outcome,
) -> Result<Inspection, ApiError> {
    let inspection =
        inspections::find(conn, id)?.ok_or_else(|| ApiError::not_found("inspection", id))?;
    if actor.role == Role::Inspector
        && let Some(list_id) = inspection.inspection_list_id
        && inspections::find_list(conn, list_id)?.is_some_and(|l| l.inspector != actor.subject)
    {
        return Err(ApiError::forbidden(
            "This visit is on another inspector's list.",
        ));
    }
    let recorded = inspections::record_outcome(
        conn,
        id,
        &OutcomeFields {
            visited_at: Some(outcome.visited_at),
            result: Some(outcome.result),
            persons_found: outcome.persons_found.map(saturating_i32),
            bedrooms_found: outcome.bedrooms_found.map(saturating_i32),
            notes: outcome.notes,
            recorded_by: Some(actor.subject.clone()),
        },
    )?;
    if let Some(bedrooms) = outcome.bedrooms_found {
        let address = addresses::find(conn, inspection.address_id)?
            .ok_or_else(|| ApiError::not_found("address", inspection.address_id))?;
        let mut fields = address.fields();
        fields.bedrooms = Some(saturating_i32(bedrooms));
        addresses::update(conn, address.id, &fields)?;
    }
    actor.record(
        conn,
        AuditAction::InspectionOutcome,
        format!("inspections/{id}"),
        PURPOSE,
    )?;
    evaluation::reevaluate_addresses(conn, rules, &[inspection.address_id])?;
    Ok(recorded)
}

fn saturating_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// E-mails a list to `to` with its CSV attached, through the outbox in the
/// caller's transaction.
pub fn mail_list(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    to: &str,
) -> Result<i64, ApiError> {
    let list = read_list(conn, actor, id)?;
    let attachment = crate::registry::list_exports::csv(&list).map_err(ApiError::internal)?;
    let body = format!(
        "Inspection list {id} for {} on {}: {} visits, {:.1} km walking.\n\
         The visits in route order are in the attached CSV.\n",
        list.list.inspector,
        list.list.planned_for,
        list.visits.len(),
        list.list.total_distance_m / 1_000.0,
    );
    let message = crate::db::outbox::insert(
        conn,
        &crate::db::outbox::NewOutboxMessage {
            recipient: to.to_owned(),
            subject: format!("Inspection list {} ({})", list.list.planned_for, id),
            body,
            attachment_name: Some(format!("inspection-list-{id}.csv")),
            attachment_content_type: Some("text/csv; charset=utf-8".to_owned()),
            attachment: Some(attachment),
        },
    )?;
    actor.record(
        conn,
        AuditAction::InspectionListMail,
        format!("inspection-lists/{id}"),
        PURPOSE,
    )?;
    Ok(message.id)
}
