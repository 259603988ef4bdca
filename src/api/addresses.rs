//! `/addresses`: the registry's dwellings and other buildings, and the
//! landlords linked to them. Every stored address carries its RD New
//! coordinates and CBS buurt, computed here from latitude and longitude.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use rocket::response::status::Created;
use rocket::serde::json::Json;
use rocket::{FromForm, Route, State, get, patch, post, routes};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::api::request::{
    self, Fields, JsonObject, OneValuePerKey, no_problems, read_object, value,
};
use crate::api::short_read::ShortRead;
use crate::api::{Db, ListBody, location};
use crate::auth::{AnyRole, Official, Role, Staff};
use crate::config::AppConfig;
use crate::db::addresses::{self, Address, AddressFilter};
use crate::db::housing_provisions::{self, HousingProvision};
use crate::db::organisations::Organisation;
use crate::domain::{
    BagId, HouseLetter, HouseNumber, HouseNumberAddition, Postcode, ProvisionRole, UsagePurpose,
};
use crate::error::ApiError;
use crate::geo::NeighbourhoodIndex;
use crate::registry::addresses::{
    self as registry, AddressDraft, AddressParts, LandlordLink, MAX_NAME_CHARS, bedrooms,
    floor_area,
};
use crate::registry::residents::{OccupantCounts, occupant_counts};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    routes![
        create_address,
        list_addresses,
        get_address,
        update_address,
        create_landlord,
        list_landlords
    ]
}

/// An address as a client sends it.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct AddressInput {
    /// BAG nummeraanduiding id, 16 digits.
    #[schema(value_type = Option<String>, example = "0622200000123456", pattern = "^[0-9]{16}$")]
    pub bag_id: Option<BagId>,
    /// Postcode; `3131 ab` is accepted and stored as `3131AB`. It does not
    /// start with 0 and does not end in SA, SD or SS.
    #[schema(value_type = String, example = "3131AB", pattern = "^[1-9][0-9]{3} ?[A-Za-z]{2}$")]
    pub postcode: Postcode,
    /// House number, 1 to 99999.
    #[schema(value_type = u32, example = 12, minimum = 1, maximum = 99999)]
    pub house_number: HouseNumber,
    /// House letter, one letter.
    #[schema(value_type = Option<String>, example = "A", pattern = "^[A-Za-z]$")]
    pub house_letter: Option<HouseLetter>,
    /// House-number addition, up to 4 letters or digits.
    #[schema(value_type = Option<String>, example = "2", pattern = "^[A-Za-z0-9]{1,4}$")]
    pub house_number_addition: Option<HouseNumberAddition>,
    /// Street name: one line, no control characters.
    #[schema(example = "Hoogstraat", min_length = 1, max_length = 80)]
    pub street: String,
    /// Place name: one line, no control characters.
    #[schema(example = "Vlaardingen", min_length = 1, max_length = 80)]
    pub city: String,
    /// BAG usage purpose.
    #[schema(value_type = String, pattern = "^(residential|lodging|industrial|office|retail|other)$")]
    pub usage_purpose: UsagePurpose,
    /// Usable floor area (gebruiksoppervlakte) in m², more than 0.
    #[schema(example = 64.0, exclusive_minimum = 0, maximum = 100_000)]
    pub floor_area_m2: f64,
    /// Number of bedrooms, when known.
    #[schema(example = 2, maximum = 500)]
    pub bedrooms: Option<u32>,
    /// WGS84 latitude; with the longitude, in the Netherlands.
    #[schema(example = 51.9093, minimum = 50, maximum = 54.5)]
    pub latitude: f64,
    /// WGS84 longitude; with the latitude, in the Netherlands.
    #[schema(example = 4.3421, minimum = 2, maximum = 8.5)]
    pub longitude: f64,
}

