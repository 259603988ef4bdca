//! The demo city's labour migrants: the agencies and landlords, and the
//! declarations to file, site by site. Most sites are unremarkable; about a
//! third show one of the problem patterns the rules look for.

use chrono::NaiveDate;

use super::city::{BsnSequence, DemoAddress, days_before};
use crate::db::organisations::OrganisationFields;
use crate::domain::{Bsn, KvkNumber};
use crate::registry::filing::{AddressRef, DeclarationDraft, Worker};
use crate::registry::synthetic::Rng;

/// Temp agencies in the demo city.
pub const AGENCIES: usize = 15;
/// Landlords that are not agencies.
pub const LANDLORDS: usize = 40;
/// The last agencies are not certified.
const UNCERTIFIED_AGENCIES: usize = 3;
/// The first landlords belong to the group of the agency of the same position.
const GROUP_LANDLORDS: usize = 8;
/// The last landlords are not certified.
const UNCERTIFIED_LANDLORDS: usize = 5;
/// One labour-migrant site per this many dwellings.
pub const DWELLINGS_PER_SITE: usize = 120;
/// Fewest sites in a (partial) city, so that every pattern occurs.
pub const MIN_SITES: usize = 40;

const WORKER_FAMILY_NAMES: [&str; 16] = [
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Wójcik",
    "Kamiński",
    "Lewandowski",
    "Popescu",
    "Ionescu",
    "Popa",
    "Dumitru",
    "Ivanov",
    "Georgiev",
    "Dimitrov",
    "Kazlauskas",
    "Bērziņš",
    "Horváth",
];
const WORKER_GIVEN_NAMES: [&str; 16] = [
    "Piotr",
    "Anna",
    "Krzysztof",
    "Agnieszka",
    "Tomasz",
    "Marta",
    "Andrei",
    "Elena",
    "Ion",
    "Maria",
    "Georgi",
    "Ivana",
    "Dimitar",
    "Jonas",
    "Laura",
    "Gábor",
];
const NATIONALITIES: [&str; 6] = ["PL", "PL", "RO", "BG", "LT", "HU"];

/// What a site shows the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// More workers than floor area and bedrooms allow.
    Overcrowding,
    /// The employing agency lets the dwelling itself.
    AgencyIsLandlord,
    /// A landlord in the agency's group lets the dwelling.
    AgencyGroupLandlord,
    /// Rent deducted from wages by an uncertified agency and landlord.
    WageDeductionUncertified,
    /// The lease is part of the work contract.
    CoupledContracts,
    /// Many short stays in the last three months.
    HighTurnover,
    /// Declared for months, never registered in the BRP.
    DeclaredNotRegistered,
    /// Declared here, registered at another address.
    RegisteredElsewhere,
    /// Adults who do not form one household.
    UnrelatedAdults,
    /// Workers housed at a non-residential address.
    NonResidentialUse,
    /// Four workers of one agency.
    EmployerConcentration,
    /// Nothing remarkable.
    Unremarkable,
}

/// The problem patterns, in the order sites cycle through them.
const PROBLEMS: [Pattern; 11] = [
    Pattern::Overcrowding,
    Pattern::AgencyIsLandlord,
    Pattern::AgencyGroupLandlord,
    Pattern::WageDeductionUncertified,
    Pattern::CoupledContracts,
    Pattern::HighTurnover,
    Pattern::DeclaredNotRegistered,
    Pattern::RegisteredElsewhere,
    Pattern::UnrelatedAdults,
    Pattern::NonResidentialUse,
    Pattern::EmployerConcentration,
];

/// Sites cycle through this many slots; the first [`PROBLEMS`] are problems.
const CYCLE: usize = 32;

/// The pattern of site `index`.
pub fn pattern(index: usize) -> Pattern {
    PROBLEMS
        .get(index % CYCLE)
        .copied()
        .unwrap_or(Pattern::Unremarkable)
}

/// How many people `area` m² houses at 12 m² each.
fn people_for_area(area: f64) -> usize {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a floor area of at most 100 000 m², clamped at 0"
    )]
    let people = (area.max(0.0) / 12.0).floor() as usize;
    people
}

fn kvk(i: usize) -> String {
    format!("{:08}", 70_000_000 + i)
}

