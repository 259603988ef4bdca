//! The demo city: a deterministic, seeded synthetic Vlaardingen drawn from
//! the real CBS figures, stored through the registry's own use cases.
//!
//! - exactly the CBS dwelling count of every 100 m grid cell, at points
//!   inside the cell, with the postcode digits of the PC4 area the cell's
//!   centre lies in, street names, house numbers, letters and additions,
//!   floor areas and bedrooms by dwelling type and building period, and
//!   about three non-residential addresses per hundred dwellings
//!   ([`registry::addresses::import_addresses`](crate::registry::addresses::import_addresses));
//! - the registered residents of every buurt in households of the buurt's
//!   size, loaded as one BRP extract through
//!   [`residents::import`];
//! - 15 agencies and 40 landlords (8 in an agency's group) and about 1 400
//!   labour migrants at about 300 dwellings, filed through
//!   [`filing::file_batch_part`], a third of
//!   the sites showing a problem pattern (see [`labour::Pattern`]).
//!
//! `--scale N` adds N − 1 shifted copies with distinct postcodes, one write
//! transaction per copy so that memory stays bounded by a copy. A BRP extract
//! is the whole truth, so only the first copy's residents go through the
//! import; later copies are appended with the same bulk writes the import
//! uses, and the copy's addresses are evaluated in its own transaction.
//!
//! - a sprinkling of earlier inspections: a walking list three weeks before
//!   the demo's day, planned and recorded through the planning use cases;
//!   at every third visit more people were found than the registry knows.

pub mod city;
pub mod data;
pub mod labour;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::auth::Role;
use crate::config::PlanningConfig;
use crate::db::addresses::AddressKey;
use crate::db::registrations::{self, NewRegistration, NewResident};
use crate::db::schema::{addresses, organisations, people};
use crate::db::snapshots::Scope;
use crate::db::{DbConnection, organisations as stored_organisations};
use crate::domain::InspectionResult;
use crate::domain::rules::RuleSet;
use crate::domain::{KvkNumber, OccupancySource};
use crate::error::ApiError;
use crate::registry::Actor;
use crate::registry::filing::{self, Submission};
use crate::registry::inspections::{self, Outcome, PlanRequest};
use crate::registry::residents::extract::{Extract, Resident, Separator};
use crate::registry::synthetic::Rng;
use crate::registry::{addresses as address_use_cases, evaluation, residents};
use city::{BsnSequence, DemoAddress};
use data::{Buurt, Cell};
use labour::{Pattern, Places, Site};

/// Addresses re-evaluated per query batch in later copies.
const EVALUATION_CHUNK: usize = 5_000;

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 2024;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// The same seed (and day) gives the same city.
    pub seed: u64,
    /// Copies of the city, at least 1.
    pub scale: usize,
    /// The day the city is as of: declarations and registrations are dated
    /// relative to it.
    pub today: NaiveDate,
    /// Only these buurten (all when `None`): for quick tests.
    pub only_buurten: Option<BTreeSet<String>>,
}

impl DemoOptions {
    /// The whole city once, as of today.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            scale: 1,
            today: evaluation::today(),
            only_buurten: None,
        }
    }
}

/// What was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemoReport {
    /// Addresses, residential or not.
    pub addresses: usize,
    /// Of which dwellings.
    pub dwellings: usize,
    /// Registered residents (including registered labour migrants).
    pub residents: usize,
    /// Agencies and landlords.
    pub organisations: usize,
    /// Declarations filed.
    pub declarations: usize,
    /// Labour-migrant sites.
    pub sites: usize,
    /// Sites with a problem pattern.
    pub problem_sites: usize,
    /// Earlier inspections with an outcome.
    pub inspections: usize,
}

/// Why the demo city was not generated.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The database already holds data.
    #[error(
        "the database is not empty (it holds addresses, organisations or people); use --force to replace its contents"
    )]
    NotEmpty,
    /// The bundled figures are unreadable.
    #[error(transparent)]
    Data(#[from] data::DataError),
    /// A store failed; the copy's transaction was rolled back.
    #[error("storing the demo city failed: {0}")]
    Database(#[from] diesel::result::Error),
    /// A declaration was refused (a generator defect).
    #[error("a demo declaration was refused: {0}")]
    Filing(String),
}

impl crate::db::TransactionError for DemoError {
    fn is_transient(&self) -> bool {
        matches!(self, Self::Database(error) if crate::db::TransactionError::is_transient(error))
    }
}

impl From<ApiError> for DemoError {
    fn from(error: ApiError) -> Self {
        Self::Filing(error.to_string())
    }
}

/// A step done, for a progress bar: the copy and what was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The copy, from 0.
    pub copy: usize,
    /// What was just stored.
    pub what: &'static str,
}

