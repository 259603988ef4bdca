//! The pure part of the demo city: addresses drawn from the CBS grid and
//! households drawn from the buurt figures. No database; the same seed,
//! copy and day always give the same values.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use super::data::{Buurt, Cell};
use crate::db::addresses::AddressFields;
use crate::domain::{Bsn, HouseLetter, HouseNumber, HouseNumberAddition, Postcode, UsagePurpose};
use crate::geo::RdPoint;
use crate::registry::filing::AddressRef;
use crate::registry::residents::extract::Resident;
use crate::registry::synthetic::Rng;

/// Addresses that share one postcode, at most.
const PER_POSTCODE: u32 = 25;
/// How far each copy of the city is shifted, in metres (RD).
const SHIFT_M: f64 = 8_000.0;
/// Copies side by side before a new row of copies starts.
const COPIES_PER_ROW: usize = 20;

const STREET_STEMS: [&str; 48] = [
    "Hoog",
    "Schiedamse",
    "Maassluisse",
    "Kethel",
    "Holy",
    "Vaart",
    "Broek",
    "Babbers",
    "Park",
    "Korte",
    "Lange",
    "Nieuwe",
    "Oude",
    "West",
    "Oost",
    "Zuid",
    "Noord",
    "Haring",
    "Visser",
    "Loods",
    "Sluis",
    "Dijk",
    "Haven",
    "Molen",
    "Kerk",
    "Markt",
    "School",
    "Tuin",
    "Linden",
    "Eiken",
    "Beuken",
    "Wilgen",
    "Esdoorn",
    "Iepen",
    "Populier",
    "Kastanje",
    "Merel",
    "Lijster",
    "Zwaluw",
    "Reiger",
    "Meeuw",
    "Fazant",
    "Tulp",
    "Roos",
    "Lelie",
    "Anjer",
    "Iris",
    "Dahlia",
];
const STREET_KINDS: [&str; 8] = [
    "straat", "laan", "weg", "kade", "singel", "plein", "hof", "dreef",
];
const FAMILY_NAMES: [&str; 24] = [
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Yilmaz",
    "El Amrani",
];
const GIVEN_NAMES: [&str; 24] = [
    "Daan", "Sem", "Lucas", "Milan", "Levi", "Noah", "Finn", "Jesse", "Bram", "Thijs", "Emma",
    "Julia", "Mila", "Tess", "Sophie", "Zoë", "Sara", "Anna", "Eva", "Noor", "Fatima", "Mohamed",
    "Anouk", "Ruben",
];

/// Non-residential addresses per hundred dwellings, about.
const NON_RESIDENTIAL_PERCENT: usize = 3;

/// One generated address.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoAddress {
    /// What is stored.
    pub fields: AddressFields,
    /// How declarations and the extract name it.
    pub reference: AddressRef,
    /// The CBS buurt of its cell (also for copies, whose stored code is empty).
    pub buurt: String,
}

impl DemoAddress {
    /// Whether it is a dwelling.
    pub fn is_dwelling(&self) -> bool {
        self.fields.usage_purpose == UsagePurpose::Residential
    }

    /// Floor area in m², 0 when unknown.
    pub fn floor_area(&self) -> f64 {
        self.fields.floor_area_m2.unwrap_or(0.0)
    }

    /// Bedrooms, 0 when unknown.
    pub fn bedrooms(&self) -> u32 {
        self.fields
            .bedrooms
            .and_then(|b| u32::try_from(b).ok())
            .unwrap_or(0)
    }
}

/// The postcode digits of PC4 area `pc4` in copy `copy`: copy 0 keeps the
/// real ones, later copies move ten areas on per copy (distinct up to 900
/// copies).
pub fn shifted_pc4(pc4: u16, copy: usize) -> u16 {
    let offset = u16::try_from(copy % 900).unwrap_or(0) * 10;
    1000 + (pc4.saturating_sub(1000) + offset) % 9000
}

/// The postcode letters of pair `i`, skipping the pairs never issued.
pub fn letters(i: u32) -> String {
    let valid = |n: u32| {
        let pair = [
            char::from(b'A' + u8::try_from(n / 26).unwrap_or(0)),
            char::from(b'A' + u8::try_from(n % 26).unwrap_or(0)),
        ];
        let text: String = pair.iter().collect();
        (!matches!(text.as_str(), "SA" | "SD" | "SS")).then_some(text)
    };
    (0..26 * 26)
        .filter_map(valid)
        .nth(usize::try_from(i % 673).unwrap_or(0))
        .unwrap_or_else(|| "AA".to_owned())
}

/// Hands out postcodes per PC4 area, [`PER_POSTCODE`] addresses each.
#[derive(Debug, Default)]
struct Postcodes {
    used: BTreeMap<u16, u32>,
}