/// The agencies (first [`AGENCIES`]) and landlords of the demo city.
pub fn organisations() -> Vec<OrganisationFields> {
    let agencies = (0..AGENCIES).map(|i| OrganisationFields {
        kvk_number: kvk(i),
        name: format!(
            "Flexwerk {} Uitzendbureau B.V.",
            AGENCY_NAMES[i % AGENCY_NAMES.len()]
        ),
        is_agency: true,
        is_landlord: false,
        parent_kvk_number: None,
        is_certified: i < AGENCIES - UNCERTIFIED_AGENCIES,
        contact_email: None,
    });
    let landlords = (0..LANDLORDS).map(|i| OrganisationFields {
        kvk_number: kvk(100 + i),
        name: format!("{} Vastgoed B.V.", LANDLORD_NAMES[i % LANDLORD_NAMES.len()]),
        is_agency: false,
        is_landlord: true,
        parent_kvk_number: (i < GROUP_LANDLORDS).then(|| kvk(i)),
        is_certified: i < LANDLORDS - UNCERTIFIED_LANDLORDS,
        contact_email: None,
    });
    agencies.chain(landlords).collect()
}

const AGENCY_NAMES: [&str; 15] = [
    "Maasdelta",
    "Westland",
    "Haven",
    "Rijnmond",
    "Noordzee",
    "Polder",
    "Delta",
    "Kust",
    "Schie",
    "Vliet",
    "Merwe",
    "Oever",
    "Zuidwest",
    "Randstad-Zuid",
    "Nieuwe Waterweg",
];
const LANDLORD_NAMES: [&str; 20] = [
    "Holy",
    "Kethel",
    "Broekpolder",
    "Vaart",
    "Babberspolder",
    "Centrum",
    "Oostwijk",
    "Westwijk",
    "Ambacht",
    "Hoogstad",
    "Drevenhof",
    "Kruiden",
    "Loper",
    "Hofstede",
    "Marathon",
    "Zwaluw",
    "Meeuwen",
    "Visserij",
    "Haring",
    "Sluis",
];

/// One declaration to file, and whether the worker is in the BRP extract
/// (and where).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedDeclaration {
    /// The filing agency.
    pub agency: KvkNumber,
    /// The declaration.
    pub draft: DeclarationDraft,
    /// Where the worker is registered in the BRP, and since when.
    pub registered: Option<(AddressRef, NaiveDate)>,
}

/// The declarations of one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Its pattern.
    pub pattern: Pattern,
    /// Its declarations.
    pub declarations: Vec<PlannedDeclaration>,
}

/// Where sites may go: dwellings, spare dwellings for registrations
/// elsewhere, and non-residential addresses.
pub struct Places<'a> {
    /// Dwellings for the sites, in order.
    pub dwellings: Vec<&'a DemoAddress>,
    /// Dwellings to register workers at elsewhere.
    pub elsewhere: Vec<&'a DemoAddress>,
    /// Non-residential addresses.
    pub non_residential: Vec<&'a DemoAddress>,
}

struct Planner<'a> {
    rng: &'a mut Rng,
    bsns: &'a mut BsnSequence,
    today: NaiveDate,
    organisations: &'a [KvkNumber],
}

