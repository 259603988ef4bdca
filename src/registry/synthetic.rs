//! A seeded generator of a synthetic city, for benchmarks and tests: the
//! same seed always gives the same city. Addresses lie inside the real
//! Vlaardingen buurten; temp agencies house workers in groups, some of them
//! in their own or a sister company's dwellings, some overcrowded.
//! It is the seed of the demo data, not a model of Vlaardingen itself.

use chrono::{Days, NaiveDate};
use diesel::result::QueryResult;

use crate::db::DbConnection;
use crate::db::addresses::{self, AddressFields};
use crate::db::organisations::{self, Organisation, OrganisationFields};
use crate::domain::rules::group::chain;
use crate::domain::rules::{AddressSnapshot, DeclaredTerms, Occupant, OrganisationFacts};
use crate::domain::{HouseNumber, KvkNumber, Postcode, UsagePurpose};
use crate::geo::{NeighbourhoodIndex, Wgs84Point};
use crate::registry::filing::{self, AddressRef, DeclarationDraft, Worker};

/// A small, fast, seeded random number generator (`SplitMix64`).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator that always gives the same numbers for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64() % (n.max(1) as u64)).unwrap_or(0)
    }

    /// A number in `0.0..1.0`.
    pub fn unit(&mut self) -> f64 {
        #[expect(
            clippy::cast_precision_loss,
            reason = "53 random bits fit a double exactly"
        )]
        let fraction = (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64;
        fraction
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// The size of a synthetic city.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CityPlan {
    /// The seed: the same plan and seed give the same city.
    pub seed: u64,
    /// Addresses.
    pub addresses: usize,
    /// Declared workers.
    pub workers: usize,
    /// Temp agencies.
    pub agencies: usize,
    /// Landlords that are not agencies.
    pub landlords: usize,
}

impl CityPlan {
    /// A city the size of Vlaardingen's housing stock with a few thousand
    /// declared workers.
    pub fn vlaardingen(seed: u64) -> Self {
        Self {
            seed,
            addresses: 40_000,
            workers: 3_000,
            agencies: 30,
            landlords: 60,
        }
    }
}

/// The KvK number of the `i`th synthetic organisation.
fn kvk(i: usize) -> String {
    format!("{:08}", 60_000_000 + i)
}

/// The postcode letters of pair `i`, skipping the pairs never issued.
fn letters(i: usize) -> String {
    let pairs = (0..26 * 26)
        .map(|n| {
            let first = char::from(b'A' + u8::try_from(n / 26).unwrap_or(0));
            let second = char::from(b'A' + u8::try_from(n % 26).unwrap_or(0));
            format!("{first}{second}")
        })
        .filter(|p| !matches!(p.as_str(), "SA" | "SD" | "SS"));
    pairs.cycle().nth(i).unwrap_or_else(|| "AA".to_owned())
}

/// The organisations of a plan: agencies, then landlords; about a third
/// certified. Every fifth agency shares a holding with the landlord of the
/// same position, so that housing by the employer's group occurs.
fn organisation_fields(plan: &CityPlan, rng: &mut Rng) -> Vec<OrganisationFields> {
    let holding = |i: usize| kvk(90_000 + i);
    (0..plan.agencies + plan.landlords)
        .map(|i| {
            let is_agency = i < plan.agencies;
            let position = if is_agency { i } else { i - plan.agencies };
            OrganisationFields {
                kvk_number: kvk(i),
                name: format!(
                    "{} {i}",
                    if is_agency {
                        "Uitzendbureau"
                    } else {
                        "Verhuurder"
                    }
                ),
                is_agency,
                is_landlord: !is_agency,
                parent_kvk_number: (position % 5 == 0).then(|| holding(position)),
                is_certified: rng.chance(0.35),
                contact_email: None,
            }
        })
        .collect()
}

/// The rules' view of the plan's organisations.
fn organisation_facts(fields: &[OrganisationFields]) -> Vec<OrganisationFacts> {
    let parent_of = |k: &str| {
        fields
            .iter()
            .find(|f| f.kvk_number == k)
            .and_then(|f| f.parent_kvk_number.as_deref())
    };
    fields
        .iter()
        .zip(1_i64..)
        .map(|(f, id)| OrganisationFacts {
            id,
            kvk_number: f.kvk_number.clone(),
            name: f.name.clone(),
            is_agency: f.is_agency,
            is_certified: f.is_certified,
            group: chain(&f.kvk_number, parent_of),
        })
        .collect()
}

/// How many workers live at each occupied address: groups of 1 to 8.
fn households(plan: &CityPlan, rng: &mut Rng) -> Vec<usize> {
    let mut sizes = Vec::new();
    let mut left = plan.workers;
    while left > 0 {
        let size = (1 + rng.below(8)).min(left);
        sizes.push(size);
        left -= size;
    }
    sizes
}

