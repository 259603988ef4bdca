//! Building address snapshots for the rules, in bulk: a few set-based
//! queries for any number of addresses, never one query per address. The
//! snapshot carries no nationality; this module does not read it.

use std::collections::HashMap;

use chrono::{Days, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    addresses, declarations, employments, housing_provisions, inspections, occupancies,
    organisations, people,
};
use crate::db::{DbConnection, load_in_chunks};
use crate::domain::rules::group::chain;
use crate::domain::rules::{
    AddressSnapshot, DeclaredTerms, InspectionFinding, Occupant, OrganisationFacts,
};
use crate::domain::{DeclarationStatus, OccupancySource, UsagePurpose};

/// An occupancy as the rules read it: address, person, date of birth,
/// household, source and first day.
type OccupantRow = (
    i64,
    i64,
    NaiveDate,
    Option<String>,
    OccupancySource,
    NaiveDate,
);

/// Which addresses to build snapshots of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Every address.
    All,
    /// These addresses.
    Addresses(&'a [i64]),
}

impl Scope<'_> {
    fn ids(self) -> Option<Vec<i64>> {
        match self {
            Self::All => None,
            Self::Addresses(ids) => {
                // Sorted, so that the chunks read addresses in id order.
                let mut ids = ids.to_vec();
                ids.sort_unstable();
                ids.dedup();
                Some(ids)
            }
        }
    }
}

/// Every organisation's facts, with its group chain, by id.
pub fn organisation_facts(conn: &mut DbConnection) -> QueryResult<HashMap<i64, OrganisationFacts>> {
    type Row = (i64, String, String, bool, bool, Option<String>);
    let rows: Vec<Row> = organisations::table
        .select((
            organisations::id,
            organisations::kvk_number,
            organisations::name,
            organisations::is_agency,
            organisations::is_certified,
            organisations::parent_kvk_number,
        ))
        .load(conn)?;
    let parent_of: HashMap<&str, &str> = rows
        .iter()
        .filter_map(|(_, kvk, _, _, _, parent)| parent.as_deref().map(|p| (kvk.as_str(), p)))
        .collect();
    Ok(rows
        .iter()
        .map(|(id, kvk, name, is_agency, is_certified, _)| {
            (
                *id,
                OrganisationFacts {
                    id: *id,
                    kvk_number: kvk.clone(),
                    name: name.clone(),
                    is_agency: *is_agency,
                    is_certified: *is_certified,
                    group: chain(kvk, |k| parent_of.get(k).copied()),
                },
            )
        })
        .collect())
}

/// Snapshots of the addresses in `scope` on day `on`, with move-ins of the
/// last `window_days` days.
pub fn build(
    conn: &mut DbConnection,
    scope: Scope<'_>,
    on: NaiveDate,
    window_days: u32,
) -> QueryResult<Vec<AddressSnapshot>> {
    let mut builder = Builder::new(conn, scope.ids(), on)?;
    builder.add_occupants(conn)?;
    builder.add_move_ins(conn, window_days)?;
    builder.add_landlords(conn)?;
    builder.add_declarations(conn)?;
    builder.add_last_inspections(conn)?;
    Ok(builder.snapshots)
}

/// Runs `load` once for every address (`None`), or once per chunk of at
/// most [`crate::db::MAX_IDS_PER_QUERY`] ids, so that no statement binds more
/// parameters than the database allows.
fn per_chunk<T>(
    ids: Option<&[i64]>,
    mut load: impl FnMut(Option<&[i64]>) -> QueryResult<Vec<T>>,
) -> QueryResult<Vec<T>> {
    match ids {
        None => load(None),
        Some(ids) => load_in_chunks(ids, |chunk| load(Some(chunk))),
    }
}

/// Snapshots under construction, one query per kind of fact.
struct Builder {
    ids: Option<Vec<i64>>,
    on: NaiveDate,
    organisations: HashMap<i64, OrganisationFacts>,
    snapshots: Vec<AddressSnapshot>,
    position: HashMap<i64, usize>,
}