impl Postcodes {
    /// Starts a new postcode for a new street in `pc4`.
    fn new_street(&mut self, pc4: u16) {
        let used = self.used.entry(pc4).or_insert(0);
        *used = used.div_ceil(PER_POSTCODE) * PER_POSTCODE;
    }

    /// A postcode in `pc4` for a building of `size` addresses.
    fn next(&mut self, pc4: u16, size: u32) -> String {
        let used = self.used.entry(pc4).or_insert(0);
        if *used % PER_POSTCODE + size > PER_POSTCODE && !used.is_multiple_of(PER_POSTCODE) {
            *used += PER_POSTCODE - *used % PER_POSTCODE;
        }
        let pair = *used / PER_POSTCODE;
        *used += size;
        format!("{pc4}{}", letters(pair))
    }
}

/// A floor area for a dwelling of this type and building period.
fn floor_area(rng: &mut Rng, multi_family: bool, period: usize) -> f64 {
    let (base, spread) = if multi_family {
        ([52.0, 58.0, 68.0, 72.0, 74.0, 82.0, 85.0, 78.0], 30.0)
    } else {
        ([92.0, 96.0, 108.0, 112.0, 118.0, 124.0, 132.0, 128.0], 50.0)
    };
    let mean = base.get(period).copied().unwrap_or(80.0);
    (mean - spread / 2.0 + rng.unit() * spread).round()
}

/// Bedrooms for a dwelling of this floor area.
fn bedrooms(rng: &mut Rng, multi_family: bool, area: f64) -> i32 {
    let (per_room, least, most) = if multi_family {
        (26.0, 1.0, 4.0)
    } else {
        (30.0, 2.0, 5.0)
    };
    let fewer = if rng.chance(0.2) { 1.0 } else { 0.0 };
    #[expect(
        clippy::cast_possible_truncation,
        reason = "clamped to at most 5 bedrooms"
    )]
    let rooms = ((area / per_room).floor() - fewer).clamp(least, most) as i32;
    rooms
}

/// Picks an index with probability proportional to its weight.
fn weighted(rng: &mut Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    if total == 0 {
        return rng.below(weights.len());
    }
    let mut pick = u32::try_from(rng.below(total as usize)).unwrap_or(0);
    for (i, weight) in weights.iter().enumerate() {
        if pick < *weight {
            return i;
        }
        pick -= weight;
    }
    0
}

/// Builds one address's stored fields.
struct Site<'a> {
    cell: &'a Cell,
    copy: usize,
    x: f64,
    y: f64,
}

impl Site<'_> {
    #[expect(clippy::too_many_arguments, reason = "one address's parts")]
    fn address(
        &self,
        street: &str,
        postcode: &str,
        number: u32,
        suffix: (Option<char>, Option<String>),
        usage: UsagePurpose,
        area: f64,
        rooms: Option<i32>,
    ) -> Option<DemoAddress> {
        #[expect(clippy::cast_precision_loss, reason = "a few dozen copies")]
        let (dx, dy) = (
            (self.copy % COPIES_PER_ROW) as f64 * SHIFT_M,
            (self.copy / COPIES_PER_ROW) as f64 * SHIFT_M,
        );
        let rd = RdPoint::new(self.x + dx, self.y + dy);
        let wgs = rd.to_wgs84();
        let reference = AddressRef {
            postcode: Postcode::parse(postcode).ok()?,
            house_number: HouseNumber::parse(i64::from(number)).ok()?,
            house_letter: suffix.0.and_then(|l| HouseLetter::from_char(l).ok()),
            house_number_addition: suffix
                .1
                .as_deref()
                .and_then(|a| HouseNumberAddition::parse(a).ok()),
        };
        let (postcode, house_number, house_letter, house_number_addition) = reference.key();
        Some(DemoAddress {
            fields: AddressFields {
                bag_id: None,
                postcode,
                house_number,
                house_letter,
                house_number_addition,
                street: street.to_owned(),
                city: "Vlaardingen".to_owned(),
                usage_purpose: usage,
                floor_area_m2: Some(area),
                bedrooms: rooms,
                latitude: (wgs.latitude * 1e7).round() / 1e7,
                longitude: (wgs.longitude * 1e7).round() / 1e7,
                rd_x: (rd.x * 100.0).round() / 100.0,
                rd_y: (rd.y * 100.0).round() / 100.0,
                neighbourhood_code: (self.copy == 0).then(|| self.cell.buurt.clone()),
            },
            reference,
            buurt: self.cell.buurt.clone(),
        })
    }
}

