//! Queries on `employments`: who employs whom, from when until when.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::employments;
use crate::db::{DbConnection, now};

/// The condition that an employment is current on `day` (begun, and not
/// ended before it), for the queries that need it.
#[diesel::dsl::auto_type(no_type_alias)]
pub fn current_on(day: NaiveDate) -> _ {
    employments::start_date.le(day).and(
        employments::end_date
            .is_null()
            .or(employments::end_date.ge(day)),
    )
}

/// A stored employment.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = employments)]
pub struct Employment {
    /// Row id.
    pub id: i64,
    /// The employee.
    pub person_id: i64,
    /// The employer.
    pub organisation_id: i64,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day, when ended.
    pub end_date: Option<NaiveDate>,
    /// The declaration that recorded it, if any.
    pub declaration_id: Option<i64>,
    /// When the row was created.
    pub created_at: chrono::NaiveDateTime,
}

/// A new employment.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = employments, treat_none_as_default_value = false)]
pub struct NewEmployment {
    /// The employee.
    pub person_id: i64,
    /// The employer.
    pub organisation_id: i64,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: Option<NaiveDate>,
    /// The declaration that recorded it.
    pub declaration_id: Option<i64>,
}

/// Stores a new employment.
pub fn insert(conn: &mut DbConnection, new: &NewEmployment) -> QueryResult<Employment> {
    diesel::insert_into(employments::table)
        .values((new, employments::created_at.eq(now())))
        .returning(employments::all_columns)
        .get_result(conn)
}

/// Stores new employments in multi-row statements; returns how many.
pub fn insert_many(conn: &mut DbConnection, rows: &[NewEmployment]) -> QueryResult<usize> {
    let at = now();
    Ok(insert_rows!(conn, employments::table, rows, |row| (
        row,
        employments::created_at.eq(at)
    )))
}

/// Sets the employee and dates of the employment a declaration recorded.
pub fn update_for_declaration(
    conn: &mut DbConnection,
    declaration_id: i64,
    person_id: i64,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
) -> QueryResult<usize> {
    diesel::update(employments::table.filter(employments::declaration_id.eq(declaration_id)))
        .set((
            employments::person_id.eq(person_id),
            employments::start_date.eq(start_date),
            employments::end_date.eq(end_date),
        ))
        .execute(conn)
}

/// Every employment of a person, oldest first.
pub fn for_person(conn: &mut DbConnection, person_id: i64) -> QueryResult<Vec<Employment>> {
    employments::table
        .filter(employments::person_id.eq(person_id))
        .order((employments::start_date, employments::id))
        .select(Employment::as_select())
        .load(conn)
}

/// Removes the employment a withdrawn declaration recorded.
pub fn delete_for_declaration(conn: &mut DbConnection, declaration_id: i64) -> QueryResult<usize> {
    diesel::delete(employments::table.filter(employments::declaration_id.eq(declaration_id)))
        .execute(conn)
}
