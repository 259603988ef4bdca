//! Queries on `declarations`, the agencies' housing declarations.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::declarations;
use crate::db::{DbConnection, MAX_IDS_PER_QUERY, Page, ROWS_PER_INSERT, now};
use crate::domain::{Bsn, DeclarationStatus};

/// A stored declaration.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = declarations)]
pub struct Declaration {
    /// Row id.
    pub id: i64,
    /// The filing agency.
    pub agency_id: i64,
    /// The worker.
    pub person_id: i64,
    /// Where the worker lives.
    pub address_id: i64,
    /// Who lets the dwelling.
    pub landlord_id: i64,
    /// Household label.
    pub household: Option<String>,
    /// First day at the address.
    pub start_date: NaiveDate,
    /// Last day, when known.
    pub end_date: Option<NaiveDate>,
    /// Rent per month in euro cents.
    pub rent_per_month_cents: Option<i64>,
    /// Whether the rent is deducted from wages.
    pub rent_deducted_from_wages: bool,
    /// Whether the lease is separate from the work contract.
    pub separate_rental_contract: bool,
    /// Where it stands.
    pub status: DeclarationStatus,
    /// The agency's key for safe retries.
    pub idempotency_key: Option<String>,
    /// The `sub` of the token that filed it.
    pub filed_by: String,
    /// When it was filed.
    pub filed_at: chrono::NaiveDateTime,
    /// When it last changed.
    pub updated_at: chrono::NaiveDateTime,
    /// The worker's BSN as declared.
    pub worker_bsn: Option<Bsn>,
    /// The worker's family name as declared.
    pub worker_family_name: String,
    /// The worker's given names as declared.
    pub worker_given_names: String,
    /// The worker's date of birth as declared.
    pub worker_date_of_birth: NaiveDate,
    /// The worker's nationality as declared; no rule reads it.
    pub worker_nationality: Option<String>,
}

/// The fields a filing or an amendment sets. A `None` is stored as `NULL`
/// (no column of these has another default), so that many declarations go
/// into one multi-row `INSERT`.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, AsChangeset)]
#[diesel(
    table_name = declarations,
    treat_none_as_null = true,
    treat_none_as_default_value = false
)]
pub struct DeclarationFields {
    /// The worker.
    pub person_id: i64,
    /// The address.
    pub address_id: i64,
    /// The landlord.
    pub landlord_id: i64,
    /// Household label.
    pub household: Option<String>,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: Option<NaiveDate>,
    /// Rent in cents.
    pub rent_per_month_cents: Option<i64>,
    /// Rent deducted from wages.
    pub rent_deducted_from_wages: bool,
    /// Separate lease.
    pub separate_rental_contract: bool,
    /// Status after this change.
    pub status: DeclarationStatus,
    /// The worker's BSN as declared.
    pub worker_bsn: Option<Bsn>,
    /// The worker's family name as declared.
    pub worker_family_name: String,
    /// The worker's given names as declared.
    pub worker_given_names: String,
    /// The worker's date of birth as declared.
    pub worker_date_of_birth: NaiveDate,
    /// The worker's nationality as declared.
    pub worker_nationality: Option<String>,
}

/// Who filed, and under which retry key.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = declarations, treat_none_as_default_value = false)]
pub struct Filing {
    /// The agency.
    pub agency_id: i64,
    /// The retry key.
    pub idempotency_key: Option<String>,
    /// The token's subject.
    pub filed_by: String,
}

/// Filters of the declaration list; `None` does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeclarationFilter {
    /// Only this agency's.
    pub agency_id: Option<i64>,
    /// Only with this status.
    pub status: Option<DeclarationStatus>,
    /// Only for this address.
    pub address_id: Option<i64>,
    /// Only those in force on this day.
    pub active_on: Option<NaiveDate>,
}

/// Stores a new declaration.
pub fn insert(
    conn: &mut DbConnection,
    filing: &Filing,
    fields: &DeclarationFields,
) -> QueryResult<Declaration> {
    let now = now();
    diesel::insert_into(declarations::table)
        .values((
            filing,
            fields,
            declarations::filed_at.eq(now),
            declarations::updated_at.eq(now),
        ))
        .returning(declarations::all_columns)
        .get_result(conn)
}

/// Stores new declarations in multi-row statements and returns them in the
/// order given. Each stored row is told apart by what was written; rows
/// written alike are handed out in id order, the order they were inserted.
pub fn insert_many(
    conn: &mut DbConnection,
    rows: &[(Filing, DeclarationFields)],
) -> QueryResult<Vec<Declaration>> {
    if let [(filing, fields)] = rows {
        // One declaration (a single filing): the statement the connection
        // keeps.
        return insert(conn, filing, fields).map(|declaration| vec![declaration]);
    }
    let now = now();
    let mut stored: Vec<Declaration> = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(filing, fields)| {
                (
                    filing,
                    fields,
                    declarations::filed_at.eq(now),
                    declarations::updated_at.eq(now),
                )
            })
            .collect();
        let query = diesel::insert_into(declarations::table).values(values);
        stored.extend(match conn {
            DbConnection::Sqlite(c) => query
                .returning(declarations::all_columns)
                .get_results::<Declaration>(c)?,
            DbConnection::Postgresql(c) => query
                .returning(declarations::all_columns)
                .get_results::<Declaration>(c)?,
        });
    }
    stored.sort_unstable_by_key(|d| d.id);
    let mut unclaimed: std::collections::HashMap<(i64, i64, i64), Vec<Declaration>> =
        std::collections::HashMap::new();
    for declaration in stored.into_iter().rev() {
        let key = (
            declaration.agency_id,
            declaration.person_id,
            declaration.address_id,
        );
        unclaimed.entry(key).or_default().push(declaration);
    }
    rows.iter()
        .map(|(filing, fields)| {
            let candidates = unclaimed
                .get_mut(&(filing.agency_id, fields.person_id, fields.address_id))
                .ok_or(diesel::result::Error::NotFound)?;
            let position = candidates
                .iter()
                .rposition(|d| is_written_from(d, filing, fields))
                .ok_or(diesel::result::Error::NotFound)?;
            Ok(candidates.remove(position))
        })
        .collect()
}

