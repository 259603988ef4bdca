//! Importing the registered residents: a BRP extract is the truth as of its
//! date. People are matched on BSN; each person in the extract is
//! registered (an occupancy with source `registry`) at their address from
//! `registeredSince`; registrations no longer in the extract end the day
//! before the extract's date; unchanged rows change nothing, so the same
//! extract twice changes nothing. Addresses the registry does not know are
//! counted and reported without stopping the rest. The work is set-based:
//! a few queries per thousand residents. One audit event records the
//! counts, and the addresses whose occupants changed are re-evaluated.

pub mod extract;

use std::collections::{HashMap, HashSet};

use chrono::{Days, NaiveDate, NaiveDateTime};
use diesel::result::QueryResult;

use crate::db::DbConnection;
use crate::db::registrations::{self, NewRegistration, NewResident, Registration};
use crate::db::snapshots::Scope;
use crate::domain::rules::RuleSet;
use crate::domain::{AuditAction, OccupancySource};
use crate::registry::Actor;
use crate::registry::evaluation;

pub use extract::{DroppedColumn, Extract, ExtractError, Resident, Separator, read};

/// How many lines naming an unknown address the summary lists.
pub const UNKNOWN_LINES_LISTED: usize = 10;

/// Above this many changed addresses the whole registry is re-evaluated at
/// once, rather than a list of ids too long for one query.
const FULL_EVALUATION_FROM: usize = 5_000;

const PURPOSE: &str = "keeping the registered residents current (BRP extract)";

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportSummary {
    /// Residents newly registered at an address.
    pub new: usize,
    /// Residents registered at another address than before.
    pub moved: usize,
    /// Registrations that ended: the person is no longer in the extract, or
    /// is registered at an address the registry does not know.
    pub ended: usize,
    /// Registrations at the same address whose first day or household key
    /// changed.
    pub corrected: usize,
    /// Residents whose registration is as it was.
    pub unchanged: usize,
    /// Rows naming an address the registry does not know.
    pub unknown_addresses: usize,
    /// The first such lines.
    pub unknown_address_lines: Vec<u64>,
    /// Addresses whose occupants changed, re-evaluated.
    pub addresses_reevaluated: usize,
}

impl ImportSummary {
    /// Whether the import changed any fact.
    pub fn changed_anything(&self) -> bool {
        self.new + self.moved + self.ended + self.corrected > 0
    }
}

/// The day before `day`, but never before `start`: the last day a
/// registration that began on `start` still counts.
fn last_day(day: NaiveDate, start: NaiveDate) -> NaiveDate {
    day.checked_sub_days(Days::new(1)).unwrap_or(day).max(start)
}

/// What applying an extract will change, planned in memory first.
#[derive(Default)]
struct Plan {
    residents: Vec<NewResident>,
    /// New registrations, by BSN when the person is new.
    registrations: Vec<(Result<i64, String>, NewRegistration)>,
    endings: HashMap<NaiveDate, Vec<i64>>,
    corrections: Vec<(i64, NaiveDate, Option<String>)>,
    /// Addresses whose registered residents change.
    touched: HashSet<i64>,
    /// Known people whose registration changes: the rules of the addresses
    /// they are declared at change too.
    people: HashSet<i64>,
    /// Whether this is the first extract: every declared worker's
    /// registration becomes known.
    first: bool,
}

impl Plan {
    fn end(&mut self, registration: &Registration, on: NaiveDate) {
        self.endings
            .entry(last_day(on, registration.start_date))
            .or_default()
            .push(registration.id);
        self.touched.insert(registration.address_id);
        self.people.insert(registration.person_id);
    }

    /// Ends every registration in `held` the day before `on`; how many.
    fn end_all(&mut self, held: &[Registration], on: NaiveDate) -> usize {
        for registration in held {
            self.end(registration, on);
        }
        held.len()
    }

    /// Registers `resident` at `address_id`, storing the person first
    /// when the BSN is new.
    fn register(
        &mut self,
        resident: &Resident,
        person: Option<i64>,
        address_id: i64,
        at: NaiveDateTime,
    ) {
        if let Some(id) = person {
            self.people.insert(id);
        } else {
            self.residents.push(NewResident {
                bsn: Some(resident.bsn.clone()),
                family_name: resident.family_name.clone(),
                given_names: resident.given_names.clone(),
                date_of_birth: resident.date_of_birth,
                created_at: at,
                updated_at: at,
            });
        }
        self.registrations.push((
            person.ok_or_else(|| resident.bsn.as_str().to_owned()),
            NewRegistration {
                person_id: 0,
                address_id,
                start_date: resident.registered_since,
                household: resident.household.clone(),
                source: OccupancySource::Registry,
                created_at: at,
            },
        ));
        self.touched.insert(address_id);
    }
}