/// Reads an address body, reporting every problem at once.
pub fn read_address(f: &mut Fields<'_>) -> Option<AddressDraft> {
    let parts = AddressParts {
        bag_id: f.optional("bagId", value::parsed(BagId::parse)),
        postcode: f.required("postcode", value::parsed(Postcode::parse)),
        house_number: f.required("houseNumber", |v| {
            HouseNumber::parse(value::integer(v)?).map_err(|e| e.to_string())
        }),
        house_letter: f.optional("houseLetter", value::parsed(HouseLetter::parse)),
        house_number_addition: f.optional(
            "houseNumberAddition",
            value::parsed(HouseNumberAddition::parse),
        ),
        street: f.required("street", value::text(MAX_NAME_CHARS)),
        city: f.required("city", value::text(MAX_NAME_CHARS)),
        usage_purpose: f.required("usagePurpose", value::parsed(UsagePurpose::parse)),
        floor_area_m2: f.required("floorAreaM2", |v| floor_area(value::number(v)?)),
        bedrooms: f.optional("bedrooms", |v| bedrooms(value::integer(v)?)),
        latitude: f.required("latitude", value::number),
        longitude: f.required("longitude", value::number),
    };
    if let Some(problem) = parts.position_problem() {
        f.reject(&problem.name, problem.reason);
    }
    parts.complete()
}

/// The client-settable fields of a stored address, as JSON, so that a
/// PATCH can be merged onto them and parsed like a POST.
fn input_json(address: &Address) -> Map<String, Value> {
    let fields = json!({
        "bagId": address.bag_id,
        "postcode": address.postcode,
        "houseNumber": address.house_number,
        "houseLetter": address.letter(),
        "houseNumberAddition": address.addition(),
        "street": address.street,
        "city": address.city,
        "usagePurpose": address.usage_purpose,
        "floorAreaM2": address.floor_area_m2,
        "bedrooms": address.bedrooms,
        "latitude": address.latitude,
        "longitude": address.longitude,
    });
    match fields {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Changes to an address: any subset of the address fields; `null` clears
/// an optional field.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct AddressChanges {
    #[schema(value_type = Option<String>, pattern = "^[0-9]{16}$")]
    bag_id: Option<String>,
    #[schema(value_type = Option<String>, pattern = "^[1-9][0-9]{3} ?[A-Za-z]{2}$", nullable = false)]
    postcode: Option<String>,
    #[schema(minimum = 1, maximum = 99999, nullable = false)]
    house_number: Option<u32>,
    #[schema(pattern = "^[A-Za-z]$")]
    house_letter: Option<String>,
    #[schema(pattern = "^[A-Za-z0-9]{1,4}$")]
    house_number_addition: Option<String>,
    #[schema(min_length = 1, max_length = 80, nullable = false)]
    street: Option<String>,
    #[schema(min_length = 1, max_length = 80, nullable = false)]
    city: Option<String>,
    #[schema(
        pattern = "^(residential|lodging|industrial|office|retail|other)$",
        nullable = false
    )]
    usage_purpose: Option<String>,
    #[schema(exclusive_minimum = 0, maximum = 100_000, nullable = false)]
    floor_area_m2: Option<f64>,
    #[schema(maximum = 500)]
    bedrooms: Option<u32>,
    #[schema(minimum = 50, maximum = 54.5, nullable = false)]
    latitude: Option<f64>,
    #[schema(minimum = 2, maximum = 8.5, nullable = false)]
    longitude: Option<f64>,
}

/// A stored address.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressView {
    /// Id.
    pub id: i64,
    /// BAG nummeraanduiding id.
    pub bag_id: Option<String>,
    /// Postcode, `3131AB`.
    pub postcode: String,
    /// House number.
    pub house_number: i32,
    /// House letter.
    pub house_letter: Option<String>,
    /// House-number addition.
    pub house_number_addition: Option<String>,
    /// Street name.
    pub street: String,
    /// Place name.
    pub city: String,
    /// BAG usage purpose.
    pub usage_purpose: String,
    /// Floor area in m².
    pub floor_area_m2: Option<f64>,
    /// Bedrooms, when known.
    pub bedrooms: Option<i32>,
    /// WGS84 latitude.
    pub latitude: f64,
    /// WGS84 longitude.
    pub longitude: f64,
    /// RD New x (EPSG:28992), metres.
    pub rd_x: f64,
    /// RD New y (EPSG:28992), metres.
    pub rd_y: f64,
    /// CBS buurt code, e.g. `BU06220101`.
    pub neighbourhood_code: Option<String>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Who lives there today (on a single address, not in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occupants: Option<OccupantCountsView>,
}

