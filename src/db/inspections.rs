//! Queries on `inspection_lists` and `inspections`: planned walking lists,
//! their visits in route order with a snapshot of the signals at planning
//! time, and what each visit found.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::addresses::Address;
use crate::db::schema::{addresses, inspection_lists, inspections};
use crate::db::{DbConnection, Page, now};
use crate::domain::InspectionResult;

/// A stored inspection list.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = inspection_lists)]
pub struct InspectionList {
    /// Row id.
    pub id: i64,
    /// The day of the walk.
    pub planned_for: NaiveDate,
    /// The inspector's token subject.
    pub inspector: String,
    /// The planning request, as JSON text.
    pub parameters: String,
    /// The whole walk, in metres.
    pub total_distance_m: f64,
    /// Who planned it.
    pub created_by: String,
    /// When it was planned.
    pub created_at: NaiveDateTime,
}

/// A new inspection list.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = inspection_lists)]
pub struct NewInspectionList {
    /// The day of the walk.
    pub planned_for: NaiveDate,
    /// The inspector's token subject.
    pub inspector: String,
    /// The planning request, as JSON text.
    pub parameters: String,
    /// The whole walk, in metres.
    pub total_distance_m: f64,
    /// Who planned it.
    pub created_by: String,
}

/// A stored inspection: a planned visit and, once made, what it found.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = inspections)]
pub struct Inspection {
    /// Row id.
    pub id: i64,
    /// The list it is on.
    pub inspection_list_id: Option<i64>,
    /// The address visited.
    pub address_id: i64,
    /// Its place in the route, from 1.
    pub route_order: i32,
    /// The walk from the stop before, in metres.
    pub leg_distance_m: f64,
    /// The address's risk score at planning time.
    pub risk_score: i32,
    /// The open signals at planning time, as JSON text.
    pub signals_snapshot: String,
    /// When the visit took place.
    pub visited_at: Option<NaiveDateTime>,
    /// What it found.
    pub result: Option<InspectionResult>,
    /// People found living there.
    pub persons_found: Option<i32>,
    /// Bedrooms found.
    pub bedrooms_found: Option<i32>,
    /// The inspector's notes.
    pub notes: Option<String>,
    /// Who recorded the outcome.
    pub recorded_by: Option<String>,
    /// When it was planned.
    pub created_at: NaiveDateTime,
}

/// A newly planned visit.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = inspections)]
pub struct NewInspection {
    /// The list it is on.
    pub inspection_list_id: Option<i64>,
    /// The address.
    pub address_id: i64,
    /// Its place in the route, from 1.
    pub route_order: i32,
    /// The walk from the stop before, in metres.
    pub leg_distance_m: f64,
    /// The risk score now.
    pub risk_score: i32,
    /// The open signals now, as JSON text.
    pub signals_snapshot: String,
}

/// What a visit found.
#[derive(Debug, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = inspections, treat_none_as_null = true)]
pub struct OutcomeFields {
    /// When the visit took place.
    pub visited_at: Option<NaiveDateTime>,
    /// What it found.
    pub result: Option<InspectionResult>,
    /// People found living there.
    pub persons_found: Option<i32>,
    /// Bedrooms found.
    pub bedrooms_found: Option<i32>,
    /// Notes.
    pub notes: Option<String>,
    /// Who recorded it.
    pub recorded_by: Option<String>,
}

/// Filters of the list of lists; `None` does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only this inspector's.
    pub inspector: Option<String>,
    /// Only for this day.
    pub planned_for: Option<NaiveDate>,
}

/// Stores a new list.
pub fn insert_list(
    conn: &mut DbConnection,
    new: &NewInspectionList,
) -> QueryResult<InspectionList> {
    diesel::insert_into(inspection_lists::table)
        .values((new, inspection_lists::created_at.eq(now())))
        .returning(inspection_lists::all_columns)
        .get_result(conn)
}

/// Stores planned visits, in order.
pub fn insert_inspections(
    conn: &mut DbConnection,
    new: &[NewInspection],
) -> QueryResult<Vec<Inspection>> {
    let at = now();
    new.iter()
        .map(|visit| {
            diesel::insert_into(inspections::table)
                .values((visit, inspections::created_at.eq(at)))
                .returning(inspections::all_columns)
                .get_result(conn)
        })
        .collect()
}