/// `count` snapshots of a synthetic city on day `on`, for benchmarking the
/// rules without a database.
pub fn snapshots(plan: &CityPlan, on: NaiveDate) -> Vec<AddressSnapshot> {
    let mut rng = Rng::new(plan.seed);
    let organisations = organisation_facts(&organisation_fields(plan, &mut rng));
    let (agencies, landlords) = organisations.split_at(plan.agencies.min(organisations.len()));
    let groups = households(plan, &mut rng);
    let mut snapshots: Vec<AddressSnapshot> = (0..plan.addresses)
        .map(|i| {
            let purpose = if rng.chance(0.03) {
                UsagePurpose::Industrial
            } else {
                UsagePurpose::Residential
            };
            let mut s = AddressSnapshot::empty(i64::try_from(i).unwrap_or(i64::MAX), purpose);
            s.floor_area_m2 = rng.chance(0.97).then(|| 25.0 + rng.unit() * 120.0);
            s.bedrooms = rng
                .chance(0.8)
                .then(|| u32::try_from(1 + rng.below(4)).unwrap_or(1));
            s
        })
        .collect();
    let mut person = 0_i64;
    for size in groups {
        let address = rng.below(plan.addresses.max(1));
        let Some(snapshot) = snapshots.get_mut(address) else {
            continue;
        };
        let agency = agencies.get(rng.below(agencies.len())).cloned();
        let landlord = if rng.chance(0.3) {
            agency.clone()
        } else {
            landlords.get(rng.below(landlords.len())).cloned()
        };
        for _ in 0..size {
            person += 1;
            let days_ago = u64::try_from(rng.below(400)).unwrap_or(0);
            let born_years = u64::try_from(20 + rng.below(40)).unwrap_or(30);
            snapshot.occupants.push(Occupant {
                person_id: person,
                date_of_birth: on
                    .checked_sub_days(Days::new(born_years * 365))
                    .unwrap_or(on),
                household: rng.chance(0.5).then(|| format!("h{address}")),
                employers: agency.iter().cloned().collect(),
                registered: false,
                declared_since: on.checked_sub_days(Days::new(days_ago)),
                registered_elsewhere: false,
            });
            snapshot
                .move_ins
                .push(on.checked_sub_days(Days::new(days_ago)).unwrap_or(on));
            if let Some(provider) = &landlord {
                snapshot.declarations.push(DeclaredTerms {
                    declaration_id: person,
                    rent_deducted_from_wages: rng.chance(0.4),
                    separate_rental_contract: rng.chance(0.7),
                    provider: provider.clone(),
                });
            }
        }
        if let Some(landlord) = landlord {
            snapshot.landlords.push(landlord);
        }
    }
    snapshots
}

/// What [`populate`] stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PopulateReport {
    /// Addresses stored.
    pub addresses: usize,
    /// Organisations stored.
    pub organisations: usize,
    /// Declarations filed.
    pub declarations: usize,
}

/// A random point inside a Vlaardingen buurt.
fn point_in_vlaardingen(rng: &mut Rng, index: &NeighbourhoodIndex) -> (f64, f64, Option<String>) {
    for _ in 0..1_000 {
        let latitude = 51.894 + rng.unit() * (51.951 - 51.894);
        let longitude = 4.268 + rng.unit() * (4.370 - 4.268);
        if let Some(buurt) = index.locate(Wgs84Point::new(latitude, longitude))
            && buurt.code.starts_with("BU0622")
        {
            return (latitude, longitude, Some(buurt.code.clone()));
        }
    }
    (51.9093, 4.3421, Some("BU06220103".to_owned()))
}

/// Stores a synthetic city through the registry's own writes: addresses,
/// organisations, and one filed declaration per worker (with its person,
/// employment, occupancy and landlord provision). Signals are not
/// evaluated; run a full evaluation afterwards.
pub fn populate(
    conn: &mut DbConnection,
    index: &NeighbourhoodIndex,
    plan: &CityPlan,
) -> Result<PopulateReport, filing::FilingError> {
    let mut rng = Rng::new(plan.seed);
    let mut organisations = Vec::with_capacity(plan.agencies + plan.landlords);
    for fields in organisation_fields(plan, &mut rng) {
        organisations.push(organisations::insert(conn, &fields)?);
    }
    let places = store_addresses(conn, index, plan, &mut rng)?;
    let (agencies, landlords) = organisations.split_at(plan.agencies.min(organisations.len()));
    let declarations = file_workers(conn, plan, &mut rng, &places, agencies, landlords)?;
    Ok(PopulateReport {
        addresses: places.len(),
        organisations: organisations.len(),
        declarations,
    })
}

