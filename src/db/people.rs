//! Queries on `people`. A person is found again by BSN, or, for workers
//! without one yet, by family name, given names and date of birth.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::people;
use crate::db::{DbConnection, load_in_chunks, now};
use crate::domain::Bsn;

/// A stored person. `nationality` is kept because the declaration carries
/// it; no rule, score or plan may read it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = people)]
pub struct Person {
    /// Row id; the only way a person is named in URLs and logs.
    pub id: i64,
    /// BSN, when known; its `Debug` is masked.
    pub bsn: Option<Bsn>,
    /// Family name.
    pub family_name: String,
    /// Given names.
    pub given_names: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// ISO 3166-1 alpha-2 code, as declared.
    pub nationality: Option<String>,
    /// When the row was created.
    pub created_at: chrono::NaiveDateTime,
    /// When the row last changed.
    pub updated_at: chrono::NaiveDateTime,
}

impl Person {
    /// The BSN with all but its last three digits masked, for responses.
    pub fn masked_bsn(&self) -> Option<String> {
        self.bsn.as_ref().map(Bsn::masked)
    }
}

/// Every field of a person that a declaration sets.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, AsChangeset)]
#[diesel(table_name = people, treat_none_as_null = true)]
pub struct PersonFields {
    /// BSN.
    pub bsn: Option<Bsn>,
    /// Family name.
    pub family_name: String,
    /// Given names.
    pub given_names: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// Nationality code.
    pub nationality: Option<String>,
}

/// Whether anything but declaration `declaration_id` names the person:
/// another declaration, or an occupancy from another source.
pub fn is_named_elsewhere(
    conn: &mut DbConnection,
    person_id: i64,
    declaration_id: i64,
) -> QueryResult<bool> {
    use crate::db::schema::{declarations, occupancies};

    let other_declaration = diesel::select(diesel::dsl::exists(
        declarations::table
            .filter(declarations::person_id.eq(person_id))
            .filter(declarations::id.ne(declaration_id)),
    ))
    .get_result::<bool>(conn)?;
    let other_occupancy = diesel::select(diesel::dsl::exists(
        occupancies::table
            .filter(occupancies::person_id.eq(person_id))
            .filter(
                occupancies::declaration_id
                    .is_null()
                    .or(occupancies::declaration_id.ne(declaration_id)),
            ),
    ))
    .get_result::<bool>(conn)?;
    Ok(other_declaration || other_occupancy)
}

/// The person with this id.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Person>> {
    people::table
        .find(id)
        .select(Person::as_select())
        .get_result(conn)
        .optional()
}

/// The person with this BSN.
pub fn find_by_bsn(conn: &mut DbConnection, bsn: &Bsn) -> QueryResult<Option<Person>> {
    people::table
        .filter(people::bsn.eq(bsn))
        .select(Person::as_select())
        .get_result(conn)
        .optional()
}

/// People with exactly these names and date of birth, oldest first.
pub fn find_by_identity(
    conn: &mut DbConnection,
    family_name: &str,
    given_names: &str,
    date_of_birth: NaiveDate,
) -> QueryResult<Vec<Person>> {
    people::table
        .filter(people::family_name.eq(family_name))
        .filter(people::given_names.eq(given_names))
        .filter(people::date_of_birth.eq(date_of_birth))
        .order(people::id)
        .select(Person::as_select())
        .load(conn)
}

/// Stores a new person.
pub fn insert(conn: &mut DbConnection, fields: &PersonFields) -> QueryResult<Person> {
    let now = now();
    diesel::insert_into(people::table)
        .values((
            fields,
            people::created_at.eq(now),
            people::updated_at.eq(now),
        ))
        .returning(people::all_columns)
        .get_result(conn)
}

/// Replaces the fields of the person with this id.
pub fn update(conn: &mut DbConnection, id: i64, fields: &PersonFields) -> QueryResult<Person> {
    diesel::update(people::table.find(id))
        .set((fields, people::updated_at.eq(now())))
        .returning(people::all_columns)
        .get_result(conn)
}

/// The person these fields describe: the one with the same BSN, else one
/// with the same names and date of birth whose BSN does not conflict (a
/// BSN missing on either side does not conflict; a newly known BSN is
/// stored), else a new person.
pub fn find_or_insert(conn: &mut DbConnection, fields: &PersonFields) -> QueryResult<Person> {
    if let Some(bsn) = &fields.bsn
        && let Some(person) = find_by_bsn(conn, bsn)?
    {
        return Ok(person);
    }
    let same_identity = find_by_identity(
        conn,
        &fields.family_name,
        &fields.given_names,
        fields.date_of_birth,
    )?;
    let compatible = same_identity
        .into_iter()
        .find(|p| p.bsn.is_none() || fields.bsn.is_none() || p.bsn == fields.bsn);
    match compatible {
        Some(person) if person.bsn.is_none() && fields.bsn.is_some() => {
            let mut known = fields.clone();
            known.nationality = fields.nationality.clone().or(person.nationality.clone());
            update(conn, person.id, &known)
        }
        Some(person) => Ok(person),
        None => insert(conn, fields),
    }
}

/// The people with these ids.
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Person>> {
    load_in_chunks(ids, |chunk| {
        people::table
            .filter(people::id.eq_any(chunk))
            .select(Person::as_select())
            .load(conn)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use super::*;

    #[test]
    fn the_debug_form_of_a_person_never_shows_the_full_bsn() {
        let at = NaiveDate::from_ymd_opt(2026, 1, 2)
            .unwrap()
            .and_hms_opt(3, 4, 5)
            .unwrap();
        let bsn = Bsn::parse("111222333").unwrap();
        let person = Person {
            id: 7,
            bsn: Some(bsn.clone()),
            family_name: "Jansen".to_owned(),
            given_names: "Piet".to_owned(),
            date_of_birth: NaiveDate::from_ymd_opt(1990, 5, 6).unwrap(),
            nationality: None,
            created_at: at,
            updated_at: at,
        };
        let fields = PersonFields {
            bsn: Some(bsn),
            family_name: person.family_name.clone(),
            given_names: person.given_names.clone(),
            date_of_birth: person.date_of_birth,
            nationality: None,
        };
        for debug in [
            format!("{person:?}"),
            format!("{fields:?}"),
            format!("{person:#?}"),
        ] {
            assert!(!debug.contains("111222333"), "{debug}");
            assert!(!debug.contains("111222"), "{debug}");
            assert!(debug.contains("333"), "{debug}");
        }
        assert_eq!(person.masked_bsn().as_deref(), Some("******333"));
    }
}