/// The people living at an address today, by source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct OccupantCountsView {
    /// Registered there in the BRP.
    pub registered: usize,
    /// Declared there by an agency.
    pub declared: usize,
    /// Everybody, each person once (registered and declared counts once).
    pub combined: usize,
}

impl AddressView {
    /// A single address with who lives there today.
    fn with_counts(address: Address, counts: OccupantCounts) -> Self {
        Self {
            occupants: Some(counts.into()),
            ..Self::from(address)
        }
    }
}

impl From<OccupantCounts> for OccupantCountsView {
    fn from(c: OccupantCounts) -> Self {
        Self {
            registered: c.registered,
            declared: c.declared,
            combined: c.combined,
        }
    }
}

impl From<Address> for AddressView {
    fn from(a: Address) -> Self {
        let (house_letter, house_number_addition) = (a.letter(), a.addition());
        Self {
            id: a.id,
            bag_id: a.bag_id,
            postcode: a.postcode,
            house_number: a.house_number,
            house_letter,
            house_number_addition,
            street: a.street,
            city: a.city,
            usage_purpose: a.usage_purpose.to_string(),
            floor_area_m2: a.floor_area_m2,
            bedrooms: a.bedrooms,
            latitude: a.latitude,
            longitude: a.longitude,
            rd_x: a.rd_x,
            rd_y: a.rd_y,
            neighbourhood_code: a.neighbourhood_code,
            created_at: a.created_at.and_utc(),
            updated_at: a.updated_at.and_utc(),
            occupants: None,
        }
    }
}

/// Registers an address.
#[utoipa::path(
    post, path = "/addresses", tag = "addresses", operation_id = "createAddress",
    request_body = AddressInput,
    responses(
        (status = 201, description = "Registered", body = AddressView),
        (status = 409, description = "Already registered", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/addresses", data = "<body>")]
pub async fn create_address(
    _staff: Staff,
    db: Db,
    index: &State<Arc<NeighbourhoodIndex>>,
    body: JsonObject,
) -> Result<Created<Json<AddressView>>, ApiError> {
    let draft = read_object(&body.0, "", read_address).map_err(ApiError::invalid)?;
    let index = index.inner().clone();
    let address = db
        .transaction(move |conn| registry::register_address(conn, &index, draft.clone()))
        .await?;
    let location = location(&format!("/addresses/{}", address.id));
    let view = AddressView::with_counts(address, OccupantCounts::default());
    Ok(Created::new(location).body(Json(view)))
}

/// Filters and paging of the address list.
#[derive(Debug, Clone, Default, FromForm, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AddressQuery {
    /// Postcode, upper or lower case, with or without the space.
    #[param(pattern = "^[1-9][0-9]{3} ?[A-Za-z]{2}$")]
    postcode: Option<String>,
    /// House number.
    #[field(name = "houseNumber")]
    #[param(rename = "houseNumber", value_type = Option<u32>, minimum = 1, maximum = 99999)]
    house_number: Option<String>,
    /// House letter; empty for addresses without one.
    #[field(name = "houseLetter")]
    #[param(rename = "houseLetter", pattern = "^[A-Za-z]?$")]
    house_letter: Option<String>,
    /// House-number addition; empty for addresses without one.
    #[field(name = "houseNumberAddition")]
    #[param(rename = "houseNumberAddition", pattern = "^[A-Za-z0-9]{0,4}$")]
    house_number_addition: Option<String>,
    /// CBS buurt code, e.g. `BU06220101`.
    #[param(pattern = "^BU[0-9]{8}$")]
    neighbourhood: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    page: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[field(name = "pageSize")]
    #[param(rename = "pageSize", value_type = Option<u32>, minimum = 1, maximum = 500, default = 50)]
    page_size: Option<String>,
}

impl AddressQuery {
    /// The typed filter and page, or every problem with the values.
    pub fn parse(&self) -> Result<(AddressFilter, crate::db::Page), ApiError> {
        let mut problems = Vec::new();
        let page = request::page(
            self.page.as_deref(),
            self.page_size.as_deref(),
            &mut problems,
        );
        let filter = AddressFilter {
            postcode: request::query_value(
                "postcode",
                self.postcode.as_deref(),
                Postcode::parse,
                &mut problems,
            )
            .map(|p| p.as_str().to_owned()),
            house_number: request::query_value(
                "houseNumber",
                self.house_number.as_deref(),
                HouseNumber::parse_str,
                &mut problems,
            )
            .and_then(|n| i32::try_from(n.get()).ok()),
            house_letter: match self.house_letter.as_deref() {
                Some("") => Some(String::new()),
                raw => request::query_value("houseLetter", raw, HouseLetter::parse, &mut problems)
                    .map(|l| l.to_string()),
            },
            house_number_addition: match self.house_number_addition.as_deref() {
                Some("") => Some(String::new()),
                raw => request::query_value(
                    "houseNumberAddition",
                    raw,
                    HouseNumberAddition::parse,
                    &mut problems,
                )
                .map(|a| a.as_str().to_owned()),
            },
            neighbourhood_code: request::neighbourhood_code(
                self.neighbourhood.as_deref(),
                &mut problems,
            ),
        };
        no_problems(problems)?;
        Ok((filter, page))
    }
}

/// Lists addresses. Agencies may only look one up by postcode and house number.
#[utoipa::path(
    get, path = "/addresses", tag = "addresses", operation_id = "listAddresses",
    params(AddressQuery),
    responses((status = 200, description = "One page of addresses", body = ListBody<AddressView>))
)]
#[get("/addresses?<query..>")]
pub async fn list_addresses(
    caller: AnyRole,
    _one_value_per_key: OneValuePerKey,
    db: Db,
    query: AddressQuery,
) -> Result<Json<ListBody<AddressView>>, ApiError> {
    if caller.role() == Role::Agency && (query.postcode.is_none() || query.house_number.is_none()) {
        return Err(ApiError::forbidden(
            "Agencies may only look up an address by postcode and houseNumber.",
        ));
    }
    let (filter, page) = query.parse()?;
    let (rows, total) = db
        .run(move |conn| Ok(addresses::list(conn, &filter, page)?))
        .await?;
    Ok(Json(ListBody::new(rows, page, total)))
}

