//! An address's dossier: everything an inspector reads before a visit, in
//! one audited read. Occupants are the union of every source on the day,
//! each person once, naming where they are known from.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

use crate::db::DbConnection;
use crate::db::addresses::Address;
use crate::db::declarations::Declaration;
use crate::db::dossiers;
use crate::db::housing_provisions::{self, HousingProvision};
use crate::db::inspections::{self, Inspection};
use crate::db::organisations::Organisation;
use crate::db::people::Person;
use crate::db::signals::Signal;
use crate::db::snapshots::organisation_facts;
use crate::domain::rules::group::{Link, link};
use crate::domain::rules::{RuleSet, risk_by_address};
use crate::domain::{AuditAction, OccupancySource};
use crate::error::ApiError;
use crate::geo::RdPoint;
use crate::registry::Actor;
use crate::registry::addresses::find_address;

/// How far around the address open signals are shown, in metres.
pub const NEARBY_RADIUS_M: f64 = 250.0;

const PURPOSE: &str = "preparing an inspection visit";

/// Where the registry knows an occupant from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// Registered at the address in the BRP.
    Registered,
    /// Declared there by an agency.
    Declared,
    /// Found there at an inspection.
    Inspection,
    /// Entered by hand.
    Manual,
}

impl Source {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Declared => "declared",
            Self::Inspection => "inspection",
            Self::Manual => "manual",
        }
    }

    fn of(source: OccupancySource) -> Self {
        match source {
            OccupancySource::Registry => Self::Registered,
            OccupancySource::Declaration => Self::Declared,
            OccupancySource::Inspection => Self::Inspection,
            OccupancySource::Manual => Self::Manual,
        }
    }
}

/// One person living at the address on the day.
#[derive(Debug, Clone, PartialEq)]
pub struct DossierOccupant {
    /// The person.
    pub person: Person,
    /// Age in whole years on the day.
    pub age: u32,
    /// Household label (the first one known).
    pub household: Option<String>,
    /// The earliest start of a current occupancy.
    pub since: NaiveDate,
    /// Where the person is known from.
    pub sources: BTreeSet<Source>,
    /// Current employers.
    pub employers: Vec<Organisation>,
}

/// Occupant counts: per source and each person once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OccupantCounts {
    /// People registered in the BRP.
    pub registered: usize,
    /// People declared by agencies.
    pub declared: usize,
    /// Everyone, each once.
    pub combined: usize,
}

/// How a landlord is linked to one occupant's employer.
#[derive(Debug, Clone, PartialEq)]
pub struct EmployerLink {
    /// The employer.
    pub employer: Organisation,
    /// Same organisation or same group.
    pub link: Link,
}

/// A current landlord and its links to the occupants' employers.
#[derive(Debug, Clone, PartialEq)]
pub struct DossierLandlord {
    /// The provision (role, dates).
    pub provision: HousingProvision,
    /// The landlord organisation.
    pub organisation: Organisation,
    /// Employers it is linked to.
    pub links: Vec<EmployerLink>,
}

/// A declaration filed for the address.
#[derive(Debug, Clone, PartialEq)]
pub struct FiledDeclaration {
    /// The declaration.
    pub declaration: Declaration,
    /// The agency that filed it.
    pub agency: Organisation,
    /// The declared worker.
    pub worker: Option<Person>,
}

/// An open signal near the address.
#[derive(Debug, Clone, PartialEq)]
pub struct NearbySignal {
    /// The signal.
    pub signal: Signal,
    /// Its address.
    pub address: Address,
    /// Straight-line distance, in metres.
    pub distance_m: f64,
}

/// The whole dossier.
#[derive(Debug, Clone, PartialEq)]
pub struct Dossier {
    /// The address with its BAG facts.
    pub address: Address,
    /// Current occupants, by household then name.
    pub occupants: Vec<DossierOccupant>,
    /// Occupant counts.
    pub counts: OccupantCounts,
    /// Current landlords.
    pub landlords: Vec<DossierLandlord>,
    /// Open signals, most serious first.
    pub signals: Vec<Signal>,
    /// The risk score.
    pub risk_score: u32,
    /// Declarations, newest first.
    pub declarations: Vec<FiledDeclaration>,
    /// Inspections, the latest visit first.
    pub inspections: Vec<Inspection>,
    /// Open signals of other addresses within [`NEARBY_RADIUS_M`].
    pub nearby_signals: Vec<NearbySignal>,
}

/// Reads an address's dossier on day `on` and audit-logs the read with the
/// actor's purpose.
pub fn read_dossier(
    conn: &mut DbConnection,
    rules: &RuleSet,
    actor: &Actor,
    address_id: i64,
    on: NaiveDate,
) -> Result<Dossier, ApiError> {
    let address = find_address(conn, address_id)?;
    let occupants = occupants(conn, address_id, on)?;
    let counts = count(&occupants);
    let landlords = landlords(conn, address_id, on, &occupants)?;
    let mut open = dossiers::open_signals_at(conn, address_id)?;
    open.sort_by_key(|s| (-s.score, s.id));
    let risk_score = risk_by_address(open.iter().map(|s| (s.address_id, s.weight())), rules)
        .get(&address_id)
        .copied()
        .unwrap_or(0);
    let declarations = declarations(conn, address_id)?;
    let inspections = inspections::for_address(conn, address_id)?;
    let nearby_signals = nearby(conn, &address)?;
    actor.record(
        conn,
        AuditAction::DossierRead,
        format!("addresses/{address_id}/dossier"),
        PURPOSE,
    )?;
    Ok(Dossier {
        address,
        occupants,
        counts,
        landlords,
        signals: open,
        risk_score,
        declarations,
        inspections,
        nearby_signals,
    })
}

