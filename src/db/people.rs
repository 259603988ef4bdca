//! Queries on `people`. A person is found again by BSN, or, for workers
//! without one yet, by family name, given names and date of birth; the
//! workers of a whole batch part are matched with a few statements by
//! [`PeopleMatch`], by the same rule.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::people;
use crate::db::{DbConnection, ROWS_PER_INSERT, load_in_chunks, now};
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

/// Every field of a person that a declaration sets. A `None` is stored as
/// `NULL` (no column of these has another default), so that many people
/// go into one multi-row `INSERT`.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, AsChangeset)]
#[diesel(
    table_name = people,
    treat_none_as_null = true,
    treat_none_as_default_value = false
)]
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
/// stored), else a new person. Returns the person's id.
pub fn find_or_insert(conn: &mut DbConnection, fields: &PersonFields) -> QueryResult<i64> {
    let mut matched = PeopleMatch::load(conn, std::slice::from_ref(fields))?;
    let slot = matched.find_or_add(fields);
    let ids = matched.write(conn)?;
    ids.get(slot.0)
        .copied()
        .ok_or(diesel::result::Error::NotFound)
}

/// A person's identity when their BSN is not known: names and birth date.
type Identity = (String, String, NaiveDate);

fn identity_of(fields: &PersonFields) -> Identity {
    (
        fields.family_name.clone(),
        fields.given_names.clone(),
        fields.date_of_birth,
    )
}

/// Which person of a [`PeopleMatch`] a worker is: an index into it, turned
/// into a person id by [`PeopleMatch::write`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchSlot(pub usize);

/// A person known to a [`PeopleMatch`]: stored (with an id) or to be
/// stored, with the fields they will have.
#[derive(Debug, Clone)]
struct Candidate {
    id: Option<i64>,
    fields: PersonFields,
    /// A stored person who learned their BSN from a worker.
    is_changed: bool,
}

/// Workers matched to people in bulk, by the rule of [`find_or_insert`]:
/// the people a list of workers could be are read in two statements, the
/// workers are matched in order in memory (a later worker finds the people
/// an earlier one added or gave a BSN), and [`PeopleMatch::write`] stores
/// the changes: the new people in multi-row statements.
#[derive(Debug, Default)]
pub struct PeopleMatch {
    /// Stored people in id order, then new people in the order added.
    candidates: Vec<Candidate>,
    by_bsn: HashMap<Bsn, usize>,
    /// Candidates by identity, oldest first.
    by_identity: HashMap<Identity, Vec<usize>>,
}

/// Terms of one `OR` of lookups by natural key; more are split over
/// several statements, so that no statement nests too deep.
pub const KEYS_PER_QUERY: usize = 100;

impl PeopleMatch {
    /// Reads the stored people `workers` could be: those with their BSNs
    /// and those with their identities.
    pub fn load(conn: &mut DbConnection, workers: &[PersonFields]) -> QueryResult<Self> {
        let mut bsns: Vec<&Bsn> = workers.iter().filter_map(|w| w.bsn.as_ref()).collect();
        bsns.sort_unstable();
        bsns.dedup();
        let mut stored: Vec<Person> = Vec::new();
        let mut identities: Vec<Identity> = workers.iter().map(identity_of).collect();
        identities.sort_unstable();
        identities.dedup();
        if let ([] | [_], [(family, given, born)]) = (bsns.as_slice(), identities.as_slice()) {
            // One worker (a single filing): statements the connection keeps.
            if let Some(bsn) = bsns.first() {
                stored.extend(find_by_bsn(conn, bsn)?);
            }
            stored.extend(
                people::table
                    .filter(people::family_name.eq(family))
                    .filter(people::given_names.eq(given))
                    .filter(people::date_of_birth.eq(born))
                    .select(Person::as_select())
                    .load(conn)?,
            );
            return Ok(Self::of(stored));
        }
        for chunk in bsns.chunks(crate::db::MAX_IDS_PER_QUERY) {
            stored.extend(
                people::table
                    .filter(people::bsn.eq_any(chunk.iter().map(|b| (*b).clone())))
                    .select(Person::as_select())
                    .load(conn)?,
            );
        }
        for chunk in identities.chunks(KEYS_PER_QUERY) {
            let mut query = people::table.select(Person::as_select()).into_boxed();
            for (family, given, born) in chunk {
                query = query.or_filter(
                    people::family_name
                        .eq(family.clone())
                        .and(people::given_names.eq(given.clone()))
                        .and(people::date_of_birth.eq(*born)),
                );
            }
            stored.extend(query.load(conn)?);
        }
        Ok(Self::of(stored))
    }

