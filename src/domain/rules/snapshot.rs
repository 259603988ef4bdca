//! The input of the rules: what the registry knows about one address on one
//! day. It deliberately has no nationality, nor anything derived from it.

use chrono::NaiveDate;

use crate::domain::UsagePurpose;

/// What the rules see of an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationFacts {
    /// Row id.
    pub id: i64,
    /// KvK number.
    pub kvk_number: String,
    /// Name, for the evidence.
    pub name: String,
    /// Whether it is a temp agency.
    pub is_agency: bool,
    /// Whether it holds SNA / Wtta certification.
    pub is_certified: bool,
    /// Its own KvK number followed by its parents' up the chain
    /// (see [`super::group::chain`]).
    pub group: Vec<String>,
}

/// A current occupant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occupant {
    /// The person's id.
    pub person_id: i64,
    /// Date of birth, for who is an adult.
    pub date_of_birth: NaiveDate,
    /// Household label; `None` is a household of one.
    pub household: Option<String>,
    /// The occupant's current employers.
    pub employers: Vec<OrganisationFacts>,
    /// Registered at this address in the BRP on the day.
    pub registered: bool,
    /// Declared at this address on the day: the first day of the earliest
    /// declared occupancy in force.
    pub declared_since: Option<NaiveDate>,
    /// Registered in the BRP at another address of the municipality on
    /// the day.
    pub registered_elsewhere: bool,
}

impl Occupant {
    /// Whether an agency declared this occupant here.
    pub fn is_declared(&self) -> bool {
        self.declared_since.is_some()
    }
}

/// The terms of a declaration in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredTerms {
    /// The declaration's id.
    pub declaration_id: i64,
    /// Whether rent is deducted from wages.
    pub rent_deducted_from_wages: bool,
    /// Whether the lease is separate from the work contract.
    pub separate_rental_contract: bool,
    /// Who provides the housing (the declared landlord).
    pub provider: OrganisationFacts,
}

/// What the last inspection found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InspectionFinding {
    /// The day of the visit.
    pub visited_on: NaiveDate,
    /// People the inspector found living there.
    pub persons_found: u32,
    /// People declared to live there on that day.
    pub declared_on_visit: u32,
}

/// One address on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressSnapshot {
    /// The address's id.
    pub address_id: i64,
    /// BAG usage purpose.
    pub usage_purpose: UsagePurpose,
    /// Floor area in m², when known.
    pub floor_area_m2: Option<f64>,
    /// Bedrooms, when known.
    pub bedrooms: Option<u32>,
    /// The people living there on the day.
    pub occupants: Vec<Occupant>,
    /// The organisations letting, owning or managing it on the day.
    pub landlords: Vec<OrganisationFacts>,
    /// The days people moved in (occupancies of every source but the BRP,
    /// ended ones too).
    pub move_ins: Vec<NaiveDate>,
    /// Declarations in force on the day.
    pub declarations: Vec<DeclaredTerms>,
    /// The last inspection with a head count.
    pub last_inspection: Option<InspectionFinding>,
    /// Whether a BRP extract has ever been imported: without one, nobody
    /// is known to be registered anywhere.
    pub registry_imported: bool,
}

impl AddressSnapshot {
    /// An address with nobody living there.
    pub fn empty(address_id: i64, usage_purpose: UsagePurpose) -> Self {
        Self {
            address_id,
            usage_purpose,
            floor_area_m2: None,
            bedrooms: None,
            occupants: Vec::new(),
            landlords: Vec::new(),
            move_ins: Vec::new(),
            declarations: Vec::new(),
            last_inspection: None,
            registry_imported: false,
        }
    }
}
