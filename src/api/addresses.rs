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

use crate::api::request::{self, Fields, JsonObject, no_problems, value};
use crate::api::{Db, ListBody, location};
use crate::auth::{AnyRole, Official, Role, Staff};
use crate::config::AppConfig;
use crate::db::addresses::{self, Address, AddressFields, AddressFilter};
use crate::db::housing_provisions::{self, HousingProvision, NewHousingProvision};
use crate::db::organisations::{self, Organisation};
use crate::domain::{BagId, HouseLetter, HouseNumber, HouseNumberAddition, Postcode, UsagePurpose};
use crate::error::{ApiError, InvalidParam};
use crate::geo::{NeighbourhoodIndex, Wgs84Point};

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

/// The largest floor area accepted, in m² (larger is a typing error).
const MAX_FLOOR_AREA_M2: f64 = 100_000.0;
/// The largest number of bedrooms accepted.
const MAX_BEDROOMS: i64 = 500;
/// Longest street or place name.
const MAX_NAME_CHARS: usize = 80;

/// An address as a client sends it.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct AddressInput {
    /// BAG nummeraanduiding id, 16 digits.
    #[schema(value_type = Option<String>, example = "0622200000123456")]
    pub bag_id: Option<BagId>,
    /// Postcode; `3131 ab` is accepted and stored as `3131AB`.
    #[schema(value_type = String, example = "3131AB")]
    pub postcode: Postcode,
    /// House number, 1 to 99999.
    #[schema(value_type = u32, example = 12)]
    pub house_number: HouseNumber,
    /// House letter, one letter.
    #[schema(value_type = Option<String>, example = "A")]
    pub house_letter: Option<HouseLetter>,
    /// House-number addition, up to 4 letters or digits.
    #[schema(value_type = Option<String>, example = "2")]
    pub house_number_addition: Option<HouseNumberAddition>,
    /// Street name.
    #[schema(example = "Hoogstraat")]
    pub street: String,
    /// Place name.
    #[schema(example = "Vlaardingen")]
    pub city: String,
    /// BAG usage purpose.
    #[schema(value_type = String, pattern = "^(residential|lodging|industrial|office|retail|other)$")]
    pub usage_purpose: UsagePurpose,
    /// Usable floor area (gebruiksoppervlakte) in m².
    #[schema(example = 64.0)]
    pub floor_area_m2: f64,
    /// Number of bedrooms, when known.
    #[schema(example = 2)]
    pub bedrooms: Option<u32>,
    /// WGS84 latitude.
    #[schema(example = 51.9093)]
    pub latitude: f64,
    /// WGS84 longitude.
    #[schema(example = 4.3421)]
    pub longitude: f64,
}

impl AddressInput {
    /// Parses a JSON object, reporting every problem at once.
    pub fn from_json(object: &Map<String, Value>) -> Result<Self, Vec<InvalidParam>> {
        let mut f = Fields::new(object, "");
        let bag_id = f.optional("bagId", value::parsed(BagId::parse));
        let postcode = f.required("postcode", value::parsed(Postcode::parse));
        let house_number = f.required("houseNumber", |v| {
            HouseNumber::parse(value::integer(v)?).map_err(|e| e.to_string())
        });
        let house_letter = f.optional("houseLetter", value::parsed(HouseLetter::parse));
        let house_number_addition = f.optional(
            "houseNumberAddition",
            value::parsed(HouseNumberAddition::parse),
        );
        let street = f.required("street", value::text(MAX_NAME_CHARS));
        let city = f.required("city", value::text(MAX_NAME_CHARS));
        let usage_purpose = f.required("usagePurpose", value::parsed(UsagePurpose::parse));
        let floor_area_m2 = f.required("floorAreaM2", |v| {
            let area = value::number(v)?;
            if area > 0.0 && area <= MAX_FLOOR_AREA_M2 {
                Ok(area)
            } else {
                Err(format!(
                    "must be more than 0 and at most {MAX_FLOOR_AREA_M2} m²"
                ))
            }
        });
        let bedrooms = f.optional("bedrooms", |v| {
            let n = value::integer(v)?;
            u32::try_from(n)
                .ok()
                .filter(|n| i64::from(*n) <= MAX_BEDROOMS)
                .ok_or_else(|| format!("must be a whole number from 0 to {MAX_BEDROOMS}"))
        });
        let latitude = f.required("latitude", value::number);
        let longitude = f.required("longitude", value::number);
        if let (Some(lat), Some(lon)) = (latitude, longitude)
            && !Wgs84Point::new(lat, lon).in_rd_domain()
        {
            f.reject("latitude", "with longitude, must lie in the Netherlands");
        }
        let problems = f.finish();
        match (
            postcode,
            house_number,
            street,
            city,
            usage_purpose,
            floor_area_m2,
            latitude,
            longitude,
        ) {
            (
                Some(postcode),
                Some(house_number),
                Some(street),
                Some(city),
                Some(usage_purpose),
                Some(floor_area_m2),
                Some(latitude),
                Some(longitude),
            ) if problems.is_empty() => Ok(Self {
                bag_id,
                postcode,
                house_number,
                house_letter,
                house_number_addition,
                street,
                city,
                usage_purpose,
                floor_area_m2,
                bedrooms,
                latitude,
                longitude,
            }),
            _ => Err(problems),
        }
    }