/// Whether the database holds no addresses, organisations or people.
pub fn is_empty(conn: &mut DbConnection) -> QueryResult<bool> {
    let count = addresses::table.count().get_result::<i64>(conn)?
        + organisations::table.count().get_result::<i64>(conn)?
        + people::table.count().get_result::<i64>(conn)?;
    Ok(count == 0)
}

/// Generates the demo city into an empty database, one write transaction
/// per copy; `progress` hears of every step.
pub fn generate(
    conn: &mut DbConnection,
    rules: &RuleSet,
    options: &DemoOptions,
    progress: &dyn Fn(Step),
) -> Result<DemoReport, DemoError> {
    if !is_empty(conn)? {
        return Err(DemoError::NotEmpty);
    }
    let keep = |code: &str| {
        options
            .only_buurten
            .as_ref()
            .is_none_or(|only| only.contains(code))
    };
    let cells: Vec<Cell> = data::cells()?
        .into_iter()
        .filter(|c| keep(&c.buurt))
        .collect();
    let buurten: Vec<Buurt> = data::buurten()?
        .into_iter()
        .filter(|b| keep(&b.buurt))
        .collect();
    let actor = Actor {
        subject: "demo".to_owned(),
        role: Role::Staff,
        purpose: None,
        trace_id: format!("demo-{}", options.seed),
        deferred: None,
    };
    let kvks: Vec<KvkNumber> = crate::db::write_transaction(conn, |conn| {
        labour::organisations()
            .iter()
            .map(|fields| {
                stored_organisations::insert(conn, fields)?;
                KvkNumber::parse(&fields.kvk_number).map_err(|e| DemoError::Filing(e.to_string()))
            })
            .collect::<Result<Vec<_>, DemoError>>()
    })?;
    let mut report = DemoReport {
        organisations: kvks.len(),
        ..DemoReport::default()
    };
    for copy in 0..options.scale.max(1) {
        let plan = plan_copy(&cells, &buurten, &kvks, options, copy);
        progress(Step {
            copy,
            what: "planned",
        });
        crate::db::write_transaction(conn, |conn| {
            store_copy(conn, rules, &actor, &plan, options, progress)
        })?;
        report.add(&plan);
        if copy == 0 {
            report.inspections = crate::db::write_transaction(conn, |conn| {
                earlier_inspections(conn, rules, &actor, options)
            })?;
        }
    }
    crate::db::refresh_planner_statistics(conn, &[])?;
    Ok(report)
}

/// How many visits the earlier walking list has.
const EARLIER_VISITS: u32 = 8;

/// A walking list three weeks before the demo's day, planned and walked
/// through the same use cases as the API; at every third visit more
/// people were found than the registry knows of. Gives the visits.
fn earlier_inspections(
    conn: &mut DbConnection,
    rules: &RuleSet,
    staff: &Actor,
    options: &DemoOptions,
) -> Result<usize, DemoError> {
    let day = options.today - chrono::Days::new(21);
    let request = PlanRequest {
        date: day,
        inspector: "insp-01".to_owned(),
        neighbourhoods: Vec::new(),
        capacity: EARLIER_VISITS,
        min_score: None,
        start: None,
    };
    let planned = inspections::plan_list(conn, rules, &PlanningConfig::default(), staff, &request)?;
    let inspector = Actor {
        subject: request.inspector.clone(),
        role: Role::Inspector,
        ..staff.clone()
    };
    for (n, visit) in (0_u32..).zip(&planned.visits) {
        let known = u32::try_from(visit.occupant_count).unwrap_or(u32::MAX);
        let is_overcrowded = n % 3 == 0;
        let outcome = Outcome {
            visited_at: day.and_time(chrono::NaiveTime::MIN)
                + chrono::TimeDelta::hours(9 + i64::from(n)),
            result: if is_overcrowded {
                InspectionResult::Violation
            } else {
                InspectionResult::NoViolation
            },
            persons_found: Some(if is_overcrowded { known + 3 } else { known }),
            bedrooms_found: None,
            notes: is_overcrowded
                .then(|| "Meer bewoners aangetroffen dan ingeschreven.".to_owned()),
        };
        inspections::record_outcome(conn, rules, &inspector, visit.inspection.id, outcome)?;
    }
    Ok(planned.visits.len())
}