impl Builder {
    fn new(conn: &mut DbConnection, ids: Option<Vec<i64>>, on: NaiveDate) -> QueryResult<Self> {
        let organisations = organisation_facts(conn)?;
        let rows: Vec<(i64, UsagePurpose, Option<f64>, Option<i32>)> =
            per_chunk(ids.as_deref(), |chunk| {
                let mut query = addresses::table
                    .select((
                        addresses::id,
                        addresses::usage_purpose,
                        addresses::floor_area_m2,
                        addresses::bedrooms,
                    ))
                    .order(addresses::id)
                    .into_boxed();
                if let Some(chunk) = chunk {
                    query = query.filter(addresses::id.eq_any(chunk));
                }
                query.load(conn)
            })?;
        let snapshots: Vec<AddressSnapshot> = rows
            .into_iter()
            .map(|(id, purpose, area, bedrooms)| {
                let mut snapshot = AddressSnapshot::empty(id, purpose);
                snapshot.floor_area_m2 = area;
                snapshot.bedrooms = bedrooms.and_then(|b| u32::try_from(b).ok());
                snapshot
            })
            .collect();
        let position = snapshots
            .iter()
            .enumerate()
            .map(|(i, s)| (s.address_id, i))
            .collect();
        Ok(Self {
            ids,
            on,
            organisations,
            snapshots,
            position,
        })
    }

    fn snapshot(&mut self, address_id: i64) -> Option<&mut AddressSnapshot> {
        self.position
            .get(&address_id)
            .map(|i| &mut self.snapshots[*i])
    }

    /// Current occupants with their current employers, each person once
    /// per address whatever the number of sources, with where they are
    /// registered in the BRP and since when they are declared.
    fn add_occupants(&mut self, conn: &mut DbConnection) -> QueryResult<()> {
        let on = self.on;
        // Ordered by occupancy within each chunk of addresses: every
        // address's rows are in one chunk, in their order.
        let rows: Vec<OccupantRow> = per_chunk(self.ids.as_deref(), |chunk| {
            let mut query = occupancies::table
                .inner_join(people::table)
                .filter(occupancies::start_date.le(on))
                .filter(
                    occupancies::end_date
                        .is_null()
                        .or(occupancies::end_date.ge(on)),
                )
                .select((
                    occupancies::address_id,
                    occupancies::person_id,
                    people::date_of_birth,
                    occupancies::household,
                    occupancies::source,
                    occupancies::start_date,
                ))
                .order(occupancies::id)
                .into_boxed();
            if let Some(chunk) = chunk {
                query = query.filter(occupancies::address_id.eq_any(chunk));
            }
            query.load(conn)
        })?;

        let person_ids = self.ids.is_some().then(|| {
            let mut ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        });
        let employed: Vec<(i64, i64)> = per_chunk(person_ids.as_deref(), |chunk| {
            let mut query = employments::table
                .filter(employments::start_date.le(on))
                .filter(
                    employments::end_date
                        .is_null()
                        .or(employments::end_date.ge(on)),
                )
                .select((employments::person_id, employments::organisation_id))
                .into_boxed();
            if let Some(chunk) = chunk {
                query = query.filter(employments::person_id.eq_any(chunk));
            }
            query.load(conn)
        })?;
        let mut employers_of: HashMap<i64, Vec<OrganisationFacts>> = HashMap::new();
        for (person_id, organisation_id) in employed {
            let employers = employers_of.entry(person_id).or_default();
            if let Some(facts) = self.organisations.get(&organisation_id)
                && !employers.iter().any(|e| e.id == organisation_id)
            {
                employers.push(facts.clone());
            }
        }
        let registered_at = self.registrations(conn, &rows)?;
        for (address_id, person_id, date_of_birth, household, source, start) in rows {
            let Some(snapshot) = self.snapshot(address_id) else {
                continue;
            };
            let known = snapshot
                .occupants
                .iter()
                .position(|o| o.person_id == person_id);
            let index = known.unwrap_or_else(|| {
                snapshot.occupants.push(Occupant {
                    person_id,
                    date_of_birth,
                    household,
                    employers: employers_of.get(&person_id).cloned().unwrap_or_default(),
                    registered: false,
                    declared_since: None,
                    registered_elsewhere: registered_at
                        .get(&person_id)
                        .is_some_and(|at| at.iter().any(|a| *a != address_id)),
                });
                snapshot.occupants.len() - 1
            });
            let occupant = &mut snapshot.occupants[index];
            match source {
                OccupancySource::Registry => occupant.registered = true,
                OccupancySource::Declaration => {
                    occupant.declared_since = Some(
                        occupant
                            .declared_since
                            .map_or(start, |since| since.min(start)),
                    );
                }
                OccupancySource::Inspection | OccupancySource::Manual => {}
            }
        }
        Ok(())
    }