    /// The stored fields: the input plus its RD coordinates and buurt.
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
            usage_purpose: self.usage_purpose.as_str().to_owned(),
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
    #[schema(value_type = Option<String>)]
    bag_id: Option<String>,
    #[schema(value_type = Option<String>)]
    postcode: Option<String>,
    house_number: Option<u32>,
    house_letter: Option<String>,
    house_number_addition: Option<String>,
    street: Option<String>,
    city: Option<String>,
    #[schema(pattern = "^(residential|lodging|industrial|office|retail|other)$")]
    usage_purpose: Option<String>,
    floor_area_m2: Option<f64>,
    bedrooms: Option<u32>,
    latitude: Option<f64>,
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
            usage_purpose: a.usage_purpose,
            floor_area_m2: a.floor_area_m2,
            bedrooms: a.bedrooms,
            latitude: a.latitude,
            longitude: a.longitude,
            rd_x: a.rd_x,
            rd_y: a.rd_y,
            neighbourhood_code: a.neighbourhood_code,
            created_at: a.created_at.and_utc(),
            updated_at: a.updated_at.and_utc(),
        }
    }
}

fn duplicate_address(error: diesel::result::Error) -> ApiError {
    if crate::db::is_unique_violation(&error) {
        ApiError::Conflict(
            "An address with this postcode, house number, letter and addition, \
             or with this BAG id, is already registered."
                .to_owned(),
        )
    } else {
        ApiError::from(error)
    }
}

fn address_not_found(id: i64) -> ApiError {
    ApiError::NotFound(format!("There is no address {id}."))
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
    let fields = AddressInput::from_json(&body.0)
        .map_err(ApiError::invalid)?
        .into_fields(index);
    let address = db
        .write(move |conn| addresses::insert(conn, &fields).map_err(duplicate_address))
        .await?;
    Ok(Created::new(location(&format!("/addresses/{}", address.id))).body(Json(address.into())))
}

/// Filters and paging of the address list.
#[derive(Debug, Clone, Default, FromForm, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AddressQuery {
    /// Postcode, any spacing or case.
    postcode: Option<String>,
    /// House number.
    #[field(name = "houseNumber")]
    #[param(rename = "houseNumber")]
    house_number: Option<String>,
    /// House letter.
    #[field(name = "houseLetter")]
    #[param(rename = "houseLetter")]
    house_letter: Option<String>,
    /// House-number addition.
    #[field(name = "houseNumberAddition")]
    #[param(rename = "houseNumberAddition")]
    house_number_addition: Option<String>,
    /// CBS buurt code.
    neighbourhood: Option<String>,
    /// Page number, from 1.
    page: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[field(name = "pageSize")]
    #[param(rename = "pageSize")]
    page_size: Option<String>,
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
    db: Db,
    query: AddressQuery,
) -> Result<Json<ListBody<AddressView>>, ApiError> {
    if caller.role() == Role::Agency && (query.postcode.is_none() || query.house_number.is_none()) {
        return Err(ApiError::Forbidden(
            "Agencies may only look up an address by postcode and houseNumber.".to_owned(),
        ));
    }
    let mut problems = Vec::new();
    let page = request::page(
        query.page.as_deref(),
        query.page_size.as_deref(),
        &mut problems,
    );
    let filter = AddressFilter {
        postcode: request::query_value(
            "postcode",
            query.postcode.as_deref(),
            Postcode::parse,
            &mut problems,
        )
        .map(|p| p.as_str().to_owned()),
        house_number: request::query_value(
            "houseNumber",
            query.house_number.as_deref(),
            HouseNumber::parse_str,
            &mut problems,
        )
        .and_then(|n| i32::try_from(n.get()).ok()),
        house_letter: match query.house_letter.as_deref() {
            Some("") => Some(String::new()),
            raw => request::query_value("houseLetter", raw, HouseLetter::parse, &mut problems)
                .map(|l| l.to_string()),
        },
        house_number_addition: match query.house_number_addition.as_deref() {
            Some("") => Some(String::new()),
            raw => request::query_value(
                "houseNumberAddition",
                raw,
                HouseNumberAddition::parse,
                &mut problems,
            )
            .map(|a| a.as_str().to_owned()),
        },
        neighbourhood_code: query.neighbourhood.clone(),
    };
    no_problems(problems)?;
    let (rows, total) = db
        .run(move |conn| Ok(addresses::list(conn, &filter, page)?))
        .await?;
    Ok(Json(ListBody::new(rows, page, total)))
}