/// Reads one address. Municipal officials only: an agency looks an
/// address up by postcode and house number, never by id.
#[utoipa::path(
    get, path = "/addresses/{id}", tag = "addresses", operation_id = "getAddress",
    params(("id" = i64, Path, description = "Address id")),
    responses((status = 200, description = "The address", body = AddressView))
)]
#[get("/addresses/<id>")]
pub async fn get_address(
    _official: Official,
    db: ShortRead<'_>,
    id: i64,
) -> Result<Json<AddressView>, ApiError> {
    let (address, counts) = db
        .run(move |conn| {
            let address = registry::find_address(conn, id)?;
            Ok((address, occupant_counts(conn, id)?))
        })
        .await?;
    Ok(Json(AddressView::with_counts(address, counts)))
}

/// Changes an address; RD coordinates and buurt follow a new position.
#[utoipa::path(
    patch, path = "/addresses/{id}", tag = "addresses", operation_id = "updateAddress",
    params(("id" = i64, Path, description = "Address id")),
    request_body = AddressChanges,
    responses(
        (status = 200, description = "The changed address", body = AddressView),
        (status = 409, description = "Another address has this key", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/addresses/<id>", data = "<body>")]
pub async fn update_address(
    _staff: Staff,
    db: Db,
    index: &State<Arc<NeighbourhoodIndex>>,
    config: &State<AppConfig>,
    id: i64,
    body: JsonObject,
) -> Result<Json<AddressView>, ApiError> {
    let index = index.inner().clone();
    let rules = config.rules.clone();
    let address = db
        .transaction(move |conn| {
            let mut merged = input_json(&registry::find_address(conn, id)?);
            merged.extend(body.0.clone());
            let draft = read_object(&merged, "", read_address).map_err(ApiError::invalid)?;
            let address = registry::change_address(conn, &rules, &index, id, draft)?;
            Ok(AddressView::with_counts(
                address,
                occupant_counts(conn, id)?,
            ))
        })
        .await?;
    Ok(Json(address))
}

/// How a landlord organisation is linked to an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LandlordRole {
    /// Owns the dwelling.
    Owner,
    /// Lets it to the occupants.
    Lessor,
    /// Manages it for the owner.
    Manager,
}

impl LandlordRole {
    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "owner" => Ok(Self::Owner),
            "lessor" => Ok(Self::Lessor),
            "manager" => Ok(Self::Manager),
            _ => Err("must be one of owner, lessor, manager".to_owned()),
        }
    }
}