    /// Where the people of `rows` are registered in the BRP on the day, and
    /// whether any extract was ever imported.
    fn registrations(
        &mut self,
        conn: &mut DbConnection,
        rows: &[OccupantRow],
    ) -> QueryResult<HashMap<i64, Vec<i64>>> {
        let any: Option<i64> = occupancies::table
            .filter(occupancies::source.eq(OccupancySource::Registry))
            .select(occupancies::id)
            .first(conn)
            .optional()?;
        let imported = any.is_some();
        for snapshot in &mut self.snapshots {
            snapshot.registry_imported = imported;
        }
        let mut registered_at: HashMap<i64, Vec<i64>> = HashMap::new();
        if !imported {
            return Ok(registered_at);
        }
        let mut query = occupancies::table
            .filter(occupancies::start_date.le(self.on))
            .filter(
                occupancies::end_date
                    .is_null()
                    .or(occupancies::end_date.ge(self.on)),
            )
            .filter(occupancies::source.eq(OccupancySource::Registry))
            .select((occupancies::person_id, occupancies::address_id))
            .into_boxed();
        if self.ids.is_some() {
            let mut declared: Vec<i64> = rows
                .iter()
                .filter(|r| r.4 == OccupancySource::Declaration)
                .map(|r| r.1)
                .collect();
            declared.sort_unstable();
            declared.dedup();
            query = query.filter(occupancies::person_id.eq_any(declared));
        }
        for (person_id, address_id) in query.load::<(i64, i64)>(conn)? {
            registered_at.entry(person_id).or_default().push(address_id);
        }
        Ok(registered_at)
    }

    /// Move-ins within the window, ended occupancies included.
    fn add_move_ins(&mut self, conn: &mut DbConnection, window_days: u32) -> QueryResult<()> {
        let since = self
            .on
            .checked_sub_days(Days::new(u64::from(window_days)))
            .unwrap_or(NaiveDate::MIN);
        let on = self.on;
        let rows: Vec<(i64, NaiveDate)> = per_chunk(self.ids.as_deref(), |chunk| {
            let mut query = occupancies::table
                .filter(occupancies::source.ne(OccupancySource::Registry))
                .filter(occupancies::start_date.gt(since))
                .filter(occupancies::start_date.le(on))
                .select((occupancies::address_id, occupancies::start_date))
                .into_boxed();
            if let Some(chunk) = chunk {
                query = query.filter(occupancies::address_id.eq_any(chunk));
            }
            query.load(conn)
        })?;
        for (address_id, day) in rows {
            if let Some(snapshot) = self.snapshot(address_id) {
                snapshot.move_ins.push(day);
            }
        }
        Ok(())
    }