/// Every address of copy `copy`: exactly the CBS dwellings of each cell
/// (single-family houses on their own number, flats sharing a number with
/// letters or additions), plus about three non-residential addresses per
/// hundred dwellings.
pub fn addresses(cells: &[Cell], seed: u64, copy: usize) -> Vec<DemoAddress> {
    let mut rng = Rng::new(seed ^ 0xD3E0_0000 ^ (copy as u64).wrapping_mul(0x9E37_79B9));
    let mut postcodes = Postcodes::default();
    let mut numbers: BTreeMap<String, u32> = BTreeMap::new();
    let mut out = Vec::new();
    for cell in cells {
        let pc4 = shifted_pc4(cell.postcode4, copy);
        let street = format!(
            "{}{}",
            STREET_STEMS[rng.below(STREET_STEMS.len())],
            STREET_KINDS[rng.below(STREET_KINDS.len())]
        );
        postcodes.new_street(pc4);
        let periods = cell.periods();
        let mut flats_left = cell.multi_family.min(cell.dwellings);
        let mut houses_left = cell.dwellings - flats_left;
        let next_number = |numbers: &mut BTreeMap<String, u32>, rng: &mut Rng| {
            let n = numbers.entry(street.clone()).or_insert(0);
            *n += 1 + u32::from(rng.chance(0.15));
            *n
        };
        while houses_left + flats_left > 0 {
            let x = cell.rd_x_min + 5.0 + rng.unit() * 90.0;
            let y = cell.rd_y_min + 5.0 + rng.unit() * 90.0;
            let place = Site { cell, copy, x, y };
            let period = weighted(&mut rng, &periods);
            let number = next_number(&mut numbers, &mut rng);
            if flats_left > 0 {
                let size = u32::try_from(4 + rng.below(13))
                    .unwrap_or(4)
                    .min(flats_left);
                flats_left -= size;
                let postcode = postcodes.next(pc4, size);
                let lettered = size <= 6 && rng.chance(0.5);
                for flat in 0..size {
                    let area = floor_area(&mut rng, true, period);
                    let rooms = bedrooms(&mut rng, true, area);
                    let suffix = if lettered {
                        (char::from_u32('A' as u32 + flat), None)
                    } else {
                        (None, Some((flat + 1).to_string()))
                    };
                    out.extend(place.address(
                        &street,
                        &postcode,
                        number,
                        suffix,
                        UsagePurpose::Residential,
                        area,
                        Some(rooms),
                    ));
                }
            } else {
                houses_left -= 1;
                let postcode = postcodes.next(pc4, 1);
                let area = floor_area(&mut rng, false, period);
                let rooms = bedrooms(&mut rng, false, area);
                out.extend(place.address(
                    &street,
                    &postcode,
                    number,
                    (None, None),
                    UsagePurpose::Residential,
                    area,
                    Some(rooms),
                ));
            }
        }
        let extra = (cell.dwellings as usize * NON_RESIDENTIAL_PERCENT + rng.below(100)) / 100;
        for _ in 0..extra {
            let x = cell.rd_x_min + 5.0 + rng.unit() * 90.0;
            let y = cell.rd_y_min + 5.0 + rng.unit() * 90.0;
            let place = Site { cell, copy, x, y };
            let usage = [
                UsagePurpose::Retail,
                UsagePurpose::Office,
                UsagePurpose::Industrial,
            ][rng.below(3)];
            let number = next_number(&mut numbers, &mut rng);
            let postcode = postcodes.next(pc4, 1);
            let area = (80.0 + rng.unit() * 520.0).round();
            out.extend(place.address(&street, &postcode, number, (None, None), usage, area, None));
        }
    }
    out
}

/// Hands out valid BSNs (11-proef) in order, never the same twice.
#[derive(Debug, Clone)]
pub struct BsnSequence {
    next: u64,
}

impl BsnSequence {
    /// A sequence for copy `copy`: copies draw from disjoint ranges.
    pub fn for_copy(copy: usize) -> Self {
        Self {
            next: 10_000_000 + copy as u64 * 200_000,
        }
    }

    /// The next valid BSN.
    pub fn next_bsn(&mut self) -> Bsn {
        loop {
            let stem = self.next;
            self.next += 1;
            let digits: Vec<u64> = format!("{stem:08}")
                .bytes()
                .map(|b| u64::from(b - b'0'))
                .collect();
            let sum: u64 = digits.iter().zip((2..=9).rev()).map(|(d, w)| d * w).sum();
            let check = sum % 11;
            if check < 10
                && let Ok(bsn) = Bsn::parse(&format!("{stem:08}{check}"))
            {
                return bsn;
            }
        }
    }
}

/// The day `days` before `day`.
pub fn days_before(day: NaiveDate, days: usize) -> NaiveDate {
    day.checked_sub_days(Days::new(days as u64)).unwrap_or(day)
}