    /// A match among these stored people.
    fn of(mut stored: Vec<Person>) -> Self {
        stored.sort_unstable_by_key(|p| p.id);
        stored.dedup_by_key(|p| p.id);
        let mut matched = Self::default();
        for person in stored {
            matched.add(Candidate {
                id: Some(person.id),
                fields: PersonFields {
                    bsn: person.bsn,
                    family_name: person.family_name,
                    given_names: person.given_names,
                    date_of_birth: person.date_of_birth,
                    nationality: person.nationality,
                },
                is_changed: false,
            });
        }
        matched
    }

    fn add(&mut self, candidate: Candidate) -> usize {
        let slot = self.candidates.len();
        if let Some(bsn) = &candidate.fields.bsn {
            self.by_bsn.insert(bsn.clone(), slot);
        }
        self.by_identity
            .entry(identity_of(&candidate.fields))
            .or_default()
            .push(slot);
        self.candidates.push(candidate);
        slot
    }

    /// The person `fields` describe, among those read and those added so
    /// far: the one with the same BSN, else the oldest with the same
    /// identity whose BSN does not conflict (given the worker's BSN if it
    /// had none), else a new person.
    pub fn find_or_add(&mut self, fields: &PersonFields) -> MatchSlot {
        if let Some(bsn) = &fields.bsn
            && let Some(slot) = self.by_bsn.get(bsn)
        {
            return MatchSlot(*slot);
        }
        let compatible = self
            .by_identity
            .get(&identity_of(fields))
            .and_then(|slots| {
                slots.iter().copied().find(|slot| {
                    let known = &self.candidates[*slot].fields.bsn;
                    known.is_none() || fields.bsn.is_none() || *known == fields.bsn
                })
            });
        let Some(slot) = compatible else {
            return MatchSlot(self.add(Candidate {
                id: None,
                fields: fields.clone(),
                is_changed: false,
            }));
        };
        let candidate = &mut self.candidates[slot];
        if candidate.fields.bsn.is_none()
            && let Some(bsn) = &fields.bsn
        {
            let nationality = fields
                .nationality
                .clone()
                .or(candidate.fields.nationality.take());
            candidate.fields = PersonFields {
                nationality,
                ..fields.clone()
            };
            candidate.is_changed = candidate.id.is_some();
            self.by_bsn.insert(bsn.clone(), slot);
        }
        MatchSlot(slot)
    }

    /// Stores what matching changed: the BSNs stored people learned, and
    /// the new people (in the order added). Returns the person id of each
    /// slot.
    pub fn write(self, conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
        let mut ids: Vec<Option<i64>> = self.candidates.iter().map(|c| c.id).collect();
        let mut new: Vec<(usize, &PersonFields)> = Vec::new();
        for (slot, candidate) in self.candidates.iter().enumerate() {
            match candidate.id {
                Some(id) if candidate.is_changed => {
                    update(conn, id, &candidate.fields)?;
                }
                Some(_) => {}
                None => new.push((slot, &candidate.fields)),
            }
        }
        let rows: Vec<&PersonFields> = new.iter().map(|(_, fields)| *fields).collect();
        let stored = insert_many(conn, &rows)?;
        // Each new person is told apart by BSN and identity: two added
        // people with one identity have different BSNs, or the second
        // would have matched the first.
        let mut id_of: HashMap<(Option<Bsn>, Identity), i64> = stored
            .into_iter()
            .map(|p| {
                let key = (
                    p.bsn.clone(),
                    (p.family_name, p.given_names, p.date_of_birth),
                );
                (key, p.id)
            })
            .collect();
        for (slot, fields) in new {
            ids[slot] = id_of.remove(&(fields.bsn.clone(), identity_of(fields)));
        }
        ids.into_iter()
            .map(|id| id.ok_or(diesel::result::Error::NotFound))
            .collect()
    }
}

/// Stores new people in multi-row statements.
fn insert_many(conn: &mut DbConnection, rows: &[&PersonFields]) -> QueryResult<Vec<Person>> {
    if let [fields] = rows {
        // One person (a single filing): the statement the connection keeps.
        return insert(conn, fields).map(|person| vec![person]);
    }
    let now = now();
    let mut stored = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let values: Vec<_> = chunk
            .iter()
            .map(|fields| {
                (
                    *fields,
                    people::created_at.eq(now),
                    people::updated_at.eq(now),
                )
            })
            .collect();
        let query = diesel::insert_into(people::table).values(values);
        stored.extend(match conn {
            DbConnection::Sqlite(c) => query.returning(people::all_columns).get_results(c)?,
            DbConnection::Postgresql(c) => query.returning(people::all_columns).get_results(c)?,
        });
    }
    Ok(stored)
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