/// One copy of the city, planned in memory.
#[derive(Debug, Clone)]
pub struct CopyPlan {
    /// Which copy.
    pub copy: usize,
    /// Its addresses.
    pub addresses: Vec<DemoAddress>,
    /// Its labour-migrant sites.
    pub sites: Vec<Site>,
    /// Its BRP extract rows: households, then registered labour migrants.
    pub residents: Vec<Resident>,
}

impl DemoReport {
    fn add(&mut self, plan: &CopyPlan) {
        self.addresses += plan.addresses.len();
        self.dwellings += plan.addresses.iter().filter(|a| a.is_dwelling()).count();
        self.residents += plan.residents.len();
        self.sites += plan.sites.len();
        self.problem_sites += plan
            .sites
            .iter()
            .filter(|s| s.pattern != Pattern::Unremarkable)
            .count();
        self.declarations += plan
            .sites
            .iter()
            .map(|s| s.declarations.len())
            .sum::<usize>();
    }
}

/// Plans copy `copy`: addresses, sites and residents. Pure: the same
/// inputs give the same plan.
pub fn plan_copy(
    cells: &[Cell],
    buurten: &[Buurt],
    organisations: &[KvkNumber],
    options: &DemoOptions,
    copy: usize,
) -> CopyPlan {
    let addresses = city::addresses(cells, options.seed, copy);
    let mut rng = Rng::new(options.seed ^ 0x51_7E5 ^ (copy as u64).wrapping_mul(0x2545_F491));
    let mut bsns = BsnSequence::for_copy(copy);
    let dwellings: Vec<usize> = (0..addresses.len())
        .filter(|&i| addresses[i].is_dwelling())
        .collect();
    let site_count = (dwellings.len() / labour::DWELLINGS_PER_SITE).max(labour::MIN_SITES);
    let mut candidates: Vec<usize> = dwellings
        .iter()
        .copied()
        .filter(|&i| addresses[i].bedrooms() >= 2)
        .collect();
    shuffle(&mut rng, &mut candidates);
    let reserved_count = (site_count + site_count / 16 + 1).min(candidates.len());
    let reserved: BTreeSet<usize> = candidates[..reserved_count].iter().copied().collect();
    let places = Places {
        dwellings: candidates[..site_count.min(reserved_count)]
            .iter()
            .map(|&i| &addresses[i])
            .collect(),
        elsewhere: candidates[site_count.min(reserved_count)..reserved_count]
            .iter()
            .map(|&i| &addresses[i])
            .collect(),
        non_residential: addresses.iter().filter(|a| !a.is_dwelling()).collect(),
    };
    let sites = labour::sites(&mut rng, &mut bsns, options.today, organisations, &places);
    let buurt_of: BTreeMap<AddressKey, &str> = addresses
        .iter()
        .map(|a| (a.fields.key(), a.buurt.as_str()))
        .collect();
    let mut migrants: Vec<Resident> = Vec::new();
    for declaration in sites.iter().flat_map(|s| &s.declarations) {
        if let (Some((address, since)), Some(bsn)) =
            (&declaration.registered, &declaration.draft.worker.bsn)
        {
            migrants.push(Resident {
                line: 0,
                bsn: bsn.clone(),
                family_name: declaration.draft.worker.family_name.clone(),
                given_names: declaration.draft.worker.given_names.clone(),
                date_of_birth: declaration.draft.worker.date_of_birth,
                address: address.clone(),
                registered_since: *since,
                household: declaration.draft.household.clone(),
            });
        }
    }
    let mut registered_migrants: BTreeMap<&str, usize> = BTreeMap::new();
    for migrant in &migrants {
        if let Some(buurt) = buurt_of.get(&migrant.address.key()) {
            *registered_migrants.entry(buurt).or_default() += 1;
        }
    }
    let mut residents = Vec::new();
    for buurt in buurten {
        let free: Vec<&DemoAddress> = dwellings
            .iter()
            .filter(|&&i| addresses[i].buurt == buurt.buurt && !reserved.contains(&i))
            .map(|&i| &addresses[i])
            .collect();
        let people = (buurt.inhabitants as usize).saturating_sub(
            registered_migrants
                .get(buurt.buurt.as_str())
                .copied()
                .unwrap_or(0),
        );
        let first_line = residents.len() as u64 + 2;
        residents.extend(city::residents(
            &mut rng,
            buurt,
            &free,
            people,
            options.today,
            &mut bsns,
            first_line,
        ));
    }
    for mut migrant in migrants {
        migrant.line = residents.len() as u64 + 2;
        residents.push(migrant);
    }
    CopyPlan {
        copy,
        addresses,
        sites,
        residents,
    }
}