/// Applies a checked extract in the caller's transaction, calling
/// `progress` once per resident.
pub fn import(
    conn: &mut DbConnection,
    actor: &Actor,
    rules: &RuleSet,
    extract: &Extract,
    progress: &dyn Fn(),
) -> QueryResult<ImportSummary> {
    let addresses = registrations::address_ids_by_key(conn)?;
    let people = registrations::person_ids_by_bsn(conn)?;
    let mut current: HashMap<i64, Vec<Registration>> = HashMap::new();
    for registration in registrations::current(conn)? {
        current
            .entry(registration.person_id)
            .or_default()
            .push(registration);
    }
    let at = crate::db::now();
    let mut summary = ImportSummary::default();
    let mut plan = Plan {
        first: current.is_empty(),
        ..Plan::default()
    };
    let mut seen: HashSet<i64> = HashSet::with_capacity(extract.residents.len());
    for resident in &extract.residents {
        progress();
        let person = people.get(resident.bsn.as_str()).copied();
        if let Some(id) = person {
            seen.insert(id);
        }
        let held = person
            .and_then(|id| current.get(&id))
            .map_or(&[][..], Vec::as_slice);
        let Some(&address_id) = addresses.get(&resident.address.key()) else {
            summary.unknown_addresses += 1;
            if summary.unknown_address_lines.len() < UNKNOWN_LINES_LISTED {
                summary.unknown_address_lines.push(resident.line);
            }
            summary.ended += plan.end_all(held, extract.as_of);
            continue;
        };
        let mut here = None;
        for registration in held {
            if registration.address_id == address_id && here.is_none() {
                here = Some(registration);
            } else {
                plan.end(registration, resident.registered_since);
            }
        }
        match here {
            Some(registration)
                if registration.start_date == resident.registered_since
                    && registration.household == resident.household =>
            {
                summary.unchanged += 1;
            }
            Some(registration) => {
                plan.corrections.push((
                    registration.id,
                    resident.registered_since,
                    resident.household.clone(),
                ));
                plan.touched.insert(address_id);
                plan.people.insert(registration.person_id);
                summary.corrected += 1;
            }
            None => {
                if held.is_empty() {
                    summary.new += 1;
                } else {
                    summary.moved += 1;
                }
                plan.register(resident, person, address_id, at);
            }
        }
    }
    for (_, held) in current.iter().filter(|(id, _)| !seen.contains(id)) {
        summary.ended += plan.end_all(held, extract.as_of);
    }
    store(conn, plan, rules, &mut summary)?;
    actor.record(
        conn,
        AuditAction::ResidentExtractImport,
        format!(
            "resident-extracts/{}?new={}&moved={}&ended={}&corrected={}&unchanged={}&unknownAddresses={}",
            extract.as_of,
            summary.new,
            summary.moved,
            summary.ended,
            summary.corrected,
            summary.unchanged,
            summary.unknown_addresses
        ),
        PURPOSE,
    )?;
    crate::db::refresh_planner_statistics(conn, &["people", "occupancies"])?;
    Ok(summary)
}

/// Writes the plan in bulk and re-evaluates the addresses it touched.
fn store(
    conn: &mut DbConnection,
    plan: Plan,
    rules: &RuleSet,
    summary: &mut ImportSummary,
) -> QueryResult<()> {
    let changed =
        !plan.registrations.is_empty() || !plan.endings.is_empty() || !plan.corrections.is_empty();
    let new_ids = registrations::insert_residents(conn, &plan.residents)?;
    let rows: Vec<NewRegistration> = plan
        .registrations
        .into_iter()
        .filter_map(|(person, mut row)| {
            row.person_id = match person {
                Ok(id) => id,
                Err(bsn) => *new_ids.get(&bsn)?,
            };
            Some(row)
        })
        .collect();
    registrations::insert(conn, &rows)?;
    let mut endings: Vec<(NaiveDate, Vec<i64>)> = plan.endings.into_iter().collect();
    endings.sort_unstable();
    for (day, ids) in endings {
        registrations::end(conn, &ids, day)?;
    }
    for (id, start, household) in &plan.corrections {
        registrations::correct(conn, *id, *start, household.as_deref())?;
    }
    let people: Vec<i64> = plan.people.into_iter().collect();
    let mut touched: Vec<i64> = plan.touched.into_iter().collect();
    touched.extend(registrations::declared_addresses_of(conn, &people)?);
    touched.sort_unstable();
    touched.dedup();
    summary.addresses_reevaluated = touched.len();
    if (plan.first && changed) || touched.len() >= FULL_EVALUATION_FROM {
        evaluation::reevaluate(conn, rules, Scope::All, evaluation::today(), &|_, _| {})?;
    } else {
        evaluation::reevaluate_addresses(conn, rules, &touched)?;
    }
    Ok(())
}

/// The people living at an address on a day, by source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OccupantCounts {
    /// Registered there in the BRP.
    pub registered: usize,
    /// Declared there by an agency.
    pub declared: usize,
    /// Everybody from any source, each person once.
    pub combined: usize,
}

/// Who lives at address `id` today, by source.
pub fn occupant_counts(conn: &mut DbConnection, id: i64) -> QueryResult<OccupantCounts> {
    let (registered, declared, combined) =
        registrations::counts_at_address(conn, id, evaluation::today())?;
    Ok(OccupantCounts {
        registered,
        declared,
        combined,
    })
}