impl From<LandlordRole> for ProvisionRole {
    fn from(role: LandlordRole) -> Self {
        match role {
            LandlordRole::Owner => Self::Owner,
            LandlordRole::Lessor => Self::Lessor,
            LandlordRole::Manager => Self::Manager,
        }
    }
}

/// A landlord link as a client sends it.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct LandlordInput {
    /// The landlord organisation's id.
    #[schema(minimum = 1)]
    pub organisation_id: i64,
    /// Owner, lessor or manager.
    pub role: LandlordRole,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day, if it has ended.
    pub end_date: Option<NaiveDate>,
}

/// Reads a landlord link body, reporting every problem at once.
pub fn read_landlord(f: &mut Fields<'_>) -> Option<LandlordInput> {
    let organisation_id = f.required("organisationId", value::integer);
    let role = f.required("role", |v| {
        LandlordRole::parse(v.as_str().ok_or("must be a string")?)
    });
    let start_date = f.required("startDate", value::date);
    let end_date = f.optional("endDate", value::date);
    if let (Some(start), Some(end)) = (start_date, end_date)
        && end < start
    {
        f.reject("endDate", "must not be before startDate");
    }
    Some(LandlordInput {
        organisation_id: organisation_id?,
        role: role?,
        start_date: start_date?,
        end_date,
    })
}

/// A landlord linked to an address.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LandlordView {
    /// Id of the link.
    pub id: i64,
    /// The address.
    pub address_id: i64,
    /// The landlord organisation.
    pub organisation_id: i64,
    /// Its KvK number.
    pub kvk_number: String,
    /// Its name.
    pub name: String,
    /// `owner`, `lessor` or `manager`.
    pub role: String,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day, if it has ended.
    pub end_date: Option<NaiveDate>,
}

impl From<(HousingProvision, Organisation)> for LandlordView {
    fn from((link, organisation): (HousingProvision, Organisation)) -> Self {
        Self {
            id: link.id,
            address_id: link.address_id,
            organisation_id: organisation.id,
            kvk_number: organisation.kvk_number,
            name: organisation.name,
            role: link.role.to_string(),
            start_date: link.start_date,
            end_date: link.end_date,
        }
    }
}

/// Links a landlord organisation to an address.
#[utoipa::path(
    post, path = "/addresses/{id}/landlords", tag = "addresses", operation_id = "createLandlord",
    params(("id" = i64, Path, description = "Address id")),
    request_body = LandlordInput,
    responses((status = 201, description = "Linked", body = LandlordView))
)]
#[post("/addresses/<id>/landlords", data = "<body>")]
pub async fn create_landlord(
    _staff: Staff,
    db: Db,
    config: &State<AppConfig>,
    id: i64,
    body: JsonObject,
) -> Result<Created<Json<LandlordView>>, ApiError> {
    let rules = config.rules.clone();
    let input = read_object(&body.0, "", read_landlord).map_err(ApiError::invalid)?;
    let link = LandlordLink {
        organisation_id: input.organisation_id,
        role: input.role.into(),
        start_date: input.start_date,
        end_date: input.end_date,
    };
    let view = db
        .transaction(move |conn| {
            let linked = registry::link_landlord(conn, &rules, id, &link)?;
            Ok(LandlordView::from(linked))
        })
        .await?;
    Ok(Created::new(location(&format!("/addresses/{id}/landlords"))).body(Json(view)))
}

/// Lists the landlords linked to an address, oldest first.
#[utoipa::path(
    get, path = "/addresses/{id}/landlords", tag = "addresses", operation_id = "listLandlords",
    params(("id" = i64, Path, description = "Address id")),
    responses((status = 200, description = "The landlords", body = Vec<LandlordView>))
)]
#[get("/addresses/<id>/landlords")]
pub async fn list_landlords(
    _official: Official,
    db: Db,
    id: i64,
) -> Result<Json<Vec<LandlordView>>, ApiError> {
    let links = db
        .run(move |conn| {
            registry::find_address(conn, id)?;
            Ok(housing_provisions::for_address(conn, id)?)
        })
        .await?;
    Ok(Json(links.into_iter().map(LandlordView::from).collect()))
}