fn shuffle<T>(rng: &mut Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i + 1));
    }
}

/// Stores one planned copy in the caller's transaction.
fn store_copy(
    conn: &mut DbConnection,
    rules: &RuleSet,
    actor: &Actor,
    plan: &CopyPlan,
    options: &DemoOptions,
    progress: &dyn Fn(Step),
) -> Result<(), DemoError> {
    let copy = plan.copy;
    let fields: Vec<_> = plan.addresses.iter().map(|a| a.fields.clone()).collect();
    let mut address_ids: BTreeMap<AddressKey, i64> = BTreeMap::new();
    if copy == 0 {
        address_use_cases::import_addresses(conn, rules, &fields, &|| {})?;
    } else {
        // The copy's postcodes are new: insert without loading the stored
        // addresses, so that memory stays bounded by one copy.
        for row in &fields {
            let stored = crate::db::addresses::insert(conn, row)?;
            address_ids.insert(row.key(), stored.id);
        }
    }
    for site in &plan.sites {
        let items: Vec<Result<Submission, ApiError>> = site
            .declarations
            .iter()
            .map(|d| {
                Ok(Submission {
                    agency: d.agency.clone(),
                    draft: d.draft.clone(),
                })
            })
            .collect();
        let part = filing::file_batch_part(conn, rules, actor, 0, &items, None)?;
        for result in part.results {
            result?;
        }
        filing::queue_batch_receipts(conn, &part.filed)?;
    }
    progress(Step {
        copy,
        what: "declarations",
    });
    if copy == 0 {
        let extract = Extract {
            as_of: options.today,
            separator: Separator::Comma,
            byte_order_mark: false,
            dropped_columns: vec![],
            residents: plan.residents.clone(),
        };
        residents::import(conn, actor, rules, &extract, &|| {})?;
    } else {
        append_residents(conn, &plan.residents, &address_ids)?;
        let ids: Vec<i64> = address_ids.values().copied().collect();
        for chunk in ids.chunks(EVALUATION_CHUNK) {
            evaluation::reevaluate_addresses(conn, rules, chunk)?;
        }
    }
    progress(Step {
        copy,
        what: "residents",
    });
    Ok(())
}

/// Appends a later copy's residents with the import's bulk writes: a new
/// person per unknown BSN and one registration each.
fn append_residents(
    conn: &mut DbConnection,
    rows: &[Resident],
    address_ids: &BTreeMap<AddressKey, i64>,
) -> QueryResult<()> {
    let at = crate::db::now();
    let mut known = BTreeMap::new();
    let mut new = Vec::new();
    for row in rows {
        if let Some(person) = crate::db::people::find_by_bsn(conn, &row.bsn)? {
            known.insert(row.bsn.as_str().to_owned(), person.id);
        } else {
            new.push(NewResident {
                bsn: Some(row.bsn.clone()),
                family_name: row.family_name.clone(),
                given_names: row.given_names.clone(),
                date_of_birth: row.date_of_birth,
                created_at: at,
                updated_at: at,
            });
        }
    }
    let ids = registrations::insert_residents(conn, &new)?;
    let registrations: Vec<NewRegistration> = rows
        .iter()
        .filter_map(|row| {
            let person_id = known
                .get(row.bsn.as_str())
                .or_else(|| ids.get(row.bsn.as_str()))?;
            Some(NewRegistration {
                person_id: *person_id,
                address_id: *address_ids.get(&row.address.key())?,
                start_date: row.registered_since,
                household: row.household.clone(),
                source: OccupancySource::Registry,
                created_at: at,
            })
        })
        .collect();
    registrations::insert(conn, &registrations).map(drop)
}