/// Whether a stored declaration is the one written with these values.
fn is_written_from(stored: &Declaration, filing: &Filing, fields: &DeclarationFields) -> bool {
    stored.agency_id == filing.agency_id
        && stored.idempotency_key == filing.idempotency_key
        && stored.filed_by == filing.filed_by
        && stored.person_id == fields.person_id
        && stored.address_id == fields.address_id
        && stored.landlord_id == fields.landlord_id
        && stored.household == fields.household
        && stored.start_date == fields.start_date
        && stored.end_date == fields.end_date
        && stored.rent_per_month_cents == fields.rent_per_month_cents
        && stored.rent_deducted_from_wages == fields.rent_deducted_from_wages
        && stored.separate_rental_contract == fields.separate_rental_contract
        && stored.status == fields.status
        && stored.worker_bsn == fields.worker_bsn
        && stored.worker_family_name == fields.worker_family_name
        && stored.worker_given_names == fields.worker_given_names
        && stored.worker_date_of_birth == fields.worker_date_of_birth
        && stored.worker_nationality == fields.worker_nationality
}

/// Replaces the fields of the declaration with this id.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    fields: &DeclarationFields,
) -> QueryResult<Declaration> {
    diesel::update(declarations::table.find(id))
        .set((fields, declarations::updated_at.eq(now())))
        .returning(declarations::all_columns)
        .get_result(conn)
}

/// Sets the status of the declaration with this id.
pub fn set_status(
    conn: &mut DbConnection,
    id: i64,
    status: DeclarationStatus,
) -> QueryResult<Declaration> {
    diesel::update(declarations::table.find(id))
        .set((
            declarations::status.eq(status),
            declarations::updated_at.eq(now()),
        ))
        .returning(declarations::all_columns)
        .get_result(conn)
}

/// The declaration with this id.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Declaration>> {
    declarations::table
        .find(id)
        .select(Declaration::as_select())
        .get_result(conn)
        .optional()
}

/// The declaration an agency filed under this retry key.
pub fn find_by_idempotency_key(
    conn: &mut DbConnection,
    agency_id: i64,
    key: &str,
) -> QueryResult<Option<Declaration>> {
    declarations::table
        .filter(declarations::agency_id.eq(agency_id))
        .filter(declarations::idempotency_key.eq(key))
        .select(Declaration::as_select())
        .get_result(conn)
        .optional()
}

/// The declarations an agency filed under these retry keys.
pub fn find_by_idempotency_keys(
    conn: &mut DbConnection,
    agency_id: i64,
    keys: &[&str],
) -> QueryResult<Vec<Declaration>> {
    let mut found = Vec::new();
    for chunk in keys.chunks(MAX_IDS_PER_QUERY) {
        found.extend(
            declarations::table
                .filter(declarations::agency_id.eq(agency_id))
                .filter(declarations::idempotency_key.eq_any(chunk.iter().copied()))
                .select(Declaration::as_select())
                .load(conn)?,
        );
    }
    Ok(found)
}

fn filtered(
    filter: &DeclarationFilter,
) -> declarations::BoxedQuery<'static, crate::db::connection::MultiBackend> {
    let mut query = declarations::table.into_boxed();
    if let Some(agency_id) = filter.agency_id {
        query = query.filter(declarations::agency_id.eq(agency_id));
    }
    if let Some(status) = &filter.status {
        query = query.filter(declarations::status.eq(*status));
    }
    if let Some(address_id) = filter.address_id {
        query = query.filter(declarations::address_id.eq(address_id));
    }
    if let Some(day) = filter.active_on {
        query = query
            .filter(declarations::start_date.le(day))
            .filter(
                declarations::end_date
                    .is_null()
                    .or(declarations::end_date.ge(day)),
            )
            .filter(declarations::status.ne(DeclarationStatus::Withdrawn));
    }
    query
}

/// One page of declarations matching `filter`, newest first, and the total.
pub fn list(
    conn: &mut DbConnection,
    filter: &DeclarationFilter,
    page: Page,
) -> QueryResult<(Vec<Declaration>, i64)> {
    let total = filtered(filter).count().get_result(conn)?;
    let items = filtered(filter)
        .order(declarations::id.desc())
        .limit(page.size)
        .offset(page.offset())
        .select(Declaration::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// Every declaration about a person, oldest first.
pub fn for_person(conn: &mut DbConnection, person_id: i64) -> QueryResult<Vec<Declaration>> {
    declarations::table
        .filter(declarations::person_id.eq(person_id))
        .order(declarations::id)
        .select(Declaration::as_select())
        .load(conn)
}
