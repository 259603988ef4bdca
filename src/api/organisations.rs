//! `/organisations`: temp agencies, landlords and the groups they belong to.

use chrono::{DateTime, Utc};
use rocket::response::status::Created;
use rocket::serde::json::Json;
use rocket::{FromForm, Route, State, get, patch, post, routes};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::api::request::{
    self, Fields, JsonObject, OneValuePerKey, no_problems, read_object, value,
};
use crate::api::{Db, ListBody, location};
use crate::auth::Staff;
use crate::config::AppConfig;
use crate::db::organisations::{self, Organisation, OrganisationFields};
use crate::domain::KvkNumber;
use crate::error::{ApiError, InvalidParam};
use crate::registry::organisations as registry;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    routes![
        create_organisation,
        list_organisations,
        get_organisation,
        update_organisation
    ]
}

/// Longest organisation name.
const MAX_NAME_CHARS: usize = 200;
/// Longest e-mail address (RFC 5321).
const MAX_EMAIL_CHARS: usize = 254;

/// An organisation as a client sends it.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct OrganisationInput {
    /// KvK number, 8 digits.
    #[schema(value_type = String, example = "12345678", pattern = "^[0-9]{8}$")]
    pub kvk_number: KvkNumber,
    /// Trade name: one line, no control characters.
    #[schema(example = "Flex Uitzend B.V.", min_length = 1, max_length = 200)]
    pub name: String,
    /// Whether it is a temp agency.
    pub is_agency: bool,
    /// Whether it lets dwellings.
    pub is_landlord: bool,
    /// The KvK number of its parent (group, holding); not its own.
    #[schema(value_type = Option<String>, example = "87654321", pattern = "^[0-9]{8}$")]
    pub parent_kvk_number: Option<KvkNumber>,
    /// Whether it holds SNA / Wtta certification.
    pub certified: bool,
    /// Where receipts are sent.
    #[schema(
        example = "planning@example.org",
        format = "email",
        min_length = 3,
        max_length = 254
    )]
    pub contact_email: Option<String>,
}

/// A plausible single e-mail address: one `@`, something on both sides, a
/// dot in the domain, no spaces. Delivery is the real test.
fn email(value: &Value) -> Result<String, String> {
    let text = value::text(MAX_EMAIL_CHARS)(value)?;
    let plausible = text.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
    }) && !text.chars().any(char::is_whitespace);
    if plausible {
        Ok(text)
    } else {
        Err("must be an e-mail address, like name@example.org".to_owned())
    }
}

/// Reads an organisation body, reporting every problem at once.
pub fn read_organisation(f: &mut Fields<'_>) -> Option<OrganisationInput> {
    let kvk_number = f.required("kvkNumber", value::parsed(KvkNumber::parse));
    let name = f.required("name", value::text(MAX_NAME_CHARS));
    let is_agency = f.required("isAgency", value::boolean);
    let is_landlord = f.required("isLandlord", value::boolean);
    let parent_kvk_number = f.optional("parentKvkNumber", value::parsed(KvkNumber::parse));
    let certified = f.required("certified", value::boolean);
    let contact_email = f.optional("contactEmail", email);
    if kvk_number.is_some() && kvk_number == parent_kvk_number {
        f.reject("parentKvkNumber", "must differ from kvkNumber");
    }
    Some(OrganisationInput {
        kvk_number: kvk_number?,
        name: name?,
        is_agency: is_agency?,
        is_landlord: is_landlord?,
        parent_kvk_number,
        certified: certified?,
        contact_email,
    })
}

impl OrganisationInput {
    /// Parses a JSON object, reporting every problem at once.
    pub fn from_json(object: &Map<String, Value>) -> Result<Self, Vec<InvalidParam>> {
        read_object(object, "", read_organisation)
    }

    /// The stored fields.
    pub fn into_fields(self) -> OrganisationFields {
        OrganisationFields {
            kvk_number: self.kvk_number.as_str().to_owned(),
            name: self.name,
            is_agency: self.is_agency,
            is_landlord: self.is_landlord,
            parent_kvk_number: self.parent_kvk_number.map(|k| k.as_str().to_owned()),
            is_certified: self.certified,
            contact_email: self.contact_email,
        }
    }
}

/// The client-settable fields of a stored organisation, as JSON, so that a
/// PATCH can be merged onto them and parsed like a POST.
fn input_json(organisation: &Organisation) -> Map<String, Value> {
    match json!({
        "kvkNumber": organisation.kvk_number,
        "name": organisation.name,
        "isAgency": organisation.is_agency,
        "isLandlord": organisation.is_landlord,
        "parentKvkNumber": organisation.parent_kvk_number,
        "certified": organisation.is_certified,
        "contactEmail": organisation.contact_email,
    }) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Changes to an organisation: any subset of its fields; `null` clears an
/// optional field.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct OrganisationChanges {
    #[schema(pattern = "^[0-9]{8}$", nullable = false)]
    kvk_number: Option<String>,
    #[schema(min_length = 1, max_length = 200, nullable = false)]
    name: Option<String>,
    #[schema(nullable = false)]
    is_agency: Option<bool>,
    #[schema(nullable = false)]
    is_landlord: Option<bool>,
    #[schema(pattern = "^[0-9]{8}$")]
    parent_kvk_number: Option<String>,
    #[schema(nullable = false)]
    certified: Option<bool>,
    #[schema(format = "email", min_length = 3, max_length = 254)]
    contact_email: Option<String>,
}

