//! Building address snapshots for the rules, in bulk and in chunks: a few
//! set-based queries per chunk of addresses, never one query per address,
//! and nothing read for addresses outside the chunk but the organisations
//! its occupants and landlords need (with their group chains) and where its
//! declared occupants are registered. The snapshot carries no nationality;
//! this module does not read it.

use std::collections::HashMap;

use chrono::{Days, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    addresses, declarations, employments, housing_provisions, inspections, occupancies,
    organisations, people,
};
use crate::db::stored::Day;
use crate::db::{DbConnection, MAX_IDS_PER_QUERY, load_in_chunks};
use crate::domain::rules::group::chain;
use crate::domain::rules::{
    AddressSnapshot, DeclaredTerms, InspectionFinding, Occupant, OrganisationFacts,
};
use crate::domain::{DeclarationStatus, OccupancySource, UsagePurpose};

/// An occupancy as the rules read it, once per current employer of its
/// person: occupancy, address, person, date of birth, household, source,
/// first day, whether it is current on the day, and the employer.
type OccupancyRow = (
    i64,
    i64,
    i64,
    Day,
    Option<String>,
    OccupancySource,
    Day,
    Option<bool>,
    Option<i64>,
);

/// An organisation as stored: id, KvK number, name, agency, certified and
/// parent KvK number.
type OrganisationRow = (i64, String, String, bool, bool, Option<String>);

/// Which addresses to build snapshots of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Every address.
    All,
    /// These addresses.
    Addresses(&'a [i64]),
}

/// Every organisation's facts, with its group chain, by id.
pub fn organisation_facts(conn: &mut DbConnection) -> QueryResult<HashMap<i64, OrganisationFacts>> {
    let rows: Vec<OrganisationRow> = organisations::table
        .select(ORGANISATION_COLUMNS)
        .load(conn)?;
    let parent_of: HashMap<String, String> = rows
        .iter()
        .filter_map(|(_, kvk, _, _, _, parent)| parent.clone().map(|p| (kvk.clone(), p)))
        .collect();
    Ok(facts_of(rows, &parent_of))
}

/// The columns of an [`OrganisationRow`].
const ORGANISATION_COLUMNS: (
    organisations::id,
    organisations::kvk_number,
    organisations::name,
    organisations::is_agency,
    organisations::is_certified,
    organisations::parent_kvk_number,
) = (
    organisations::id,
    organisations::kvk_number,
    organisations::name,
    organisations::is_agency,
    organisations::is_certified,
    organisations::parent_kvk_number,
);

/// The facts of the organisations of `rows`, with their group chains
/// followed through `parent_of`, by id.
fn facts_of(
    rows: Vec<OrganisationRow>,
    parent_of: &HashMap<String, String>,
) -> HashMap<i64, OrganisationFacts> {
    rows.into_iter()
        .map(|(id, kvk, name, is_agency, is_certified, _)| {
            let group = chain(&kvk, |k| parent_of.get(k).map(String::as_str));
            (
                id,
                OrganisationFacts {
                    id,
                    kvk_number: kvk,
                    name,
                    is_agency,
                    is_certified,
                    group,
                },
            )
        })
        .collect()
}