    /// The organisations letting, owning or managing each address today.
    fn add_landlords(&mut self, conn: &mut DbConnection) -> QueryResult<()> {
        let on = self.on;
        let rows: Vec<(i64, i64)> = per_chunk(self.ids.as_deref(), |chunk| {
            let mut query = housing_provisions::table
                .filter(housing_provisions::start_date.le(on))
                .filter(
                    housing_provisions::end_date
                        .is_null()
                        .or(housing_provisions::end_date.ge(on)),
                )
                .select((
                    housing_provisions::address_id,
                    housing_provisions::organisation_id,
                ))
                .into_boxed();
            if let Some(chunk) = chunk {
                query = query.filter(housing_provisions::address_id.eq_any(chunk));
            }
            query.load(conn)
        })?;
        for (address_id, organisation_id) in rows {
            let Some(facts) = self.organisations.get(&organisation_id).cloned() else {
                continue;
            };
            if let Some(snapshot) = self.snapshot(address_id)
                && !snapshot.landlords.iter().any(|l| l.id == organisation_id)
            {
                snapshot.landlords.push(facts);
            }
        }
        Ok(())
    }

    /// The terms of the declarations in force.
    fn add_declarations(&mut self, conn: &mut DbConnection) -> QueryResult<()> {
        let on = self.on;
        let rows: Vec<(i64, i64, i64, bool, bool)> = per_chunk(self.ids.as_deref(), |chunk| {
            let mut query = declarations::table
                .filter(declarations::status.ne(DeclarationStatus::Withdrawn))
                .filter(declarations::start_date.le(on))
                .filter(
                    declarations::end_date
                        .is_null()
                        .or(declarations::end_date.ge(on)),
                )
                .select((
                    declarations::id,
                    declarations::address_id,
                    declarations::landlord_id,
                    declarations::rent_deducted_from_wages,
                    declarations::separate_rental_contract,
                ))
                .into_boxed();
            if let Some(chunk) = chunk {
                query = query.filter(declarations::address_id.eq_any(chunk));
            }
            query.load(conn)
        })?;
        for (id, address_id, landlord_id, deducted, separate) in rows {
            let Some(provider) = self.organisations.get(&landlord_id).cloned() else {
                continue;
            };
            if let Some(snapshot) = self.snapshot(address_id) {
                snapshot.declarations.push(DeclaredTerms {
                    declaration_id: id,
                    rent_deducted_from_wages: deducted,
                    separate_rental_contract: separate,
                    provider,
                });
            }
        }
        Ok(())
    }

    /// The last inspection with a head count on or before the day, with
    /// the number of people declared there on the day of the visit.
    fn add_last_inspections(&mut self, conn: &mut DbConnection) -> QueryResult<()> {
        // Ordered by visit within each chunk of addresses: every address's
        // visits are in one chunk, so the last one read is its last.
        let rows: Vec<(i64, Option<NaiveDateTime>, Option<i32>)> =
            per_chunk(self.ids.as_deref(), |chunk| {
                let mut query = inspections::table
                    .filter(inspections::visited_at.is_not_null())
                    .filter(inspections::persons_found.is_not_null())
                    .select((
                        inspections::address_id,
                        inspections::visited_at,
                        inspections::persons_found,
                    ))
                    .order((inspections::visited_at, inspections::id))
                    .into_boxed();
                if let Some(chunk) = chunk {
                    query = query.filter(inspections::address_id.eq_any(chunk));
                }
                query.load(conn)
            })?;
        let mut last: HashMap<i64, (NaiveDate, u32)> = HashMap::new();
        for (address_id, visited_at, found) in rows {
            if let (Some(at), Some(found)) = (visited_at, found)
                && at.date() <= self.on
            {
                last.insert(address_id, (at.date(), u32::try_from(found).unwrap_or(0)));
            }
        }
        for (address_id, (visited_on, persons_found)) in last {
            if self.snapshot(address_id).is_none() {
                continue;
            }
            let declared =
                crate::db::occupancies::current_at_address(conn, address_id, visited_on)?;
            let mut people: Vec<i64> = declared.iter().map(|o| o.person_id).collect();
            people.sort_unstable();
            people.dedup();
            if let Some(snapshot) = self.snapshot(address_id) {
                snapshot.last_inspection = Some(InspectionFinding {
                    visited_on,
                    persons_found,
                    declared_on_visit: u32::try_from(people.len()).unwrap_or(u32::MAX),
                });
            }
        }
        Ok(())
    }
}
