//! Registering and changing addresses, one at a time or by a bulk import,
//! and linking landlords to them. A change that can move an address's
//! signals re-evaluates them in the same transaction.

use std::collections::{HashMap, HashSet};

use crate::db::DbConnection;
use crate::db::addresses::{self, Address, AddressFields, AddressKey};
use crate::db::housing_provisions::{self, HousingProvision, NewHousingProvision};
use crate::db::organisations::{self, Organisation};
use crate::domain::rules::RuleSet;
use crate::domain::{
    BagId, HouseLetter, HouseNumber, HouseNumberAddition, Postcode, ProvisionRole, UsagePurpose,
};
use crate::error::{ApiError, InvalidParam};
use crate::geo::{NeighbourhoodIndex, Wgs84Point};
use crate::registry::evaluation;

/// The largest floor area accepted, in m² (larger is a typing error).
pub const MAX_FLOOR_AREA_M2: f64 = 100_000.0;
/// The largest number of bedrooms accepted.
pub const MAX_BEDROOMS: i64 = 500;
/// Longest street or place name.
pub const MAX_NAME_CHARS: usize = 80;

/// A checked address, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressDraft {
    /// BAG nummeraanduiding id.
    pub bag_id: Option<BagId>,
    /// Postcode.
    pub postcode: Postcode,
    /// House number.
    pub house_number: HouseNumber,
    /// House letter.
    pub house_letter: Option<HouseLetter>,
    /// House-number addition.
    pub house_number_addition: Option<HouseNumberAddition>,
    /// Street name.
    pub street: String,
    /// Place name.
    pub city: String,
    /// BAG usage purpose.
    pub usage_purpose: UsagePurpose,
    /// Usable floor area in m².
    pub floor_area_m2: f64,
    /// Bedrooms, when known.
    pub bedrooms: Option<u32>,
    /// WGS84 latitude.
    pub latitude: f64,
    /// WGS84 longitude.
    pub longitude: f64,
}

/// The fields of an address as read, each `None` where it was missing or
/// wrong; the API and the CSV import read into this and complete it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AddressParts {
    /// BAG nummeraanduiding id (optional).
    pub bag_id: Option<BagId>,
    /// Postcode.
    pub postcode: Option<Postcode>,
    /// House number.
    pub house_number: Option<HouseNumber>,
    /// House letter (optional).
    pub house_letter: Option<HouseLetter>,
    /// House-number addition (optional).
    pub house_number_addition: Option<HouseNumberAddition>,
    /// Street name.
    pub street: Option<String>,
    /// Place name.
    pub city: Option<String>,
    /// BAG usage purpose.
    pub usage_purpose: Option<UsagePurpose>,
    /// Usable floor area in m².
    pub floor_area_m2: Option<f64>,
    /// Bedrooms (optional).
    pub bedrooms: Option<u32>,
    /// WGS84 latitude.
    pub latitude: Option<f64>,
    /// WGS84 longitude.
    pub longitude: Option<f64>,
}

impl AddressParts {
    /// Why the position is refused, when both coordinates were read.
    pub fn position_problem(&self) -> Option<InvalidParam> {
        position_problem(self.latitude?, self.longitude?)
    }

    /// The draft, when every required field was read.
    pub fn complete(self) -> Option<AddressDraft> {
        Some(AddressDraft {
            bag_id: self.bag_id,
            postcode: self.postcode?,
            house_number: self.house_number?,
            house_letter: self.house_letter,
            house_number_addition: self.house_number_addition,
            street: self.street?,
            city: self.city?,
            usage_purpose: self.usage_purpose?,
            floor_area_m2: self.floor_area_m2?,
            bedrooms: self.bedrooms,
            latitude: self.latitude?,
            longitude: self.longitude?,
        })
    }
}

/// A floor area, if plausible.
pub fn floor_area(area: f64) -> Result<f64, String> {
    if area > 0.0 && area <= MAX_FLOOR_AREA_M2 {
        Ok(area)
    } else {
        Err(format!(
            "must be more than 0 and at most {MAX_FLOOR_AREA_M2} m²"
        ))
    }
}

/// A number of bedrooms, if plausible.
pub fn bedrooms(count: i64) -> Result<u32, String> {
    u32::try_from(count)
        .ok()
        .filter(|n| i64::from(*n) <= MAX_BEDROOMS)
        .ok_or_else(|| format!("must be a whole number from 0 to {MAX_BEDROOMS}"))
}

/// Why a position is refused, if it is: it must lie in the Netherlands.
pub fn position_problem(latitude: f64, longitude: f64) -> Option<InvalidParam> {
    (!Wgs84Point::new(latitude, longitude).in_rd_domain())
        .then(|| InvalidParam::new("latitude", "with longitude, must lie in the Netherlands"))
}

impl AddressDraft {
    /// The stored fields: the draft plus its RD coordinates and buurt.
    pub fn into_fields(self, index: &NeighbourhoodIndex) -> AddressFields {
        let point = Wgs84Point::new(self.latitude, self.longitude);
        let rd = point.to_rd();
        AddressFields {
            bag_id: self.bag_id.map(|b| b.as_str().to_owned()),
            postcode: self.postcode.as_str().to_owned(),
            house_number: i32::try_from(self.house_number.get()).unwrap_or(i32::MAX),
            house_letter: self.house_letter.map(|l| l.to_string()).unwrap_or_default(),
            house_number_addition: self
                .house_number_addition
                .map(|a| a.as_str().to_owned())
                .unwrap_or_default(),
            street: self.street,
            city: self.city,
            usage_purpose: self.usage_purpose,
            floor_area_m2: Some(self.floor_area_m2),
            bedrooms: self.bedrooms.map(|b| i32::try_from(b).unwrap_or(i32::MAX)),
            latitude: self.latitude,
            longitude: self.longitude,
            rd_x: rd.x,
            rd_y: rd.y,
            neighbourhood_code: index.locate(point).map(|n| n.code.clone()),
        }
    }
}

