//! Queries on `housing_provisions`: which organisation owns, lets or
//! manages an address, and when.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::organisations::Organisation;
use crate::db::schema::{housing_provisions, organisations};
use crate::db::{DbConnection, now};
use crate::domain::ProvisionRole;

/// A stored link between an address and a landlord organisation.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = housing_provisions)]
pub struct HousingProvision {
    /// Row id.
    pub id: i64,
    /// The address.
    pub address_id: i64,
    /// The landlord organisation.
    pub organisation_id: i64,
    /// How the landlord is linked.
    pub role: ProvisionRole,
    /// First day of the provision.
    pub start_date: NaiveDate,
    /// Last day, when it has ended.
    pub end_date: Option<NaiveDate>,
    /// The declaration that recorded it, if any.
    pub declaration_id: Option<i64>,
    /// When the row was created.
    pub created_at: chrono::NaiveDateTime,
}

/// A new link between an address and a landlord.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = housing_provisions, treat_none_as_default_value = false)]
pub struct NewHousingProvision {
    /// The address.
    pub address_id: i64,
    /// The landlord organisation.
    pub organisation_id: i64,
    /// How the landlord is linked.
    pub role: ProvisionRole,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: Option<NaiveDate>,
    /// The declaration that recorded it, if any.
    pub declaration_id: Option<i64>,
}

/// Stores a new link.
pub fn insert(conn: &mut DbConnection, new: &NewHousingProvision) -> QueryResult<HousingProvision> {
    diesel::insert_into(housing_provisions::table)
        .values((new, housing_provisions::created_at.eq(now())))
        .returning(housing_provisions::all_columns)
        .get_result(conn)
}

/// Stores new housing provisions in multi-row statements; returns how many.
pub fn insert_many(conn: &mut DbConnection, rows: &[NewHousingProvision]) -> QueryResult<usize> {
    let at = now();
    Ok(insert_rows!(conn, housing_provisions::table, rows, |row| (
        row,
        housing_provisions::created_at.eq(at)
    )))
}

/// Every landlord link of an address with its organisation, oldest first.
pub fn for_address(
    conn: &mut DbConnection,
    address_id: i64,
) -> QueryResult<Vec<(HousingProvision, Organisation)>> {
    housing_provisions::table
        .inner_join(organisations::table)
        .filter(housing_provisions::address_id.eq(address_id))
        .order((housing_provisions::start_date, housing_provisions::id))
        .select((HousingProvision::as_select(), Organisation::as_select()))
        .load(conn)
}

/// Sets the address, landlord and dates of the provision a declaration
/// recorded.
pub fn update_for_declaration(
    conn: &mut DbConnection,
    declaration_id: i64,
    new: &NewHousingProvision,
) -> QueryResult<usize> {
    diesel::update(
        housing_provisions::table.filter(housing_provisions::declaration_id.eq(declaration_id)),
    )
    .set((
        housing_provisions::address_id.eq(new.address_id),
        housing_provisions::organisation_id.eq(new.organisation_id),
        housing_provisions::start_date.eq(new.start_date),
        housing_provisions::end_date.eq(new.end_date),
    ))
    .execute(conn)
}

/// Removes the provision a withdrawn declaration recorded.
pub fn delete_for_declaration(conn: &mut DbConnection, declaration_id: i64) -> QueryResult<usize> {
    diesel::delete(
        housing_provisions::table.filter(housing_provisions::declaration_id.eq(declaration_id)),
    )
    .execute(conn)
}