/// A digest of the stored city that ignores row times: every address, the
/// organisations, and per address the rules' view (occupants, declarations,
/// landlords, move-ins) and the open signals' rules and evidence.
pub fn digest(conn: &mut DbConnection, on: NaiveDate) -> QueryResult<String> {
    let mut hash = Sha256::new();
    let mut stored: Vec<_> = crate::db::addresses::all_by_key(conn)?
        .into_values()
        .collect();
    stored.sort_by_key(|a| a.id);
    for address in stored {
        hash.update(format!("{}{:?}\n", address.id, address.fields()));
    }
    let mut organisations: Vec<_> = crate::db::snapshots::organisation_facts(conn)?
        .into_iter()
        .collect();
    organisations.sort_by_key(|(id, _)| *id);
    hash.update(format!("{organisations:?}\n"));
    for snapshot in crate::db::snapshots::build(conn, Scope::All, on, 90)? {
        hash.update(format!("{snapshot:?}\n"));
    }
    for signal in crate::db::signals::open_for(conn, None)? {
        hash.update(format!(
            "{} {} {:?}\n",
            signal.address_id, signal.rule, signal.evidence
        ));
    }
    Ok(format!("{:x}", hash.finalize()))
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    reason = "tests fail loudly; counts are far below 2^52"
)]
mod tests {
    use super::*;

    fn full_plan(seed: u64) -> CopyPlan {
        let options = DemoOptions {
            today: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default(),
            ..DemoOptions::new(seed)
        };
        let kvks: Vec<KvkNumber> = labour::organisations()
            .iter()
            .filter_map(|o| KvkNumber::parse(&o.kvk_number).ok())
            .collect();
        plan_copy(
            &data::cells().unwrap(),
            &data::buurten().unwrap(),
            &kvks,
            &options,
            0,
        )
    }

    /// The whole city at full size, without a database: every buurt's
    /// dwellings exactly as the CBS grid counts them, its registered
    /// residents within 1% of the CBS inhabitants wherever the grid puts
    /// dwellings, and about 1 400 labour migrants at about 300 addresses,
    /// most of them without a problem pattern.
    #[test]
    fn the_full_city_plan_follows_cbs_per_buurt_and_houses_the_labour_migrants() {
        let plan = full_plan(DEFAULT_SEED);
        let mut cbs_dwellings: BTreeMap<String, usize> = BTreeMap::new();
        for cell in data::cells().unwrap() {
            *cbs_dwellings.entry(cell.buurt).or_default() += cell.dwellings as usize;
        }
        let buurt_of: BTreeMap<AddressKey, &str> = plan
            .addresses
            .iter()
            .map(|a| (a.fields.key(), a.buurt.as_str()))
            .collect();
        let mut dwellings: BTreeMap<&str, usize> = BTreeMap::new();
        for address in plan.addresses.iter().filter(|a| a.is_dwelling()) {
            *dwellings.entry(address.buurt.as_str()).or_default() += 1;
        }
        let mut residents: BTreeMap<&str, usize> = BTreeMap::new();
        for resident in &plan.residents {
            *residents
                .entry(buurt_of[&resident.address.key()])
                .or_default() += 1;
        }
        for buurt in data::buurten().unwrap() {
            let code = buurt.buurt.as_str();
            let planned = dwellings.get(code).copied().unwrap_or(0);
            assert_eq!(
                planned,
                cbs_dwellings.get(code).copied().unwrap_or(0),
                "{code}"
            );
            if planned > 0 {
                let people = residents.get(code).copied().unwrap_or(0) as f64;
                let expected = f64::from(buurt.inhabitants);
                assert!(
                    (people - expected).abs() <= expected * 0.01,
                    "{code}: {people} vs {expected}"
                );
            }
        }
        assert_eq!(dwellings.values().sum::<usize>(), 36_100);
        let total = plan.residents.len();
        assert!((75_000..=77_000).contains(&total), "{total} residents");
        let declarations: usize = plan.sites.iter().map(|s| s.declarations.len()).sum();
        assert!(
            (1_200..=1_600).contains(&declarations),
            "{declarations} declarations"
        );
        assert_eq!(plan.sites.len(), 300);
        let problems = plan
            .sites
            .iter()
            .filter(|s| s.pattern != Pattern::Unremarkable)
            .count();
        assert!(
            problems * 2 < plan.sites.len() && problems * 5 > plan.sites.len(),
            "{problems}"
        );
    }

    #[test]
    fn the_same_seed_plans_the_same_city_and_another_seed_another() {
        let first = full_plan(1);
        let again = full_plan(1);
        assert_eq!(first.addresses, again.addresses);
        assert_eq!(first.residents, again.residents);
        assert_eq!(first.sites, again.sites);
        assert_ne!(first.addresses, full_plan(2).addresses);
    }
}