/// The facts of the organisations `ids`, with their group chains, by id:
/// these organisations and their parents up the chains are read, no other.
pub fn organisation_facts_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, OrganisationFacts>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<OrganisationRow> = load_in_chunks(&ids, |chunk| {
        organisations::table
            .filter(organisations::id.eq_any(chunk))
            .select(ORGANISATION_COLUMNS)
            .load(conn)
    })?;
    let mut parent_of: HashMap<String, String> = rows
        .iter()
        .filter_map(|(_, kvk, _, _, _, parent)| parent.clone().map(|p| (kvk.clone(), p)))
        .collect();
    let mut known: std::collections::HashSet<String> =
        rows.iter().map(|(_, kvk, ..)| kvk.clone()).collect();
    // One level of parents per round; a chain is at most `MAX_CHAIN` long.
    for _ in 0..crate::domain::rules::group::MAX_CHAIN {
        let mut unknown: Vec<String> = parent_of
            .values()
            .filter(|kvk| !known.contains(*kvk))
            .cloned()
            .collect();
        unknown.sort_unstable();
        unknown.dedup();
        if unknown.is_empty() {
            break;
        }
        for chunk in unknown.chunks(MAX_IDS_PER_QUERY) {
            let parents: Vec<(String, Option<String>)> = organisations::table
                .filter(organisations::kvk_number.eq_any(chunk))
                .select((organisations::kvk_number, organisations::parent_kvk_number))
                .load(conn)?;
            for (kvk, parent) in parents {
                if let Some(parent) = parent {
                    parent_of.insert(kvk, parent);
                }
            }
        }
        known.extend(unknown);
    }
    Ok(facts_of(rows, &parent_of))
}

/// Snapshots of the addresses in `scope` on day `on`, with move-ins of the
/// last `window_days` days, in address order, read a range of ids at a
/// time. They are all held at once: a caller that need not hold them all
/// reads range by range with [`build_between`].
pub fn build(
    conn: &mut DbConnection,
    scope: Scope<'_>,
    on: NaiveDate,
    window_days: u32,
) -> QueryResult<Vec<AddressSnapshot>> {
    let mut snapshots = Vec::new();
    match scope {
        Scope::All => {
            for (first, last) in crate::db::addresses::id_ranges(conn, MAX_IDS_PER_QUERY)? {
                snapshots.extend(build_between(conn, first, last, on, window_days)?);
            }
        }
        Scope::Addresses(ids) => {
            let mut ids = ids.to_vec();
            ids.sort_unstable();
            ids.dedup();
            for chunk in ids.chunks(MAX_IDS_PER_QUERY) {
                snapshots.extend(build_of(conn, chunk, on, window_days)?);
            }
        }
    }
    Ok(snapshots)
}

/// Snapshots of the addresses with ids from `first` to `last`, both
/// included, in id order: one chunk of a city cut into ranges of ids,
/// whose facts are read by that range.
pub fn build_between(
    conn: &mut DbConnection,
    first: i64,
    last: i64,
    on: NaiveDate,
    window_days: u32,
) -> QueryResult<Vec<AddressSnapshot>> {
    let query = addresses::table
        .filter(addresses::id.between(first, last))
        .select(ADDRESS_COLUMNS)
        .order(addresses::id);
    let rows: Vec<AddressRow> = on_backend!(conn, |c| query.load(c))?;
    Builder::new(rows, Chosen::Range(first, last), on).build(conn, window_days)
}

/// Narrows a boxed query to the chunk's addresses through its
/// `address_id` column.
macro_rules! of_chosen {
    ($query:expr, $chosen:expr, $column:expr) => {
        match $chosen {
            Chosen::One(id) => $query.filter($column.eq(*id)),
            Chosen::Range(first, last) => $query.filter($column.between(*first, *last)),
            Chosen::Ids(ids) => $query.filter($column.eq_any(ids.clone())),
        }
    };
}

/// Snapshots of the addresses `ids` (sorted, at most
/// [`MAX_IDS_PER_QUERY`]), their facts read by their ids; one address by
/// its id and consecutive ids by their range, in statements of a fixed
/// shape that SQLite prepares once, where a list of ids is prepared anew
/// each time. One address is not read as a range of one: PostgreSQL's
/// generic plan of a range expects a hundred rows and reads every current
/// employment for them, where one id finds its few by index.
fn build_of(
    conn: &mut DbConnection,
    ids: &[i64],
    on: NaiveDate,
    window_days: u32,
) -> QueryResult<Vec<AddressSnapshot>> {
    let chosen = match ids {
        [id] => Chosen::One(*id),
        [first, .., last] if usize::try_from(last - first).ok() == Some(ids.len() - 1) => {
            Chosen::Range(*first, *last)
        }
        _ => Chosen::Ids(ids.to_vec()),
    };
    let query = addresses::table
        .select(ADDRESS_COLUMNS)
        .order(addresses::id)
        .into_boxed();
    let rows: Vec<AddressRow> = of_chosen!(query, &chosen, addresses::id).load(conn)?;
    Builder::new(rows, chosen, on).build(conn, window_days)
}