/// Stores the plan's addresses at random places in Vlaardingen's buurten.
fn store_addresses(
    conn: &mut DbConnection,
    index: &NeighbourhoodIndex,
    plan: &CityPlan,
    rng: &mut Rng,
) -> QueryResult<Vec<AddressRef>> {
    let mut places = Vec::with_capacity(plan.addresses);
    for i in 0..plan.addresses {
        // Eight PC4 areas, 673 letter pairs each, then the next house number.
        let Ok(postcode) = Postcode::parse(&format!("{}{}", 3131 + i % 8, letters(i / 8 % 673)))
        else {
            continue;
        };
        let Ok(house_number) = HouseNumber::parse(i64::try_from(i / (8 * 673) + 1).unwrap_or(1))
        else {
            continue;
        };
        let (latitude, longitude, neighbourhood_code) = point_in_vlaardingen(rng, index);
        let rd = Wgs84Point::new(latitude, longitude).to_rd();
        let usage = if rng.chance(0.03) {
            UsagePurpose::Industrial
        } else {
            UsagePurpose::Residential
        };
        let place = AddressRef {
            postcode,
            house_number,
            house_letter: None,
            house_number_addition: None,
        };
        let (postcode, house_number, house_letter, house_number_addition) = place.key();
        addresses::insert(
            conn,
            &AddressFields {
                bag_id: None,
                postcode,
                house_number,
                house_letter,
                house_number_addition,
                street: format!("Synthetische straat {}", i % 400),
                city: "Vlaardingen".to_owned(),
                usage_purpose: usage,
                floor_area_m2: rng
                    .chance(0.97)
                    .then(|| (25.0 + rng.unit() * 120.0).round()),
                bedrooms: rng
                    .chance(0.8)
                    .then(|| i32::try_from(1 + rng.below(4)).unwrap_or(1)),
                latitude,
                longitude,
                rd_x: rd.x,
                rd_y: rd.y,
                neighbourhood_code,
            },
        )?;
        places.push(place);
    }
    Ok(places)
}

/// Files one declaration per worker, in groups at random addresses, each
/// group employed by one agency and housed by a landlord or the agency.
fn file_workers(
    conn: &mut DbConnection,
    plan: &CityPlan,
    rng: &mut Rng,
    places: &[AddressRef],
    agencies: &[Organisation],
    landlords: &[Organisation],
) -> Result<usize, filing::FilingError> {
    let today = crate::registry::evaluation::today();
    let days_ago = |days: usize| {
        today
            .checked_sub_days(Days::new(u64::try_from(days).unwrap_or(0)))
            .unwrap_or(today)
    };
    let mut filed = 0;
    let mut round = filing::FilingRound::default();
    for size in households(plan, rng) {
        let (Some(place), Some(agency)) = (
            places.get(rng.below(places.len())),
            agencies.get(rng.below(agencies.len())),
        ) else {
            continue;
        };
        let own_housing = rng.chance(0.3);
        let landlord = landlords
            .get(rng.below(landlords.len()))
            .filter(|_| !own_housing)
            .unwrap_or(agency);
        let Ok(landlord_kvk_number) = KvkNumber::parse(&landlord.kvk_number) else {
            continue;
        };
        let household = rng
            .chance(0.5)
            .then(|| format!("h{}-{}", place.postcode, place.house_number));
        for _ in 0..size {
            filed += 1;
            let draft = DeclarationDraft {
                worker: Worker {
                    bsn: None,
                    family_name: format!("Werknemer {filed}"),
                    given_names: "A.".to_owned(),
                    date_of_birth: days_ago(365 * (20 + rng.below(40))),
                    nationality: None,
                },
                address: place.clone(),
                landlord_kvk_number: landlord_kvk_number.clone(),
                household: household.clone(),
                start_date: days_ago(rng.below(400)),
                end_date: None,
                rent_per_month_cents: i64::try_from(30_000 + rng.below(40_000)).ok(),
                rent_deducted_from_wages: rng.chance(0.4),
                separate_rental_contract: rng.chance(0.7),
            };
            filing::file(conn, &mut round, agency, "synthetic", None, &draft)?;
        }
    }
    round.write_facts(conn)?;
    Ok(filed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_city() {
        let plan = CityPlan {
            addresses: 500,
            workers: 200,
            ..CityPlan::vlaardingen(7)
        };
        let on = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
        assert_eq!(snapshots(&plan, on), snapshots(&plan, on));
        let other = CityPlan { seed: 8, ..plan };
        assert_ne!(snapshots(&plan, on), snapshots(&other, on));
        let occupants: usize = snapshots(&plan, on).iter().map(|s| s.occupants.len()).sum();
        assert_eq!(occupants, 200);
    }

    #[test]
    fn generated_postcode_letters_are_valid_and_distinct() {
        let all: Vec<String> = (0..673).map(letters).collect();
        for pair in &all {
            assert!(Postcode::parse(&format!("3131{pair}")).is_ok(), "{pair}");
        }
        let mut unique = all.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 673);
    }
}