/// Reads one address.
#[utoipa::path(
    get, path = "/addresses/{id}", tag = "addresses", operation_id = "getAddress",
    params(("id" = i64, Path, description = "Address id")),
    responses((status = 200, description = "The address", body = AddressView))
)]
#[get("/addresses/<id>")]
pub async fn get_address(_caller: AnyRole, db: Db, id: i64) -> Result<Json<AddressView>, ApiError> {
    let address = db.run(move |conn| Ok(addresses::find(conn, id)?)).await?;
    address
        .map(|a| Json(a.into()))
        .ok_or_else(|| address_not_found(id))
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
        .write(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let stored = addresses::find(conn, id)?.ok_or_else(|| address_not_found(id))?;
                let mut merged = input_json(&stored);
                merged.extend(body.0.clone());
                let fields = AddressInput::from_json(&merged)
                    .map_err(ApiError::invalid)?
                    .into_fields(&index);
                let address = addresses::update(conn, id, &fields).map_err(duplicate_address)?;
                crate::signals::reevaluate_addresses(conn, &rules, &[id])?;
                Ok(address)
            })
        })
        .await?;
    Ok(Json(address.into()))
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

    fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Lessor => "lessor",
            Self::Manager => "manager",
        }
    }
}

/// A landlord link as a client sends it.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct LandlordInput {
    /// The landlord organisation's id.
    pub organisation_id: i64,
    /// Owner, lessor or manager.
    pub role: LandlordRole,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day, if it has ended.
    pub end_date: Option<NaiveDate>,
}

impl LandlordInput {
    /// Parses a JSON object, reporting every problem at once.
    pub fn from_json(object: &Map<String, Value>) -> Result<Self, Vec<InvalidParam>> {
        let mut f = Fields::new(object, "");
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
        let problems = f.finish();
        match (organisation_id, role, start_date) {
            (Some(organisation_id), Some(role), Some(start_date)) if problems.is_empty() => {
                Ok(Self {
                    organisation_id,
                    role,
                    start_date,
                    end_date,
                })
            }
            _ => Err(problems),
        }
    }
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
            role: link.role,
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
    let input = LandlordInput::from_json(&body.0).map_err(ApiError::invalid)?;
    let view = db
        .write(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                addresses::find(conn, id)?.ok_or_else(|| address_not_found(id))?;
                let organisation =
                    organisations::find(conn, input.organisation_id)?.ok_or_else(|| {
                        ApiError::invalid_field(
                            "organisationId",
                            "is not a registered organisation",
                        )
                    })?;
                organisations::mark_landlord(conn, organisation.id)?;
                let link = housing_provisions::insert(
                    conn,
                    &NewHousingProvision {
                        address_id: id,
                        organisation_id: organisation.id,
                        role: input.role.as_str().to_owned(),
                        start_date: input.start_date,
                        end_date: input.end_date,
                        declaration_id: None,
                    },
                )?;
                crate::signals::reevaluate_addresses(conn, &rules, &[id])?;
                Ok(LandlordView::from((link, organisation)))
            })
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
            addresses::find(conn, id)?.ok_or_else(|| address_not_found(id))?;
            Ok(housing_provisions::for_address(conn, id)?)
        })
        .await?;
    Ok(Json(links.into_iter().map(LandlordView::from).collect()))
}