/// Household sizes for `households` households of `people` people in all,
/// about `single_percent` of them alone. The sizes add up to `people`
/// whenever `people >= households`.
pub fn household_sizes(
    rng: &mut Rng,
    households: usize,
    people: usize,
    single_percent: usize,
) -> Vec<usize> {
    let households = households.min(people);
    if households == 0 {
        return Vec::new();
    }
    let mut singles =
        (households * single_percent / 100).max((2 * households).saturating_sub(people));
    singles = singles.min(households);
    if singles == households && people > households {
        singles -= 1;
    }
    let mut sizes: Vec<usize> = (0..households)
        .map(|i| if i < singles { 1 } else { 2 })
        .collect();
    let mut extra = people.saturating_sub(singles + 2 * (households - singles));
    let multi = households - singles;
    while extra > 0 && multi > 0 {
        let i = singles + rng.below(multi);
        if let Some(size) = sizes.get_mut(i)
            && (*size < 6 || rng.chance(0.05))
        {
            *size += 1;
            extra -= 1;
        }
    }
    sizes
}

/// The residents of one buurt's households, placed largest household in the
/// largest free dwelling (with some noise), as rows of a BRP extract.
pub fn residents(
    rng: &mut Rng,
    buurt: &Buurt,
    dwellings: &[&DemoAddress],
    people: usize,
    today: NaiveDate,
    bsns: &mut BsnSequence,
    first_line: u64,
) -> Vec<Resident> {
    let households = (buurt.households as usize).min(dwellings.len());
    let mut sizes = household_sizes(
        rng,
        households,
        people,
        buurt.single_person_percentage as usize,
    );
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    let mut ranked: Vec<(f64, &DemoAddress)> = dwellings
        .iter()
        .map(|d| (d.floor_area() * (0.8 + rng.unit() * 0.4), *d))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut out = Vec::with_capacity(people);
    for (index, (size, (_, dwelling))) in sizes.into_iter().zip(ranked).enumerate() {
        let family = FAMILY_NAMES[rng.below(FAMILY_NAMES.len())];
        let since = days_before(today, 400 + rng.below(9_000));
        let label = format!("{}-{index}", dwelling.fields.postcode);
        let adults = if size >= 3 && rng.chance(0.2) {
            1
        } else {
            size.min(2)
        };
        let parent_age = if size >= 3 {
            28 + rng.below(25)
        } else {
            20 + rng.below(70)
        };
        for member in 0..size {
            let age_days = if member < adults {
                (parent_age + rng.below(4)) * 365 + rng.below(365)
            } else {
                rng.below(17 * 365)
            };
            let born = days_before(today, age_days);
            out.push(Resident {
                line: first_line + out.len() as u64,
                bsn: bsns.next_bsn(),
                family_name: family.to_owned(),
                given_names: GIVEN_NAMES[rng.below(GIVEN_NAMES.len())].to_owned(),
                date_of_birth: born,
                address: dwelling.reference.clone(),
                registered_since: since.max(born),
                household: Some(label.clone()),
            });
        }
    }
    out
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn household_sizes_add_up_to_the_people_and_keep_the_household_count() {
        let mut rng = Rng::new(3);
        for (households, people, single) in
            [(1655, 3785, 35), (5, 5, 50), (470, 1025, 30), (1, 4, 100)]
        {
            let sizes = household_sizes(&mut rng, households, people, single);
            assert_eq!(sizes.len(), households, "{households} households");
            assert_eq!(sizes.iter().sum::<usize>(), people, "{people} people");
        }
        assert!(household_sizes(&mut rng, 10, 0, 35).is_empty());
    }

    #[test]
    fn every_generated_bsn_passes_the_eleven_test_and_none_repeats() {
        let mut bsns = BsnSequence::for_copy(0);
        let all: Vec<Bsn> = (0..1_000).map(|_| bsns.next_bsn()).collect();
        let mut unique = all.clone();
        unique.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        unique.dedup();
        assert_eq!(unique.len(), 1_000);
    }

    #[test]
    fn every_address_of_the_city_has_its_own_key_and_every_cell_its_cbs_dwellings() {
        let cells = super::super::data::cells().unwrap();
        let all = addresses(&cells, 1, 0);
        let mut keys: Vec<_> = all.iter().map(|a| a.fields.key()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), all.len());
        assert_eq!(all.iter().filter(|a| a.is_dwelling()).count(), 36_100);
        let non_residential = all.len() - 36_100;
        assert!(
            (500..=1_800).contains(&non_residential),
            "{non_residential}"
        );
    }

    #[test]
    fn copies_get_distinct_postcode_areas() {
        let areas: Vec<u16> = (0..230)
            .flat_map(|copy| (3131..=3138).map(move |pc4| shifted_pc4(pc4, copy)))
            .collect();
        let mut unique = areas.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), areas.len());
        assert!(areas.iter().all(|a| (1000..=9999).contains(a)));
        assert_eq!(shifted_pc4(3131, 0), 3131);
    }
}