/// The list with this id.
pub fn find_list(conn: &mut DbConnection, id: i64) -> QueryResult<Option<InspectionList>> {
    inspection_lists::table
        .find(id)
        .select(InspectionList::as_select())
        .get_result(conn)
        .optional()
}

/// The visits of a list in route order, with their addresses.
pub fn visits(conn: &mut DbConnection, list_id: i64) -> QueryResult<Vec<(Inspection, Address)>> {
    inspections::table
        .inner_join(addresses::table)
        .filter(inspections::inspection_list_id.eq(list_id))
        .order(inspections::route_order)
        .select((Inspection::as_select(), Address::as_select()))
        .load(conn)
}

fn filtered(
    filter: &ListFilter,
) -> inspection_lists::BoxedQuery<'static, crate::db::connection::MultiBackend> {
    let mut query = inspection_lists::table.into_boxed();
    if let Some(inspector) = &filter.inspector {
        query = query.filter(inspection_lists::inspector.eq(inspector.clone()));
    }
    if let Some(day) = filter.planned_for {
        query = query.filter(inspection_lists::planned_for.eq(day));
    }
    query
}

/// One page of lists matching `filter`, newest day first, and the total.
pub fn list_lists(
    conn: &mut DbConnection,
    filter: &ListFilter,
    page: Page,
) -> QueryResult<(Vec<InspectionList>, i64)> {
    let total = filtered(filter).count().get_result(conn)?;
    let items = filtered(filter)
        .order((
            inspection_lists::planned_for.desc(),
            inspection_lists::id.desc(),
        ))
        .limit(page.size)
        .offset(page.offset())
        .select(InspectionList::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// The number of visits on each of these lists.
pub fn visit_counts(conn: &mut DbConnection, list_ids: &[i64]) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(Option<i64>, i64)> = inspections::table
        .filter(inspections::inspection_list_id.eq_any(list_ids.to_vec()))
        .group_by(inspections::inspection_list_id)
        .select((inspections::inspection_list_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, count)| id.map(|id| (id, count)))
        .collect())
}

/// The inspection with this id.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Inspection>> {
    inspections::table
        .find(id)
        .select(Inspection::as_select())
        .get_result(conn)
        .optional()
}

/// Records what a visit found.
pub fn record_outcome(
    conn: &mut DbConnection,
    id: i64,
    outcome: &OutcomeFields,
) -> QueryResult<Inspection> {
    diesel::update(inspections::table.find(id))
        .set(outcome)
        .returning(inspections::all_columns)
        .get_result(conn)
}

/// Every inspection of an address, the latest visit first, planned ones
/// after.
pub fn for_address(conn: &mut DbConnection, address_id: i64) -> QueryResult<Vec<Inspection>> {
    let mut rows: Vec<Inspection> = inspections::table
        .filter(inspections::address_id.eq(address_id))
        .select(Inspection::as_select())
        .load(conn)?;
    rows.sort_by(|a, b| {
        b.visited_at
            .is_some()
            .cmp(&a.visited_at.is_some())
            .then(b.visited_at.cmp(&a.visited_at))
            .then(b.id.cmp(&a.id))
    });
    Ok(rows)
}

/// The addresses not to plan again: visited at or after `visited_since`,
/// or waiting for a visit on a list for `from_day` or later.
pub fn addresses_not_to_plan(
    conn: &mut DbConnection,
    visited_since: NaiveDateTime,
    from_day: NaiveDate,
) -> QueryResult<HashSet<i64>> {
    let visited: Vec<i64> = inspections::table
        .filter(inspections::visited_at.ge(visited_since))
        .select(inspections::address_id)
        .load(conn)?;
    let waiting: Vec<i64> = inspections::table
        .inner_join(inspection_lists::table)
        .filter(inspections::visited_at.is_null())
        .filter(inspection_lists::planned_for.ge(from_day))
        .select(inspections::address_id)
        .load(conn)?;
    Ok(visited.into_iter().chain(waiting).collect())
}
