//! Set-based queries for the BRP extract: the registered residents are
//! read and written in bulk (a few queries per thousand rows), never one
//! round trip per resident.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::occupancies::current_on;
use crate::db::schema::{addresses, occupancies, people};
use crate::domain::{Bsn, OccupancySource};

/// Rows per multi-row statement: well under both backends' limits on
/// bound parameters.
const CHUNK: usize = 1_000;

/// A current registration: an occupancy with source `registry` and no end.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Registration {
    /// The occupancy's id.
    pub id: i64,
    /// The resident.
    pub person_id: i64,
    /// The address.
    pub address_id: i64,
    /// Registered since.
    pub start_date: NaiveDate,
    /// Household key.
    pub household: Option<String>,
}

/// A resident to store: only what the rules and the dossier need.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = people, treat_none_as_default_value = false)]
pub struct NewResident {
    /// BSN (always present for a registered resident).
    pub bsn: Option<Bsn>,
    /// Family name.
    pub family_name: String,
    /// Given names.
    pub given_names: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// When the row was created.
    pub created_at: NaiveDateTime,
    /// When the row last changed.
    pub updated_at: NaiveDateTime,
}

/// A registration to store.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = occupancies, treat_none_as_default_value = false)]
pub struct NewRegistration {
    /// The resident.
    pub person_id: i64,
    /// The address.
    pub address_id: i64,
    /// Registered since.
    pub start_date: NaiveDate,
    /// Household key.
    pub household: Option<String>,
    /// Always `registry`.
    pub source: OccupancySource,
    /// When the row was created.
    pub created_at: NaiveDateTime,
}

/// Every address's id by its natural key (postcode, number, letter,
/// addition; absent letter and addition as empty text).
pub fn address_ids_by_key(
    conn: &mut DbConnection,
) -> QueryResult<HashMap<(String, i32, String, String), i64>> {
    let rows: Vec<(i64, String, i32, String, String)> = addresses::table
        .select((
            addresses::id,
            addresses::postcode,
            addresses::house_number,
            addresses::house_letter,
            addresses::house_number_addition,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, postcode, number, letter, addition)| ((postcode, number, letter, addition), id))
        .collect())
}

/// The id of every person with a BSN, by BSN.
pub fn person_ids_by_bsn(conn: &mut DbConnection) -> QueryResult<HashMap<String, i64>> {
    let rows: Vec<(i64, Option<String>)> = people::table
        .filter(people::bsn.is_not_null())
        .select((people::id, people::bsn))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, bsn)| bsn.map(|b| (b, id)))
        .collect())
}

/// Every registration without an end.
pub fn current(conn: &mut DbConnection) -> QueryResult<Vec<Registration>> {
    occupancies::table
        .filter(occupancies::source.eq(OccupancySource::Registry))
        .filter(occupancies::end_date.is_null())
        .select((
            occupancies::id,
            occupancies::person_id,
            occupancies::address_id,
            occupancies::start_date,
            occupancies::household,
        ))
        .order(occupancies::id)
        .load(conn)
}

/// Stores new residents and returns their ids by BSN.
pub fn insert_residents(
    conn: &mut DbConnection,
    residents: &[NewResident],
) -> QueryResult<HashMap<String, i64>> {
    let mut ids = HashMap::with_capacity(residents.len());
    for chunk in residents.chunks(CHUNK) {
        let rows = chunk.to_vec();
        match conn {
            DbConnection::Sqlite(c) => {
                diesel::insert_into(people::table).values(rows).execute(c)?
            }
            DbConnection::Postgresql(c) => {
                diesel::insert_into(people::table).values(rows).execute(c)?
            }
        };
        let bsns: Vec<&str> = chunk
            .iter()
            .filter_map(|r| r.bsn.as_ref().map(Bsn::as_str))
            .collect();
        let stored: Vec<(i64, Option<String>)> = people::table
            .filter(people::bsn.eq_any(bsns))
            .select((people::id, people::bsn))
            .load(conn)?;
        ids.extend(
            stored
                .into_iter()
                .filter_map(|(id, bsn)| bsn.map(|b| (b, id))),
        );
    }
    Ok(ids)
}

/// Stores new registrations.
pub fn insert(conn: &mut DbConnection, registrations: &[NewRegistration]) -> QueryResult<usize> {
    let mut inserted = 0;
    for chunk in registrations.chunks(CHUNK) {
        let rows = chunk.to_vec();
        inserted += match conn {
            DbConnection::Sqlite(c) => diesel::insert_into(occupancies::table)
                .values(rows)
                .execute(c)?,
            DbConnection::Postgresql(c) => diesel::insert_into(occupancies::table)
                .values(rows)
                .execute(c)?,
        };
    }
    Ok(inserted)
}

/// Ends these occupancies: `last_day` is the last day they count.
pub fn end(conn: &mut DbConnection, ids: &[i64], last_day: NaiveDate) -> QueryResult<usize> {
    let mut ended = 0;
    for chunk in ids.chunks(CHUNK) {
        ended += diesel::update(occupancies::table.filter(occupancies::id.eq_any(chunk)))
            .set(occupancies::end_date.eq(last_day))
            .execute(conn)?;
    }
    Ok(ended)
}

/// The addresses where any of these people has a declared occupancy (ended
/// ones too: re-evaluating one address too many is harmless).
pub fn declared_addresses_of(conn: &mut DbConnection, person_ids: &[i64]) -> QueryResult<Vec<i64>> {
    let mut ids = Vec::new();
    for chunk in person_ids.chunks(CHUNK) {
        let found: Vec<i64> = occupancies::table
            .filter(occupancies::source.eq(OccupancySource::Declaration))
            .filter(occupancies::person_id.eq_any(chunk))
            .select(occupancies::address_id)
            .distinct()
            .load(conn)?;
        ids.extend(found);
    }
    Ok(ids)
}

/// Corrects the first day and household of one registration.
pub fn correct(
    conn: &mut DbConnection,
    id: i64,
    start_date: NaiveDate,
    household: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(occupancies::table.find(id))
        .set((
            occupancies::start_date.eq(start_date),
            occupancies::household.eq(household),
        ))
        .execute(conn)
}

/// The people living at an address on `day`: registered in the BRP,
/// declared by an agency, and both together with each person once.
pub fn counts_at_address(
    conn: &mut DbConnection,
    address_id: i64,
    day: NaiveDate,
) -> QueryResult<(usize, usize, usize)> {
    let rows: Vec<(i64, OccupancySource)> = occupancies::table
        .filter(occupancies::address_id.eq(address_id))
        .filter(current_on(day))
        .select((occupancies::person_id, occupancies::source))
        .load(conn)?;
    let distinct = |source: Option<OccupancySource>| {
        let mut ids: Vec<i64> = rows
            .iter()
            .filter(|(_, s)| source.is_none_or(|wanted| *s == wanted))
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    };
    Ok((
        distinct(Some(OccupancySource::Registry)),
        distinct(Some(OccupancySource::Declaration)),
        distinct(None),
    ))
}
