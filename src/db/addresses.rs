//! Queries on `addresses`. An absent house letter or addition is stored as
//! `''` so that the uniqueness constraint also covers addresses without one.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::schema::addresses;
use crate::db::{DbConnection, Page, load_in_chunks, now};
use crate::domain::UsagePurpose;

/// A stored address.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = addresses)]
pub struct Address {
    /// Row id.
    pub id: i64,
    /// BAG nummeraanduiding id.
    pub bag_id: Option<String>,
    /// Canonical postcode, `3131AB`.
    pub postcode: String,
    /// House number.
    pub house_number: i32,
    /// House letter, `''` when none.
    pub house_letter: String,
    /// House-number addition, `''` when none.
    pub house_number_addition: String,
    /// Street name.
    pub street: String,
    /// Place name.
    pub city: String,
    /// BAG usage purpose.
    pub usage_purpose: UsagePurpose,
    /// Usable floor area in m².
    pub floor_area_m2: Option<f64>,
    /// Number of bedrooms, when known.
    pub bedrooms: Option<i32>,
    /// WGS84 latitude.
    pub latitude: f64,
    /// WGS84 longitude.
    pub longitude: f64,
    /// RD New x in metres.
    pub rd_x: f64,
    /// RD New y in metres.
    pub rd_y: f64,
    /// CBS buurt code.
    pub neighbourhood_code: Option<String>,
    /// When the row was created.
    pub created_at: chrono::NaiveDateTime,
    /// When the row last changed.
    pub updated_at: chrono::NaiveDateTime,
}

/// Every field of an address that a user or an import sets.
#[derive(Debug, Clone, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = addresses, treat_none_as_null = true)]
pub struct AddressFields {
    /// BAG nummeraanduiding id.
    pub bag_id: Option<String>,
    /// Canonical postcode.
    pub postcode: String,
    /// House number.
    pub house_number: i32,
    /// House letter or `''`.
    pub house_letter: String,
    /// Addition or `''`.
    pub house_number_addition: String,
    /// Street name.
    pub street: String,
    /// Place name.
    pub city: String,
    /// Usage purpose.
    pub usage_purpose: UsagePurpose,
    /// Floor area in m².
    pub floor_area_m2: Option<f64>,
    /// Bedrooms.
    pub bedrooms: Option<i32>,
    /// WGS84 latitude.
    pub latitude: f64,
    /// WGS84 longitude.
    pub longitude: f64,
    /// RD x.
    pub rd_x: f64,
    /// RD y.
    pub rd_y: f64,
    /// CBS buurt code.
    pub neighbourhood_code: Option<String>,
}

/// The natural key of an address: postcode, number, letter, addition.
pub type AddressKey = (String, i32, String, String);

impl AddressFields {
    /// This address's natural key.
    pub fn key(&self) -> AddressKey {
        (
            self.postcode.clone(),
            self.house_number,
            self.house_letter.clone(),
            self.house_number_addition.clone(),
        )
    }
}

impl Address {
    /// The house letter, `None` when the address has none.
    pub fn letter(&self) -> Option<String> {
        (!self.house_letter.is_empty()).then(|| self.house_letter.clone())
    }

    /// The house-number addition, `None` when the address has none.
    pub fn addition(&self) -> Option<String> {
        (!self.house_number_addition.is_empty()).then(|| self.house_number_addition.clone())
    }

    /// This address's natural key.
    pub fn key(&self) -> AddressKey {
        (
            self.postcode.clone(),
            self.house_number,
            self.house_letter.clone(),
            self.house_number_addition.clone(),
        )
    }

    /// The fields of this address as they would be written again.
    pub fn fields(&self) -> AddressFields {
        AddressFields {
            bag_id: self.bag_id.clone(),
            postcode: self.postcode.clone(),
            house_number: self.house_number,
            house_letter: self.house_letter.clone(),
            house_number_addition: self.house_number_addition.clone(),
            street: self.street.clone(),
            city: self.city.clone(),
            usage_purpose: self.usage_purpose,
            floor_area_m2: self.floor_area_m2,
            bedrooms: self.bedrooms,
            latitude: self.latitude,
            longitude: self.longitude,
            rd_x: self.rd_x,
            rd_y: self.rd_y,
            neighbourhood_code: self.neighbourhood_code.clone(),
        }
    }
}

/// Filters of the address list; `None` does not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AddressFilter {
    /// Exact canonical postcode.
    pub postcode: Option<String>,
    /// Exact house number.
    pub house_number: Option<i32>,
    /// Exact house letter (`''` for none).
    pub house_letter: Option<String>,
    /// Exact addition (`''` for none).
    pub house_number_addition: Option<String>,
    /// CBS buurt code.
    pub neighbourhood_code: Option<String>,
}

fn filtered(
    filter: &AddressFilter,
) -> addresses::BoxedQuery<'static, crate::db::connection::MultiBackend> {
    let mut query = addresses::table.into_boxed();
    if let Some(postcode) = &filter.postcode {
        query = query.filter(addresses::postcode.eq(postcode.clone()));
    }
    if let Some(number) = filter.house_number {
        query = query.filter(addresses::house_number.eq(number));
    }
    if let Some(letter) = &filter.house_letter {
        query = query.filter(addresses::house_letter.eq(letter.clone()));
    }
    if let Some(addition) = &filter.house_number_addition {
        query = query.filter(addresses::house_number_addition.eq(addition.clone()));
    }
    if let Some(code) = &filter.neighbourhood_code {
        query = query.filter(addresses::neighbourhood_code.eq(code.clone()));
    }
    query
}

