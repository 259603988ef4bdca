//! Queries on `organisations`: agencies, landlords and their groups.

use diesel::prelude::*;

use crate::db::schema::organisations;
use crate::db::{DbConnection, Page, load_in_chunks, now};

/// A stored organisation.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    /// Row id.
    pub id: i64,
    /// KvK number, 8 digits.
    pub kvk_number: String,
    /// Trade name.
    pub name: String,
    /// Whether it is a temp agency.
    pub is_agency: bool,
    /// Whether it lets dwellings.
    pub is_landlord: bool,
    /// The KvK number of its parent (group, holding).
    pub parent_kvk_number: Option<String>,
    /// Whether it holds SNA / Wtta certification.
    pub is_certified: bool,
    /// Where receipts are sent.
    pub contact_email: Option<String>,
    /// When the row was created.
    pub created_at: chrono::NaiveDateTime,
    /// When the row last changed.
    pub updated_at: chrono::NaiveDateTime,
}

/// Every field of an organisation that a user sets.
#[derive(Debug, Clone, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = organisations, treat_none_as_null = true)]
pub struct OrganisationFields {
    /// KvK number.
    pub kvk_number: String,
    /// Trade name.
    pub name: String,
    /// Whether it is a temp agency.
    pub is_agency: bool,
    /// Whether it lets dwellings.
    pub is_landlord: bool,
    /// Parent KvK number.
    pub parent_kvk_number: Option<String>,
    /// Certification.
    pub is_certified: bool,
    /// Contact e-mail.
    pub contact_email: Option<String>,
}

impl Organisation {
    /// The fields of this organisation as they would be written again.
    pub fn fields(&self) -> OrganisationFields {
        OrganisationFields {
            kvk_number: self.kvk_number.clone(),
            name: self.name.clone(),
            is_agency: self.is_agency,
            is_landlord: self.is_landlord,
            parent_kvk_number: self.parent_kvk_number.clone(),
            is_certified: self.is_certified,
            contact_email: self.contact_email.clone(),
        }
    }
}

/// One page of organisations, optionally only the one with `kvk_number`.
pub fn list(
    conn: &mut DbConnection,
    kvk_number: Option<&str>,
    page: Page,
) -> QueryResult<(Vec<Organisation>, i64)> {
    let filtered = || {
        let mut query = organisations::table.into_boxed();
        if let Some(kvk) = kvk_number {
            query = query.filter(organisations::kvk_number.eq(kvk.to_owned()));
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let items = filtered()
        .order(organisations::id)
        .limit(page.size)
        .offset(page.offset())
        .select(Organisation::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// The organisation with this id.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Organisation>> {
    organisations::table
        .find(id)
        .select(Organisation::as_select())
        .get_result(conn)
        .optional()
}

/// The organisation with this KvK number.
pub fn find_by_kvk(conn: &mut DbConnection, kvk_number: &str) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(organisations::kvk_number.eq(kvk_number))
        .select(Organisation::as_select())
        .get_result(conn)
        .optional()
}

/// Stores a new organisation.
pub fn insert(conn: &mut DbConnection, fields: &OrganisationFields) -> QueryResult<Organisation> {
    let now = now();
    diesel::insert_into(organisations::table)
        .values((
            fields,
            organisations::created_at.eq(now),
            organisations::updated_at.eq(now),
        ))
        .returning(organisations::all_columns)
        .get_result(conn)
}

/// Replaces every user-set field of the organisation with this id.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    fields: &OrganisationFields,
) -> QueryResult<Organisation> {
    diesel::update(organisations::table.find(id))
        .set((fields, organisations::updated_at.eq(now())))
        .returning(organisations::all_columns)
        .get_result(conn)
}

/// Records that the organisation lets dwellings.
pub fn mark_landlord(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::update(organisations::table.find(id))
        .filter(organisations::is_landlord.eq(false))
        .set((
            organisations::is_landlord.eq(true),
            organisations::updated_at.eq(now()),
        ))
        .execute(conn)
        .map(drop)
}

/// The organisations with these ids.
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Organisation>> {
    load_in_chunks(ids, |chunk| {
        organisations::table
            .filter(organisations::id.eq_any(chunk))
            .select(Organisation::as_select())
            .load(conn)
    })
}

/// Addresses these organisations let (now or before) or whose occupants
/// they employ (now or before).
pub fn linked_addresses(
    conn: &mut DbConnection,
    organisation_ids: &[i64],
) -> QueryResult<Vec<i64>> {
    use crate::db::schema::{employments, housing_provisions, occupancies};

    let mut ids: Vec<i64> = load_in_chunks(organisation_ids, |chunk| {
        housing_provisions::table
            .filter(housing_provisions::organisation_id.eq_any(chunk))
            .select(housing_provisions::address_id)
            .load(conn)
    })?;
    let mut employed: Vec<i64> = load_in_chunks(organisation_ids, |chunk| {
        employments::table
            .filter(employments::organisation_id.eq_any(chunk))
            .select(employments::person_id)
            .load(conn)
    })?;
    employed.sort_unstable();
    employed.dedup();
    ids.extend(load_in_chunks(&employed, |chunk| {
        occupancies::table
            .filter(occupancies::person_id.eq_any(chunk))
            .select(occupancies::address_id)
            .load::<i64>(conn)
    })?);
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}
