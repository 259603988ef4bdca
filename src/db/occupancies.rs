//! Queries on `occupancies`: who lives where, from when until when, in
//! which household.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::occupancies;
use crate::db::{DbConnection, now};
use crate::domain::OccupancySource;

/// A stored occupancy.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = occupancies)]
pub struct Occupancy {
    /// Row id.
    pub id: i64,
    /// The occupant.
    pub person_id: i64,
    /// The address.
    pub address_id: i64,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day, when ended.
    pub end_date: Option<NaiveDate>,
    /// Household label; the same label at one address is one household.
    pub household: Option<String>,
    /// Where the fact comes from.
    pub source: OccupancySource,
    /// The declaration that recorded it, if any.
    pub declaration_id: Option<i64>,
    /// When the row was created.
    pub created_at: chrono::NaiveDateTime,
}

/// A new occupancy.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = occupancies, treat_none_as_default_value = false)]
pub struct NewOccupancy {
    /// The occupant.
    pub person_id: i64,
    /// The address.
    pub address_id: i64,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: Option<NaiveDate>,
    /// Household label.
    pub household: Option<String>,
    /// Where the fact comes from.
    pub source: OccupancySource,
    /// The declaration that recorded it.
    pub declaration_id: Option<i64>,
}

/// Stores a new occupancy.
pub fn insert(conn: &mut DbConnection, new: &NewOccupancy) -> QueryResult<Occupancy> {
    diesel::insert_into(occupancies::table)
        .values((new, occupancies::created_at.eq(now())))
        .returning(occupancies::all_columns)
        .get_result(conn)
}

/// Stores new occupancies in multi-row statements; returns how many.
pub fn insert_many(conn: &mut DbConnection, rows: &[NewOccupancy]) -> QueryResult<usize> {
    let at = now();
    Ok(insert_rows!(conn, occupancies::table, rows, |row| (
        row,
        occupancies::created_at.eq(at)
    )))
}

/// Sets the occupant, address, dates and household of the occupancy a
/// declaration recorded.
pub fn update_for_declaration(
    conn: &mut DbConnection,
    declaration_id: i64,
    new: &NewOccupancy,
) -> QueryResult<usize> {
    diesel::update(occupancies::table.filter(occupancies::declaration_id.eq(declaration_id)))
        .set((
            occupancies::person_id.eq(new.person_id),
            occupancies::address_id.eq(new.address_id),
            occupancies::start_date.eq(new.start_date),
            occupancies::end_date.eq(new.end_date),
            occupancies::household.eq(&new.household),
        ))
        .execute(conn)
}

/// Removes the occupancy a withdrawn declaration recorded: a withdrawn
/// declaration never was true, so its occupancy does not count.
pub fn delete_for_declaration(conn: &mut DbConnection, declaration_id: i64) -> QueryResult<usize> {
    diesel::delete(occupancies::table.filter(occupancies::declaration_id.eq(declaration_id)))
        .execute(conn)
}

/// Every occupancy of a person, oldest first.
pub fn for_person(conn: &mut DbConnection, person_id: i64) -> QueryResult<Vec<Occupancy>> {
    occupancies::table
        .filter(occupancies::person_id.eq(person_id))
        .order((occupancies::start_date, occupancies::id))
        .select(Occupancy::as_select())
        .load(conn)
}

/// The condition that an occupancy is current on `day` (begun, and not
/// ended before it), for the queries that need it.
#[diesel::dsl::auto_type(no_type_alias)]
pub fn current_on(day: NaiveDate) -> _ {
    occupancies::start_date.le(day).and(
        occupancies::end_date
            .is_null()
            .or(occupancies::end_date.ge(day)),
    )
}

/// The occupancies of an address that are current on `day`.
pub fn current_at_address(
    conn: &mut DbConnection,
    address_id: i64,
    day: NaiveDate,
) -> QueryResult<Vec<Occupancy>> {
    occupancies::table
        .filter(occupancies::address_id.eq(address_id))
        .filter(current_on(day))
        .order(occupancies::id)
        .select(Occupancy::as_select())
        .load(conn)
}

/// Who lives where on `day`: address and person of each current
/// occupancy (a person may be there by more than one source), in address
/// order, read from the index on occupancies by address alone.
pub fn current_residents(conn: &mut DbConnection, day: NaiveDate) -> QueryResult<Vec<(i64, i64)>> {
    let query = occupancies::table
        .filter(current_on(day))
        .select((occupancies::address_id, occupancies::person_id))
        .order(occupancies::address_id);
    on_backend!(conn, |c| query.load(c))
}