/// A stored organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationView {
    /// Id.
    pub id: i64,
    /// KvK number.
    pub kvk_number: String,
    /// Trade name.
    pub name: String,
    /// Whether it is a temp agency.
    pub is_agency: bool,
    /// Whether it lets dwellings.
    pub is_landlord: bool,
    /// Parent KvK number.
    pub parent_kvk_number: Option<String>,
    /// SNA / Wtta certification.
    pub certified: bool,
    /// Contact e-mail.
    pub contact_email: Option<String>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Organisation> for OrganisationView {
    fn from(o: Organisation) -> Self {
        Self {
            id: o.id,
            kvk_number: o.kvk_number,
            name: o.name,
            is_agency: o.is_agency,
            is_landlord: o.is_landlord,
            parent_kvk_number: o.parent_kvk_number,
            certified: o.is_certified,
            contact_email: o.contact_email,
            created_at: o.created_at.and_utc(),
            updated_at: o.updated_at.and_utc(),
        }
    }
}

/// Registers an organisation.
#[utoipa::path(
    post, path = "/organisations", tag = "organisations", operation_id = "createOrganisation",
    request_body = OrganisationInput,
    responses(
        (status = 201, description = "Registered", body = OrganisationView),
        (status = 409, description = "KvK number already registered", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations", data = "<body>")]
pub async fn create_organisation(
    _staff: Staff,
    db: Db,
    body: JsonObject,
) -> Result<Created<Json<OrganisationView>>, ApiError> {
    let fields = OrganisationInput::from_json(&body.0)
        .map_err(ApiError::invalid)?
        .into_fields();
    let organisation = db
        .transaction(move |conn| registry::register_organisation(conn, &fields))
        .await?;
    Ok(
        Created::new(location(&format!("/organisations/{}", organisation.id)))
            .body(Json(organisation.into())),
    )
}

/// Filters and paging of the organisation list.
#[derive(Debug, Clone, Default, FromForm, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationQuery {
    /// Exact KvK number, 8 digits.
    #[field(name = "kvkNumber")]
    #[param(rename = "kvkNumber", pattern = "^[0-9]{8}$")]
    kvk_number: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    page: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[field(name = "pageSize")]
    #[param(rename = "pageSize", value_type = Option<u32>, minimum = 1, maximum = 500, default = 50)]
    page_size: Option<String>,
}

/// Lists organisations.
#[utoipa::path(
    get, path = "/organisations", tag = "organisations", operation_id = "listOrganisations",
    params(OrganisationQuery),
    responses((status = 200, description = "One page of organisations", body = ListBody<OrganisationView>))
)]
#[get("/organisations?<query..>")]
pub async fn list_organisations(
    _staff: Staff,
    _one_value_per_key: OneValuePerKey,
    db: Db,
    query: OrganisationQuery,
) -> Result<Json<ListBody<OrganisationView>>, ApiError> {
    let mut problems = Vec::new();
    let page = request::page(
        query.page.as_deref(),
        query.page_size.as_deref(),
        &mut problems,
    );
    let kvk = request::query_value(
        "kvkNumber",
        query.kvk_number.as_deref(),
        KvkNumber::parse,
        &mut problems,
    );
    no_problems(problems)?;
    let (rows, total) = db
        .run(move |conn| {
            Ok(organisations::list(
                conn,
                kvk.as_ref().map(KvkNumber::as_str),
                page,
            )?)
        })
        .await?;
    Ok(Json(ListBody::new(rows, page, total)))
}

/// Reads one organisation.
#[utoipa::path(
    get, path = "/organisations/{id}", tag = "organisations", operation_id = "getOrganisation",
    params(("id" = i64, Path, description = "Organisation id")),
    responses((status = 200, description = "The organisation", body = OrganisationView))
)]
#[get("/organisations/<id>")]
pub async fn get_organisation(
    _staff: Staff,
    db: Db,
    id: i64,
) -> Result<Json<OrganisationView>, ApiError> {
    let organisation = db
        .run(move |conn| registry::find_organisation(conn, id))
        .await?;
    Ok(Json(organisation.into()))
}

/// Changes an organisation.
#[utoipa::path(
    patch, path = "/organisations/{id}", tag = "organisations", operation_id = "updateOrganisation",
    params(("id" = i64, Path, description = "Organisation id")),
    request_body = OrganisationChanges,
    responses(
        (status = 200, description = "The changed organisation", body = OrganisationView),
        (status = 409, description = "KvK number already registered", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/organisations/<id>", data = "<body>")]
pub async fn update_organisation(
    _staff: Staff,
    db: Db,
    config: &State<AppConfig>,
    id: i64,
    body: JsonObject,
) -> Result<Json<OrganisationView>, ApiError> {
    let rules = config.rules.clone();
    let organisation = db
        .transaction(move |conn| {
            let mut merged = input_json(&registry::find_organisation(conn, id)?);
            merged.extend(body.0.clone());
            let fields = OrganisationInput::from_json(&merged)
                .map_err(ApiError::invalid)?
                .into_fields();
            registry::change_organisation(conn, &rules, id, &fields)
        })
        .await?;
    Ok(Json(organisation.into()))
}