fn occupants(
    conn: &mut DbConnection,
    address_id: i64,
    on: NaiveDate,
) -> Result<Vec<DossierOccupant>, ApiError> {
    let current = dossiers::current_occupants(conn, address_id, on)?;
    let mut by_person: BTreeMap<i64, (Person, Option<String>, NaiveDate, BTreeSet<Source>)> =
        BTreeMap::new();
    for (occupancy, person) in current {
        let entry = by_person.entry(occupancy.person_id).or_insert_with(|| {
            (
                person,
                occupancy.household.clone(),
                occupancy.start_date,
                BTreeSet::new(),
            )
        });
        if entry.1.is_none() {
            entry.1.clone_from(&occupancy.household);
        }
        entry.2 = entry.2.min(occupancy.start_date);
        entry.3.insert(Source::of(occupancy.source));
    }
    let mut employers: HashMap<i64, Vec<Organisation>> = HashMap::new();
    let employments = if by_person.is_empty() {
        Vec::new()
    } else {
        dossiers::current_employments(conn, address_id, on)?
    };
    for (employment, organisation) in employments {
        let list = employers.entry(employment.person_id).or_default();
        if !list.iter().any(|o| o.id == organisation.id) {
            list.push(organisation);
        }
    }
    let mut occupants: Vec<DossierOccupant> = by_person
        .into_values()
        .map(|(person, household, since, sources)| DossierOccupant {
            age: on.years_since(person.date_of_birth).unwrap_or(0),
            employers: employers.remove(&person.id).unwrap_or_default(),
            person,
            household,
            since,
            sources,
        })
        .collect();
    occupants.sort_by(|a, b| {
        (
            a.household.is_none(),
            &a.household,
            &a.person.family_name,
            a.person.id,
        )
            .cmp(&(
                b.household.is_none(),
                &b.household,
                &b.person.family_name,
                b.person.id,
            ))
    });
    Ok(occupants)
}

/// Counts per source, and everyone once.
pub fn count(occupants: &[DossierOccupant]) -> OccupantCounts {
    OccupantCounts {
        registered: occupants
            .iter()
            .filter(|o| o.sources.contains(&Source::Registered))
            .count(),
        declared: occupants
            .iter()
            .filter(|o| o.sources.contains(&Source::Declared))
            .count(),
        combined: occupants.len(),
    }
}

fn landlords(
    conn: &mut DbConnection,
    address_id: i64,
    on: NaiveDate,
    occupants: &[DossierOccupant],
) -> Result<Vec<DossierLandlord>, ApiError> {
    let current: Vec<(HousingProvision, Organisation)> =
        housing_provisions::for_address(conn, address_id)?
            .into_iter()
            .filter(|(p, _)| p.start_date <= on && p.end_date.is_none_or(|end| end >= on))
            .collect();
    if current.is_empty() {
        return Ok(Vec::new());
    }
    let facts = organisation_facts(conn)?;
    let mut employers: Vec<&Organisation> = Vec::new();
    for employer in occupants.iter().flat_map(|o| &o.employers) {
        if !employers.iter().any(|e| e.id == employer.id) {
            employers.push(employer);
        }
    }
    Ok(current
        .into_iter()
        .map(|(provision, organisation)| {
            let links = employers
                .iter()
                .filter_map(|employer| {
                    let found = link(facts.get(&organisation.id)?, facts.get(&employer.id)?)?;
                    Some(EmployerLink {
                        employer: (*employer).clone(),
                        link: found,
                    })
                })
                .collect();
            DossierLandlord {
                provision,
                organisation,
                links,
            }
        })
        .collect())
}

fn declarations(
    conn: &mut DbConnection,
    address_id: i64,
) -> Result<Vec<FiledDeclaration>, ApiError> {
    let filed = dossiers::declarations_at(conn, address_id)?;
    if filed.is_empty() {
        return Ok(Vec::new());
    }
    let workers: HashMap<i64, Person> = dossiers::declared_workers(conn, address_id)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(filed
        .into_iter()
        .map(|(declaration, agency)| FiledDeclaration {
            worker: workers.get(&declaration.person_id).cloned(),
            declaration,
            agency,
        })
        .collect())
}

fn nearby(conn: &mut DbConnection, address: &Address) -> Result<Vec<NearbySignal>, ApiError> {
    let here = RdPoint {
        x: address.rd_x,
        y: address.rd_y,
    };
    Ok(
        dossiers::open_signals_around(conn, address.rd_x, address.rd_y, NEARBY_RADIUS_M)?
            .into_iter()
            .filter(|(_, other)| other.id != address.id)
            .filter_map(|(signal, other)| {
                let distance_m = here.distance_m(RdPoint {
                    x: other.rd_x,
                    y: other.rd_y,
                });
                (distance_m <= NEARBY_RADIUS_M).then_some(NearbySignal {
                    signal,
                    address: other,
                    distance_m,
                })
            })
            .collect(),
    )
}