/// One page of addresses matching `filter`, ordered by id, and the total count.
pub fn list(
    conn: &mut DbConnection,
    filter: &AddressFilter,
    page: Page,
) -> QueryResult<(Vec<Address>, i64)> {
    let total = filtered(filter).count().get_result(conn)?;
    let items = filtered(filter)
        .order(addresses::id)
        .limit(page.size)
        .offset(page.offset())
        .select(Address::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// The address with this id.
///
/// Key lookups here read the one row with `get_result`, not `first`:
/// `first` binds its `LIMIT 1` as a parameter, and SQLite prepares a
/// statement with a bound limit anew each time it is run.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Address>> {
    addresses::table
        .find(id)
        .select(Address::as_select())
        .get_result(conn)
        .optional()
}

/// Whether an address with this id is stored.
pub fn exists(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    addresses::table
        .find(id)
        .select(addresses::id)
        .get_result::<i64>(conn)
        .optional()
        .map(|found| found.is_some())
}

/// Stores a new address.
pub fn insert(conn: &mut DbConnection, fields: &AddressFields) -> QueryResult<Address> {
    let now = now();
    diesel::insert_into(addresses::table)
        .values((
            fields,
            addresses::created_at.eq(now),
            addresses::updated_at.eq(now),
        ))
        .returning(addresses::all_columns)
        .get_result(conn)
}

/// Replaces every user-set field of the address with this id.
pub fn update(conn: &mut DbConnection, id: i64, fields: &AddressFields) -> QueryResult<Address> {
    diesel::update(addresses::table.find(id))
        .set((fields, addresses::updated_at.eq(now())))
        .returning(addresses::all_columns)
        .get_result(conn)
}

/// Every stored address by natural key, for imports.
pub fn all_by_key(conn: &mut DbConnection) -> QueryResult<HashMap<AddressKey, Address>> {
    let rows = addresses::table.select(Address::as_select()).load(conn)?;
    Ok(rows.into_iter().map(|a| (a.key(), a)).collect())
}

/// Address ids from the lowest to the highest cut into consecutive ranges
/// of `per_range` ids (both ends included), for reading a city a range at
/// a time whatever gaps its ids have.
pub fn id_ranges(conn: &mut DbConnection, per_range: usize) -> QueryResult<Vec<(i64, i64)>> {
    use diesel::dsl::{max, min};

    let (lowest, highest): (Option<i64>, Option<i64>) = addresses::table
        .select((min(addresses::id), max(addresses::id)))
        .get_result(conn)?;
    let (Some(lowest), Some(highest)) = (lowest, highest) else {
        return Ok(Vec::new());
    };
    let step = i64::try_from(per_range.max(1)).unwrap_or(i64::MAX);
    let mut ranges = Vec::new();
    let mut first = lowest;
    while first <= highest {
        let last = first.saturating_add(step - 1).min(highest);
        ranges.push((first, last));
        first = last.saturating_add(1);
        if last == i64::MAX {
            break;
        }
    }
    Ok(ranges)
}

/// The ids of the addresses of each neighbourhood that has any, by buurt
/// code, each in id order. SQLite reads them from the index on the buurt
/// code alone (its entries carry the row id), much smaller than the table.
pub fn ids_by_neighbourhood(conn: &mut DbConnection) -> QueryResult<Vec<(String, Vec<i64>)>> {
    let query = addresses::table
        .filter(addresses::neighbourhood_code.is_not_null())
        .select((
            addresses::neighbourhood_code.assume_not_null(),
            addresses::id,
        ))
        .order((addresses::neighbourhood_code, addresses::id));
    let rows: Vec<(String, i64)> = on_backend!(conn, |c| query.load(c))?;
    let mut buurten: Vec<(String, Vec<i64>)> = Vec::new();
    for (code, id) in rows {
        match buurten.last_mut() {
            Some((last, ids)) if *last == code => ids.push(id),
            _ => buurten.push((code, vec![id])),
        }
    }
    Ok(buurten)
}

/// The addresses with these ids.
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Address>> {
    load_in_chunks(ids, |chunk| {
        addresses::table
            .filter(addresses::id.eq_any(chunk))
            .select(Address::as_select())
            .load(conn)
    })
}

/// The address with this natural key.
pub fn find_by_key(conn: &mut DbConnection, key: &AddressKey) -> QueryResult<Option<Address>> {
    addresses::table
        .filter(addresses::postcode.eq(&key.0))
        .filter(addresses::house_number.eq(key.1))
        .filter(addresses::house_letter.eq(&key.2))
        .filter(addresses::house_number_addition.eq(&key.3))
        .select(Address::as_select())
        .get_result(conn)
        .optional()
}

/// The addresses with these natural keys, by key; keys of no address are
/// left out. One statement per [`crate::db::people::KEYS_PER_QUERY`] keys,
/// each key a lookup in the unique index.
pub fn find_by_keys(
    conn: &mut DbConnection,
    keys: &[AddressKey],
) -> QueryResult<HashMap<AddressKey, Address>> {
    let mut found = HashMap::with_capacity(keys.len());
    if let [key] = keys {
        // One key (a single filing): the statement the connection keeps.
        found.extend(find_by_key(conn, key)?.map(|a| (a.key(), a)));
        return Ok(found);
    }
    for chunk in keys.chunks(crate::db::people::KEYS_PER_QUERY) {
        let mut query = addresses::table.select(Address::as_select()).into_boxed();
        for (postcode, number, letter, addition) in chunk {
            query = query.or_filter(
                addresses::postcode
                    .eq(postcode.clone())
                    .and(addresses::house_number.eq(*number))
                    .and(addresses::house_letter.eq(letter.clone()))
                    .and(addresses::house_number_addition.eq(addition.clone())),
            );
        }
        for address in query.load::<Address>(conn)? {
            found.insert(address.key(), address);
        }
    }
    Ok(found)
}