/// An address as the rules read it: id, use, floor area and bedrooms.
type AddressRow = (i64, UsagePurpose, Option<f64>, Option<i32>);

/// The columns of an [`AddressRow`].
const ADDRESS_COLUMNS: (
    addresses::id,
    addresses::usage_purpose,
    addresses::floor_area_m2,
    addresses::bedrooms,
) = (
    addresses::id,
    addresses::usage_purpose,
    addresses::floor_area_m2,
    addresses::bedrooms,
);

/// The addresses of one chunk, as its queries select them.
#[derive(Debug, Clone)]
enum Chosen {
    /// This one address.
    One(i64),
    /// Every address with an id in this range, both ends included (the
    /// chunk holds every address in it).
    Range(i64, i64),
    /// These addresses (at most [`MAX_IDS_PER_QUERY`]).
    Ids(Vec<i64>),
}

/// Snapshots of one chunk under construction, one query per kind of fact.
struct Builder {
    chosen: Chosen,
    on: NaiveDate,
    snapshots: Vec<AddressSnapshot>,
    position: HashMap<i64, usize>,
    /// Each occupant's employers, by person.
    employers: HashMap<i64, Vec<i64>>,
    /// Each address's landlords, by address.
    landlords: Vec<(i64, i64)>,
    /// Declarations in force: id, address, landlord, deducted, separate.
    declarations: Vec<(i64, i64, i64, bool, bool)>,
}

impl Builder {
    fn new(rows: Vec<AddressRow>, chosen: Chosen, on: NaiveDate) -> Self {
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
        Self {
            chosen,
            on,
            snapshots,
            position,
            employers: HashMap::new(),
            landlords: Vec::new(),
            declarations: Vec::new(),
        }
    }

    fn build(
        mut self,
        conn: &mut DbConnection,
        window_days: u32,
    ) -> QueryResult<Vec<AddressSnapshot>> {
        if self.snapshots.is_empty() {
            return Ok(self.snapshots);
        }
        self.add_occupants(conn, window_days)?;
        self.read_landlords(conn)?;
        self.read_declarations(conn)?;
        self.add_organisations(conn)?;
        self.add_last_inspections(conn)?;
        Ok(self.snapshots)
    }

    fn snapshot(&mut self, address_id: i64) -> Option<&mut AddressSnapshot> {
        self.position
            .get(&address_id)
            .map(|i| &mut self.snapshots[*i])
    }