impl Planner<'_> {
    fn agency(&self, i: usize) -> KvkNumber {
        self.organisations[i % AGENCIES].clone()
    }

    fn landlord(&self, i: usize) -> KvkNumber {
        self.organisations[AGENCIES + i % LANDLORDS].clone()
    }

    fn worker(&mut self, bsn: Bsn, start: NaiveDate) -> Worker {
        let age_days = (20 + self.rng.below(36)) * 365 + self.rng.below(365);
        Worker {
            bsn: Some(bsn),
            family_name: WORKER_FAMILY_NAMES[self.rng.below(WORKER_FAMILY_NAMES.len())].to_owned(),
            given_names: WORKER_GIVEN_NAMES[self.rng.below(WORKER_GIVEN_NAMES.len())].to_owned(),
            date_of_birth: days_before(start.min(self.today), age_days),
            nationality: Some(NATIONALITIES[self.rng.below(NATIONALITIES.len())].to_owned()),
        }
    }

    #[expect(clippy::too_many_arguments, reason = "one declaration's terms")]
    fn declaration(
        &mut self,
        at: &DemoAddress,
        agency: KvkNumber,
        landlord: KvkNumber,
        household: Option<String>,
        start: NaiveDate,
        end: Option<NaiveDate>,
        terms: (bool, bool),
        registered: Option<(AddressRef, NaiveDate)>,
    ) -> PlannedDeclaration {
        let bsn = self.bsns.next_bsn();
        let worker = self.worker(bsn, start);
        PlannedDeclaration {
            agency,
            draft: DeclarationDraft {
                worker,
                address: at.reference.clone(),
                landlord_kvk_number: landlord,
                household,
                start_date: start,
                end_date: end,
                rent_per_month_cents: i64::try_from(45_000 + self.rng.below(30) * 1_000).ok(),
                rent_deducted_from_wages: terms.0,
                separate_rental_contract: terms.1,
            },
            registered,
        }
    }

    /// A start date long enough ago to be registered, and the registration.
    fn settled(&mut self, at: &DemoAddress) -> (NaiveDate, Option<(AddressRef, NaiveDate)>) {
        let start = days_before(self.today, 130 + self.rng.below(570));
        let since = days_before(start, 0)
            .checked_add_days(chrono::Days::new(3 + self.rng.below(40) as u64))
            .unwrap_or(start);
        (start, Some((at.reference.clone(), since)))
    }

    /// Either settled and registered, or recent and not yet registered.
    fn ordinary(&mut self, at: &DemoAddress) -> (NaiveDate, Option<(AddressRef, NaiveDate)>) {
        if self.rng.chance(0.4) {
            (days_before(self.today, 10 + self.rng.below(100)), None)
        } else {
            self.settled(at)
        }
    }

    #[expect(clippy::too_many_lines, reason = "one arm per pattern, read together")]
    fn site(&mut self, index: usize, places: &Places<'_>) -> Option<Site> {
        let pattern = pattern(index);
        let at = *if pattern == Pattern::NonResidentialUse {
            places
                .non_residential
                .get(index / CYCLE % places.non_residential.len().max(1))?
        } else {
            places.dwellings.get(index)?
        };
        let label = Some(format!("{}-{}", at.fields.postcode, at.fields.house_number));
        let a = self.rng.below(AGENCIES - UNCERTIFIED_AGENCIES);
        let b = (a + 1 + self.rng.below(AGENCIES - UNCERTIFIED_AGENCIES - 1))
            % (AGENCIES - UNCERTIFIED_AGENCIES);
        let certified_landlord = GROUP_LANDLORDS
            + self
                .rng
                .below(LANDLORDS - GROUP_LANDLORDS - UNCERTIFIED_LANDLORDS);
        let mut declarations = Vec::new();
        match pattern {
            Pattern::Overcrowding => {
                let by_area = people_for_area(at.floor_area()) + 1;
                let count = by_area.max(2 * at.bedrooms() as usize + 1).clamp(5, 12);
                for _ in 0..count {
                    let (start, registered) = self.ordinary(at);
                    let (agency, landlord) = (self.agency(a), self.landlord(certified_landlord));
                    declarations.push(self.declaration(
                        at,
                        agency,
                        landlord,
                        None,
                        start,
                        None,
                        (false, true),
                        registered,
                    ));
                }
            }
            Pattern::AgencyIsLandlord
            | Pattern::AgencyGroupLandlord
            | Pattern::CoupledContracts
            | Pattern::EmployerConcentration => {
                let agency_index = if pattern == Pattern::AgencyGroupLandlord {
                    a % GROUP_LANDLORDS
                } else {
                    a
                };
                let landlord = match pattern {
                    Pattern::AgencyIsLandlord => self.agency(agency_index),
                    Pattern::AgencyGroupLandlord => self.landlord(agency_index),
                    _ => self.landlord(certified_landlord),
                };
                let count = if pattern == Pattern::EmployerConcentration {
                    4
                } else {
                    2 + self.rng.below(2)
                };
                let separate = pattern != Pattern::CoupledContracts;
                for _ in 0..count {
                    let (start, registered) = self.ordinary(at);
                    let agency = self.agency(agency_index);
                    declarations.push(self.declaration(
                        at,
                        agency,
                        landlord.clone(),
                        label.clone(),
                        start,
                        None,
                        (false, separate),
                        registered,
                    ));
                }
            }
            Pattern::WageDeductionUncertified => {
                let (x, y) = (
                    self.rng.below(UNCERTIFIED_AGENCIES),
                    self.rng.below(UNCERTIFIED_LANDLORDS),
                );
                let agency = self.agency(AGENCIES - 1 - x);
                let landlord = self.landlord(LANDLORDS - 1 - y);
                for _ in 0..2 {
                    let (start, registered) = self.ordinary(at);
                    declarations.push(self.declaration(
                        at,
                        agency.clone(),
                        landlord.clone(),
                        label.clone(),
                        start,
                        None,
                        (true, true),
                        registered,
                    ));
                }
            }
            Pattern::HighTurnover => {
                for i in 0..7 {
                    let start = days_before(self.today, 80 - i * 10);
                    let end = (i < 5).then(|| days_before(self.today, 72 - i * 10));
                    let (agency, landlord) = (
                        self.agency(if i % 2 == 0 { a } else { b }),
                        self.landlord(certified_landlord),
                    );
                    declarations.push(self.declaration(
                        at,
                        agency,
                        landlord,
                        label.clone(),
                        start,
                        end,
                        (false, true),
                        None,
                    ));
                }
            }
            Pattern::DeclaredNotRegistered => {
                for _ in 0..3 {
                    let start = days_before(self.today, 150 + self.rng.below(150));
                    let (agency, landlord) = (self.agency(a), self.landlord(certified_landlord));
                    declarations.push(self.declaration(
                        at,
                        agency,
                        landlord,
                        label.clone(),
                        start,
                        None,
                        (false, true),
                        None,
                    ));
                }
            }
            Pattern::RegisteredElsewhere => {
                let elsewhere = places
                    .elsewhere
                    .get(index / CYCLE % places.elsewhere.len().max(1))?;
                for _ in 0..2 {
                    let start = days_before(self.today, 30 + self.rng.below(60));
                    let since = days_before(self.today, 400 + self.rng.below(400));
                    let (agency, landlord) = (self.agency(a), self.landlord(certified_landlord));
                    declarations.push(self.declaration(
                        at,
                        agency,
                        landlord,
                        label.clone(),
                        start,
                        None,
                        (false, true),
                        Some((elsewhere.reference.clone(), since)),
                    ));
                }
            }
            Pattern::UnrelatedAdults => {
                for i in 0..4 {
                    let (start, registered) = self.settled(at);
                    let (agency, landlord) = (
                        self.agency(if i % 2 == 0 { a } else { b }),
                        self.landlord(certified_landlord),
                    );
                    declarations.push(self.declaration(
                        at,
                        agency,
                        landlord,
                        None,
                        start,
                        None,
                        (false, true),
                        registered,
                    ));
                }
            }
            Pattern::NonResidentialUse => {
                for i in 0..3 {
                    let (start, registered) = self.ordinary(at);
                    let (agency, landlord) = (
                        self.agency(if i % 2 == 0 { a } else { b }),
                        self.landlord(certified_landlord),
                    );
                    declarations.push(self.declaration(
                        at,
                        agency,
                        landlord,
                        label.clone(),
                        start,
                        None,
                        (false, true),
                        registered,
                    ));
                }
            }
            Pattern::Unremarkable => {
                let room = people_for_area(at.floor_area());
                let count = room.min(2 * at.bedrooms() as usize).clamp(2, 6);
                for i in 0..count {
                    let (start, registered) = self.ordinary(at);
                    let (agency, landlord) = (
                        self.agency(if i % 2 == 0 { a } else { b }),
                        self.landlord(certified_landlord),
                    );
                    let deducted = self.rng.chance(0.3);
                    declarations.push(self.declaration(
                        at,
                        agency,
                        landlord,
                        label.clone(),
                        start,
                        None,
                        (deducted, true),
                        registered,
                    ));
                }
            }
        }
        Some(Site {
            pattern,
            declarations,
        })
    }
}

/// The sites of one copy of the city: one per dwelling in
/// `places.dwellings`, each with its declarations.
pub fn sites(
    rng: &mut Rng,
    bsns: &mut BsnSequence,
    today: NaiveDate,
    organisations: &[KvkNumber],
    places: &Places<'_>,
) -> Vec<Site> {
    let mut planner = Planner {
        rng,
        bsns,
        today,
        organisations,
    };
    (0..places.dwellings.len())
        .filter_map(|index| planner.site(index, places))
        .collect()
}