fn duplicate_address(error: diesel::result::Error) -> ApiError {
    if crate::db::is_unique_violation(&error) {
        ApiError::conflict(
            "An address with this postcode, house number, letter and addition, \
             or with this BAG id, is already registered.",
        )
    } else {
        ApiError::from(error)
    }
}

/// The address with this id, or a 404.
pub fn find_address(conn: &mut DbConnection, id: i64) -> Result<Address, ApiError> {
    addresses::find(conn, id)?.ok_or_else(|| ApiError::not_found("address", id))
}

/// Registers a new address.
pub fn register_address(
    conn: &mut DbConnection,
    index: &NeighbourhoodIndex,
    draft: AddressDraft,
) -> Result<Address, ApiError> {
    addresses::insert(conn, &draft.into_fields(index)).map_err(duplicate_address)
}

/// Replaces an address's fields, in the caller's transaction; its signals
/// follow (floor area, bedrooms and use all count).
pub fn change_address(
    conn: &mut DbConnection,
    rules: &RuleSet,
    index: &NeighbourhoodIndex,
    id: i64,
    draft: AddressDraft,
) -> Result<Address, ApiError> {
    let address =
        addresses::update(conn, id, &draft.into_fields(index)).map_err(duplicate_address)?;
    evaluation::reevaluate_addresses(conn, rules, &[id])?;
    Ok(address)
}

/// A landlord's link to an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LandlordLink {
    /// The landlord organisation.
    pub organisation_id: i64,
    /// Owner, lessor or manager.
    pub role: ProvisionRole,
    /// First day.
    pub start_date: chrono::NaiveDate,
    /// Last day, if it has ended.
    pub end_date: Option<chrono::NaiveDate>,
}

/// Links a landlord organisation to an address, in the caller's
/// transaction; the address's signals follow.
pub fn link_landlord(
    conn: &mut DbConnection,
    rules: &RuleSet,
    address_id: i64,
    link: &LandlordLink,
) -> Result<(HousingProvision, Organisation), ApiError> {
    find_address(conn, address_id)?;
    let organisation = organisations::find(conn, link.organisation_id)?.ok_or_else(|| {
        ApiError::invalid_field("organisationId", "is not a registered organisation")
    })?;
    organisations::mark_landlord(conn, organisation.id)?;
    let provision = housing_provisions::insert(
        conn,
        &NewHousingProvision {
            address_id,
            organisation_id: organisation.id,
            role: link.role,
            start_date: link.start_date,
            end_date: link.end_date,
            declaration_id: None,
        },
    )?;
    evaluation::reevaluate_addresses(conn, rules, &[address_id])?;
    Ok((provision, organisation))
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Addresses that were new.
    pub inserted: usize,
    /// Stored addresses whose fields changed.
    pub updated: usize,
    /// Stored addresses that were already the same.
    pub unchanged: usize,
}

/// One rejected row of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The line in the file (the header is line 1).
    pub line: u64,
    /// Every problem with the row.
    pub problems: Vec<InvalidParam>,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reasons: Vec<String> = self
            .problems
            .iter()
            .map(|p| format!("{} {}", p.name, p.reason))
            .collect();
        write!(f, "line {}: {}", self.line, reasons.join("; "))
    }
}

/// Checks that no two rows name the same address or BAG id; the rows to
/// store, or every repeat.
pub fn distinct_rows(rows: Vec<(u64, AddressFields)>) -> Result<Vec<AddressFields>, Vec<RowError>> {
    let mut first_line_of_key: HashMap<AddressKey, u64> = HashMap::new();
    let mut seen_bag_ids: HashSet<String> = HashSet::new();
    let mut errors = Vec::new();
    let mut distinct = Vec::with_capacity(rows.len());
    for (line, fields) in rows {
        if let Some(first) = first_line_of_key.get(&fields.key()) {
            let reason = format!("repeats the address on line {first}");
            errors.push(RowError {
                line,
                problems: vec![InvalidParam::new("address", reason)],
            });
        } else if let Some(bag_id) = &fields.bag_id
            && !seen_bag_ids.insert(bag_id.clone())
        {
            errors.push(RowError {
                line,
                problems: vec![InvalidParam::new("bagId", "repeats an earlier row's bagId")],
            });
        } else {
            first_line_of_key.insert(fields.key(), line);
            distinct.push(fields);
        }
    }
    if errors.is_empty() {
        Ok(distinct)
    } else {
        Err(errors)
    }
}

/// Stores checked rows in the caller's transaction: new addresses are
/// inserted, changed ones updated and re-evaluated, the same ones left
/// alone. `progress` is called after each row.
pub fn import_addresses(
    conn: &mut DbConnection,
    rules: &RuleSet,
    rows: &[AddressFields],
    progress: &dyn Fn(),
) -> diesel::QueryResult<ImportReport> {
    let stored = addresses::all_by_key(conn)?;
    let mut report = ImportReport::default();
    let mut changed = Vec::new();
    for fields in rows {
        match stored.get(&fields.key()) {
            None => {
                addresses::insert(conn, fields)?;
                report.inserted += 1;
            }
            Some(existing) if existing.fields() == *fields => report.unchanged += 1,
            Some(existing) => {
                addresses::update(conn, existing.id, fields)?;
                changed.push(existing.id);
                report.updated += 1;
            }
        }
        progress();
    }
    evaluation::reevaluate_addresses(conn, rules, &changed)?;
    crate::db::refresh_planner_statistics(conn, &["addresses"])?;
    Ok(report)
}