    /// Current occupants with their current employers, each person once
    /// per address whatever the number of sources, with where they are
    /// registered in the BRP and since when they are declared; and the
    /// move-ins within the window (occupancies of every source but the BRP,
    /// ended ones included). One query reads them all.
    fn add_occupants(&mut self, conn: &mut DbConnection, window_days: u32) -> QueryResult<()> {
        let on = self.on;
        let since = on
            .checked_sub_days(Days::new(u64::from(window_days)))
            .unwrap_or(NaiveDate::MIN);
        let rows = self.read_occupancies(conn, since)?;
        let registered_at = self.registrations(conn, &rows)?;
        let mut previous = None;
        for row in rows {
            let (
                id,
                address_id,
                person_id,
                Day(date_of_birth),
                household,
                source,
                Day(start),
                current,
                employer,
            ) = row;
            let is_repeat = previous == Some(id);
            previous = Some(id);
            if current == Some(true)
                && let Some(employer) = employer
            {
                let employers = self.employers.entry(person_id).or_default();
                if !employers.contains(&employer) {
                    employers.push(employer);
                }
            }
            if is_repeat {
                continue;
            }
            let Some(snapshot) = self.snapshot(address_id) else {
                continue;
            };
            if source != OccupancySource::Registry && start > since {
                snapshot.move_ins.push(start);
            }
            if current != Some(true) {
                continue;
            }
            let known = snapshot
                .occupants
                .iter()
                .position(|o| o.person_id == person_id);
            let index = known.unwrap_or_else(|| {
                snapshot.occupants.push(Occupant {
                    person_id,
                    date_of_birth,
                    household,
                    employers: Vec::new(),
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
        for snapshot in &mut self.snapshots {
            snapshot.move_ins.sort_unstable();
        }
        Ok(())
    }

    /// The chunk's occupancies current on the day or begun after `since`,
    /// once per current employer of their person, in address and storage
    /// order.
    fn read_occupancies(
        &self,
        conn: &mut DbConnection,
        since: NaiveDate,
    ) -> QueryResult<Vec<OccupancyRow>> {
        let on = self.on;
        let current_employments = employments::table.on(employments::person_id
            .eq(occupancies::person_id)
            .and(crate::db::employments::current_on(on)));
        let query = occupancies::table
            .inner_join(people::table)
            .left_join(current_employments)
            .filter(occupancies::start_date.le(on))
            .filter(
                occupancies::end_date
                    .is_null()
                    .or(occupancies::end_date.ge(on))
                    .or(occupancies::start_date.gt(since)),
            )
            .select((
                occupancies::id,
                occupancies::address_id,
                occupancies::person_id,
                people::date_of_birth,
                occupancies::household,
                occupancies::source,
                occupancies::start_date,
                occupancies::end_date
                    .is_null()
                    .or(occupancies::end_date.ge(on)),
                employments::organisation_id.nullable(),
            ));
        // A row per occupancy of the chunk: decoded on the backend's own
        // connection (see `on_backend!`).
        let mut rows: Vec<OccupancyRow> = on_backend!(conn, |c| of_chosen!(
            query.into_boxed(),
            &self.chosen,
            occupancies::address_id
        )
        .load(c))?;
        // Each address's occupants in the order they were stored, and each
        // person's employers in the order they were stored.
        rows.sort_by_key(|r| (r.1, r.0));

        Ok(rows)
    }

    /// Where the declared people of `rows` are registered in the BRP on the
    /// day, and whether any extract was ever imported.
    fn registrations(
        &mut self,
        conn: &mut DbConnection,
        rows: &[OccupancyRow],
    ) -> QueryResult<HashMap<i64, Vec<i64>>> {
        let imported: bool = diesel::select(diesel::dsl::exists(
            occupancies::table.filter(occupancies::source.eq(OccupancySource::Registry)),
        ))
        .get_result(conn)?;
        for snapshot in &mut self.snapshots {
            snapshot.registry_imported = imported;
        }
        let mut registered_at: HashMap<i64, Vec<i64>> = HashMap::new();
        if !imported {
            return Ok(registered_at);
        }
        let on = self.on;
        let mut declared: Vec<i64> = rows
            .iter()
            .filter(|r| r.5 == OccupancySource::Declaration && r.7 == Some(true))
            .map(|r| r.2)
            .collect();
        declared.sort_unstable();
        declared.dedup();
        let found: Vec<(i64, i64)> = load_in_chunks(&declared, |chunk| {
            occupancies::table
                .filter(occupancies::source.eq(OccupancySource::Registry))
                .filter(occupancies::person_id.eq_any(chunk))
                .filter(crate::db::occupancies::current_on(on))
                .select((occupancies::person_id, occupancies::address_id))
                .load(conn)
        })?;
        for (person_id, address_id) in found {
            registered_at.entry(person_id).or_default().push(address_id);
        }
        Ok(registered_at)
    }

    /// The organisations letting, owning or managing each address today.
    fn read_landlords(&mut self, conn: &mut DbConnection) -> QueryResult<()> {
        let on = self.on;
        let query = housing_provisions::table
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
            .order(housing_provisions::id)
            .into_boxed();
        self.landlords =
            of_chosen!(query, &self.chosen, housing_provisions::address_id).load(conn)?;
        Ok(())
    }

    /// The terms of the declarations in force.
    fn read_declarations(&mut self, conn: &mut DbConnection) -> QueryResult<()> {
        let on = self.on;
        let query = declarations::table
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
            .order(declarations::id)
            .into_boxed();
        self.declarations = of_chosen!(query, &self.chosen, declarations::address_id).load(conn)?;
        Ok(())
    }

    /// The employers, landlords and declared housing providers, read once
    /// each with their group chains and handed to the snapshots.
    fn add_organisations(&mut self, conn: &mut DbConnection) -> QueryResult<()> {
        let mut needed: Vec<i64> = self.employers.values().flatten().copied().collect();
        needed.extend(self.landlords.iter().map(|(_, organisation)| *organisation));
        needed.extend(self.declarations.iter().map(|d| d.2));
        let organisations = organisation_facts_of(conn, &needed)?;
        let employers = std::mem::take(&mut self.employers);
        for snapshot in &mut self.snapshots {
            for occupant in &mut snapshot.occupants {
                if let Some(ids) = employers.get(&occupant.person_id) {
                    occupant.employers = ids
                        .iter()
                        .filter_map(|id| organisations.get(id).cloned())
                        .collect();
                }
            }
        }
        for (address_id, organisation_id) in std::mem::take(&mut self.landlords) {
            let Some(facts) = organisations.get(&organisation_id) else {
                continue;
            };
            if let Some(snapshot) = self.snapshot(address_id)
                && !snapshot.landlords.iter().any(|l| l.id == organisation_id)
            {
                snapshot.landlords.push(facts.clone());
            }
        }
        for (id, address_id, landlord_id, deducted, separate) in
            std::mem::take(&mut self.declarations)
        {
            let Some(provider) = organisations.get(&landlord_id).cloned() else {
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
        let query = inspections::table
            .filter(inspections::visited_at.is_not_null())
            .filter(inspections::persons_found.is_not_null())
            .select((
                inspections::address_id,
                inspections::visited_at,
                inspections::persons_found,
            ))
            .order((inspections::visited_at, inspections::id))
            .into_boxed();
        let rows: Vec<(i64, Option<NaiveDateTime>, Option<i32>)> =
            of_chosen!(query, &self.chosen, inspections::address_id).load(conn)?;
        let mut last: HashMap<i64, (NaiveDate, u32)> = HashMap::new();
        for (address_id, visited_at, found) in rows {
            if let (Some(at), Some(found)) = (visited_at, found)
                && at.date() <= self.on
                && self.position.contains_key(&address_id)
            {
                last.insert(address_id, (at.date(), u32::try_from(found).unwrap_or(0)));
            }
        }
        if last.is_empty() {
            return Ok(());
        }
        let mut visited: Vec<i64> = last.keys().copied().collect();
        visited.sort_unstable();
        // Everybody who ever lived at the visited addresses, to count who
        // lived there on the day of each visit.
        let stays: Vec<(i64, i64, NaiveDate, Option<NaiveDate>)> = occupancies::table
            .filter(occupancies::address_id.eq_any(&visited))
            .select((
                occupancies::address_id,
                occupancies::person_id,
                occupancies::start_date,
                occupancies::end_date,
            ))
            .load(conn)?;
        for (address_id, (visited_on, persons_found)) in last {
            let mut people: Vec<i64> = stays
                .iter()
                .filter(|(at, _, start, end)| {
                    *at == address_id
                        && *start <= visited_on
                        && end.is_none_or(|end| end >= visited_on)
                })
                .map(|(_, person, _, _)| *person)
                .collect();
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
