//! `/declarations` and `/declaration-batches`: agencies file, read, amend,
//! end and withdraw their own housing declarations; staff and admins see
//! all of them. Every read and write is audit-logged in its transaction,
//! and each accepted filing queues an e-mail receipt to the agency.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::status::{Created, NoContent};
use rocket::serde::json::Json;
use rocket::{FromForm, Route, State, delete, get, patch, post, routes};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::api::context::RequestContext;
use crate::api::request::{self, Fields, JsonObject, no_problems, value};
use crate::api::{Db, ListBody, location};
use crate::audit;
use crate::auth::{Agency, AnyRole, Role};
use crate::config::AppConfig;
use crate::db::addresses::{self, Address};
use crate::db::declarations::{self, Declaration, DeclarationFilter};
use crate::db::organisations::{self, Organisation};
use crate::db::people::{self, Person};
use crate::db::{self, DbConnection};
use crate::domain::{Bsn, HouseLetter, HouseNumber, HouseNumberAddition, KvkNumber, Postcode};
use crate::error::{ApiError, InvalidParam, Problem};
use crate::filing::{self, AddressRef, DeclarationDraft, FilingError, FilingOutcome, Worker};
use crate::signals;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    routes![
        create_declaration,
        list_declarations,
        get_declaration,
        update_declaration,
        withdraw_declaration,
        create_declaration_batch
    ]
}

/// The most declarations one batch may hold.
pub const MAX_BATCH: usize = 1_000;
/// How far ahead a start date may lie.
const MAX_DAYS_AHEAD: u64 = 366;
/// The youngest a declared worker may be at the start date.
const MIN_WORKER_AGE_YEARS: u32 = 15;
/// The oldest plausible worker.
const MAX_WORKER_AGE_YEARS: u32 = 100;
/// Longest name or household label.
const MAX_NAME_CHARS: usize = 200;
/// Highest plausible monthly rent in euros.
const MAX_RENT_EUR: f64 = 100_000.0;
/// Longest retry key.
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;
/// The processing purpose when an agency files or manages its declarations.
const PURPOSE_FILING: &str = "housing declaration by the employer (Wet goed verhuurderschap)";
/// The processing purpose when officials read declarations.
const PURPOSE_SUPERVISION: &str = "supervision of housing of labour migrants";

/// Who may work with declarations: an agency (its own only) or staff and
/// admins (all of them, and filing on an agency's behalf).
#[derive(Debug, Clone)]
pub struct DeclarationCaller {
    /// The verified caller.
    pub caller: AnyRole,
    /// The agency whose declarations the caller is limited to.
    pub own_agency: Option<KvkNumber>,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for DeclarationCaller {
    type Error = ApiError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApiError> {
        let caller = match AnyRole::from_request(request).await {
            Outcome::Success(caller) => caller,
            Outcome::Error(e) => return Outcome::Error(e),
            Outcome::Forward(s) => return Outcome::Forward(s),
        };
        match caller.role() {
            Role::Staff | Role::Admin => Outcome::Success(Self {
                caller,
                own_agency: None,
            }),
            Role::Agency => match Agency::from_request(request).await {
                Outcome::Success(agency) => Outcome::Success(Self {
                    caller,
                    own_agency: Some(agency.kvk_number),
                }),
                Outcome::Error(e) => Outcome::Error(e),
                Outcome::Forward(s) => Outcome::Forward(s),
            },
            Role::Inspector => {
                let error = ApiError::Forbidden(
                    "The role inspector may not do this; it is for agencies and staff.".to_owned(),
                );
                crate::error::GuardFailure::remember(request, &error);
                Outcome::Error((Status::Forbidden, error))
            }
        }
    }
}

/// The worker as an agency declares them.
#[derive(Debug, Clone, PartialEq, Eq, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct WorkerInput {
    /// BSN (9 digits, 11-proef); leave out when the worker has none yet.
    #[schema(value_type = Option<String>, example = "123456782")]
    pub bsn: Option<String>,
    /// Family name.
    #[schema(example = "Nowak")]
    pub family_name: String,
    /// Given names.
    #[schema(example = "Jan")]
    pub given_names: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// Nationality, ISO 3166-1 alpha-2. Stored because the declaration
    /// carries it; never used by any rule, score or plan.
    #[schema(example = "PL")]
    pub nationality: Option<String>,
}

/// An address in the registry, by postcode and house number.
#[derive(Debug, Clone, PartialEq, Eq, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct AddressRefInput {
    /// Postcode.
    #[schema(example = "3131AB")]
    pub postcode: String,
    /// House number.
    #[schema(example = 12)]
    pub house_number: u32,
    /// House letter.
    pub house_letter: Option<String>,
    /// House-number addition.
    pub house_number_addition: Option<String>,
}

/// A housing declaration as a client sends it.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DeclarationInput {
    /// Who.
    pub worker: WorkerInput,
    /// Where.
    pub address: AddressRefInput,
    /// Who lets the dwelling; an unknown KvK number registers a landlord.
    #[schema(example = "87654321")]
    pub landlord_kvk_number: String,
    /// Household label; the same label at one address is one household.
    #[schema(example = "nowak")]
    pub household: Option<String>,
    /// First day at the address.
    pub start_date: NaiveDate,
    /// Last day, when known.
    pub end_date: Option<NaiveDate>,
    /// Rent per month in euros.
    #[schema(example = 450.0)]
    pub rent_per_month_eur: Option<f64>,
    /// Whether the rent is deducted from wages.
    pub rent_deducted_from_wages: bool,
    /// Whether the lease is separate from the work contract.
    pub separate_rental_contract: bool,
    /// Staff only: the agency filed for. Agencies are known by their token.
    #[schema(example = "12345678")]
    pub agency_kvk_number: Option<String>,
}

fn name(max: usize) -> impl FnOnce(&Value) -> Result<String, String> {
    value::text(max)
}

fn nationality(value: &Value) -> Result<String, String> {
    let text = value.as_str().ok_or("must be a string")?.trim();
    if text.len() == 2 && text.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(text.to_ascii_uppercase())
    } else {
        Err("must be an ISO 3166-1 alpha-2 country code, like PL".to_owned())
    }
}

fn rent_cents(value: &Value) -> Result<i64, String> {
    let euros = value::number(value)?;
    let cents = (euros * 100.0).round();
    if !(0.0..=MAX_RENT_EUR).contains(&euros) {
        Err(format!("must be from 0 to {MAX_RENT_EUR} euros"))
    } else if (euros * 100.0 - cents).abs() > 1e-6 {
        Err("must have at most two decimals".to_owned())
    } else {
        // In range 0..=10^7, so the cast is exact.
        #[expect(
            clippy::cast_possible_truncation,
            reason = "checked to be a whole number in range"
        )]
        Ok(cents as i64)
    }
}

fn read_worker(f: &mut Fields<'_>) -> Option<Worker> {
    let bsn = f.optional("bsn", value::parsed(Bsn::parse));
    let family_name = f.required("familyName", name(MAX_NAME_CHARS));
    let given_names = f.required("givenNames", name(MAX_NAME_CHARS));
    let date_of_birth = f.required("dateOfBirth", value::date);
    let nationality = f.optional("nationality", nationality);
    Some(Worker {
        bsn,
        family_name: family_name?,
        given_names: given_names?,
        date_of_birth: date_of_birth?,
        nationality,
    })
}

fn read_address(f: &mut Fields<'_>) -> Option<AddressRef> {
    let postcode = f.required("postcode", value::parsed(Postcode::parse));
    let house_number = f.required("houseNumber", |v| {
        HouseNumber::parse(value::integer(v)?).map_err(|e| e.to_string())
    });
    let house_letter = f.optional("houseLetter", value::parsed(HouseLetter::parse));
    let house_number_addition = f.optional(
        "houseNumberAddition",
        value::parsed(HouseNumberAddition::parse),
    );
    Some(AddressRef {
        postcode: postcode?,
        house_number: house_number?,
        house_letter,
        house_number_addition,
    })
}

fn years_before(day: NaiveDate, years: u32) -> NaiveDate {
    day.checked_sub_months(chrono::Months::new(years * 12))
        .unwrap_or(NaiveDate::MIN)
}

/// A parsed declaration and, for staff, the agency it is filed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedDeclaration {
    /// The checked declaration.
    pub draft: DeclarationDraft,
    /// `agencyKvkNumber`, which only staff may send.
    pub agency_kvk_number: Option<KvkNumber>,
}

/// Parses a declaration body, reporting every problem at once. `today`
/// bounds the dates; `is_agency` says whether `agencyKvkNumber` is refused
/// (an agency is known by its token) or required (staff file for one).
pub fn parse_declaration(
    object: &Map<String, Value>,
    prefix: &str,
    today: NaiveDate,
    is_agency: bool,
) -> Result<ParsedDeclaration, Vec<InvalidParam>> {
    let mut f = Fields::new(object, prefix);
    let worker = f.nested("worker", read_worker);
    let address = f.nested("address", read_address);
    let landlord = f.required("landlordKvkNumber", value::parsed(KvkNumber::parse));
    let household = f.optional("household", name(MAX_NAME_CHARS));
    let start_date = f.required("startDate", value::date);
    let end_date = f.optional("endDate", value::date);
    let rent = f.optional("rentPerMonthEur", rent_cents);
    let deducted = f.required("rentDeductedFromWages", value::boolean);
    let separate = f.required("separateRentalContract", value::boolean);
    let agency_kvk_number = if is_agency {
        if object.contains_key("agencyKvkNumber") {
            f.reject(
                "agencyKvkNumber",
                "is set by the agency's token, not the body",
            );
        }
        f.optional("agencyKvkNumber", |_| Ok(()));
        None
    } else {
        f.required("agencyKvkNumber", value::parsed(KvkNumber::parse))
    };
    if let Some(start) = start_date {
        if today
            .checked_add_days(Days::new(MAX_DAYS_AHEAD))
            .is_some_and(|latest| start > latest)
        {
            f.reject("startDate", "must not be more than a year ahead");
        }
        if let Some(end) = end_date
            && end < start
        {
            f.reject("endDate", "must not be before startDate");
        }
        // Checked even when another worker field is wrong, so that every
        // problem is reported at once.
        let born = object
            .get("worker")
            .and_then(|w| w.get("dateOfBirth"))
            .and_then(|v| value::date(v).ok());
        if let Some(born) = born {
            if born > years_before(start, MIN_WORKER_AGE_YEARS) {
                f.reject(
                    "worker.dateOfBirth",
                    format!("must be at least {MIN_WORKER_AGE_YEARS} years before startDate"),
                );
            } else if born < years_before(today, MAX_WORKER_AGE_YEARS) {
                f.reject("worker.dateOfBirth", "must be a plausible date of birth");
            }
        }
    }
    let problems = f.finish();
    match (worker, address, landlord, start_date, deducted, separate) {
        (
            Some(worker),
            Some(address),
            Some(landlord),
            Some(start_date),
            Some(deducted),
            Some(separate),
        ) if problems.is_empty() && (is_agency || agency_kvk_number.is_some()) => {
            Ok(ParsedDeclaration {
                draft: DeclarationDraft {
                    worker,
                    address,
                    landlord_kvk_number: landlord,
                    household,
                    start_date,
                    end_date,
                    rent_per_month_cents: rent,
                    rent_deducted_from_wages: deducted,
                    separate_rental_contract: separate,
                },
                agency_kvk_number,
            })
        }
        _ => Err(problems),
    }
}

/// The worker of a stored declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkerView {
    /// The person's id; people are named by id, never by BSN.
    pub person_id: i64,
    /// The last three digits of the BSN, the rest masked.
    #[schema(example = "******782")]
    pub bsn_masked: Option<String>,
    /// Family name.
    pub family_name: String,
    /// Given names.
    pub given_names: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// Nationality as declared.
    pub nationality: Option<String>,
}

/// The address of a stored declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeclaredAddressView {
    /// The address's id.
    pub address_id: i64,
    /// Postcode.
    pub postcode: String,
    /// House number.
    pub house_number: i32,
    /// House letter.
    pub house_letter: Option<String>,
    /// Addition.
    pub house_number_addition: Option<String>,
}

/// A stored declaration.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeclarationView {
    /// Id.
    pub id: i64,
    /// `accepted`, `amended`, `ended` or `withdrawn`.
    pub status: String,
    /// The filing agency.
    pub agency_kvk_number: String,
    /// Who.
    pub worker: WorkerView,
    /// Where.
    pub address: DeclaredAddressView,
    /// Who lets the dwelling.
    pub landlord_kvk_number: String,
    /// Household label.
    pub household: Option<String>,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: Option<NaiveDate>,
    /// Rent per month in euros.
    pub rent_per_month_eur: Option<f64>,
    /// Rent deducted from wages.
    pub rent_deducted_from_wages: bool,
    /// Lease separate from the work contract.
    pub separate_rental_contract: bool,
    /// The token subject that filed it.
    pub filed_by: String,
    /// When it was filed.
    pub filed_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Builds the views of declarations with three queries, however many.
fn views(conn: &mut DbConnection, rows: &[Declaration]) -> Result<Vec<DeclarationView>, ApiError> {
    let person_ids: Vec<i64> = rows.iter().map(|d| d.person_id).collect();
    let address_ids: Vec<i64> = rows.iter().map(|d| d.address_id).collect();
    let organisation_ids: Vec<i64> = rows
        .iter()
        .flat_map(|d| [d.agency_id, d.landlord_id])
        .collect();
    let people: HashMap<i64, Person> = people::by_ids(conn, &person_ids)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let addresses: HashMap<i64, Address> = addresses::by_ids(conn, &address_ids)?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let organisations: HashMap<i64, Organisation> = organisations::by_ids(conn, &organisation_ids)?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    rows.iter()
        .map(|d| {
            let (Some(person), Some(address), Some(agency), Some(landlord)) = (
                people.get(&d.person_id),
                addresses.get(&d.address_id),
                organisations.get(&d.agency_id),
                organisations.get(&d.landlord_id),
            ) else {
                return Err(ApiError::internal(format!(
                    "declaration {} lost a referent",
                    d.id
                )));
            };
            Ok(view(d, person, address, agency, landlord))
        })
        .collect()
}

/// The view of one declaration.
fn view_of(
    conn: &mut DbConnection,
    declaration: &Declaration,
) -> Result<DeclarationView, ApiError> {
    views(conn, std::slice::from_ref(declaration))?
        .pop()
        .ok_or_else(|| ApiError::internal(format!("no view of declaration {}", declaration.id)))
}

fn view(
    d: &Declaration,
    person: &Person,
    address: &Address,
    agency: &Organisation,
    landlord: &Organisation,
) -> DeclarationView {
    DeclarationView {
        id: d.id,
        status: d.status.clone(),
        agency_kvk_number: agency.kvk_number.clone(),
        worker: WorkerView {
            person_id: person.id,
            bsn_masked: person.masked_bsn(),
            family_name: person.family_name.clone(),
            given_names: person.given_names.clone(),
            date_of_birth: person.date_of_birth,
            nationality: person.nationality.clone(),
        },
        address: DeclaredAddressView {
            address_id: address.id,
            postcode: address.postcode.clone(),
            house_number: address.house_number,
            house_letter: address.letter(),
            house_number_addition: address.addition(),
        },
        landlord_kvk_number: landlord.kvk_number.clone(),
        household: d.household.clone(),
        start_date: d.start_date,
        end_date: d.end_date,
        #[expect(
            clippy::cast_precision_loss,
            reason = "cents of a rent are far below 2^52"
        )]
        rent_per_month_eur: d.rent_per_month_cents.map(|c| c as f64 / 100.0),
        rent_deducted_from_wages: d.rent_deducted_from_wages,
        separate_rental_contract: d.separate_rental_contract,
        filed_by: d.filed_by.clone(),
        filed_at: d.filed_at.and_utc(),
        updated_at: d.updated_at.and_utc(),
    }
}

/// The body fields of a stored declaration, so that a PATCH can be merged
/// onto them and checked like a new filing.
fn input_json(view: &DeclarationView, person: &Person) -> Map<String, Value> {
    let object = json!({
        "worker": {
            "bsn": person.bsn,
            "familyName": view.worker.family_name,
            "givenNames": view.worker.given_names,
            "dateOfBirth": view.worker.date_of_birth,
            "nationality": view.worker.nationality,
        },
        "address": {
            "postcode": view.address.postcode,
            "houseNumber": view.address.house_number,
            "houseLetter": view.address.house_letter,
            "houseNumberAddition": view.address.house_number_addition,
        },
        "landlordKvkNumber": view.landlord_kvk_number,
        "household": view.household,
        "startDate": view.start_date,
        "endDate": view.end_date,
        "rentPerMonthEur": view.rent_per_month_eur,
        "rentDeductedFromWages": view.rent_deducted_from_wages,
        "separateRentalContract": view.separate_rental_contract,
    });
    match object {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Merges a PATCH body onto the stored fields; nested objects merge too.
fn merge(stored: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (key, value) in patch {
        match (stored.get_mut(&key), value) {
            (Some(Value::Object(inner)), Value::Object(changes)) => merge(inner, changes),
            (_, value) => {
                stored.insert(key, value);
            }
        }
    }
}

fn filing_problem(error: FilingError, prefix: &str) -> ApiError {
    let field = |name: &str| {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        }
    };
    match error {
        FilingError::UnknownAddress => ApiError::invalid(vec![InvalidParam::new(
            field("address"),
            "is not a registered address; look it up with GET /api/v1/addresses",
        )]),
        FilingError::BsnTaken => ApiError::Conflict(
            "The corrected BSN belongs to another person in the registry.".to_owned(),
        ),
        FilingError::Database(e) => ApiError::from(e),
    }
}

fn not_found(id: i64) -> ApiError {
    ApiError::NotFound(format!("There is no declaration {id}."))
}

/// The declaration with this id, if the caller may see it: another
/// agency's declaration does not exist for an agency.
fn visible(
    conn: &mut DbConnection,
    caller: &DeclarationCaller,
    id: i64,
) -> Result<Declaration, ApiError> {
    let declaration = declarations::find(conn, id)?.ok_or_else(|| not_found(id))?;
    if let Some(own) = &caller.own_agency {
        let agency = organisations::find(conn, declaration.agency_id)?;
        if agency.is_none_or(|a| a.kvk_number != own.as_str()) {
            return Err(not_found(id));
        }
    }
    Ok(declaration)
}

/// The optional `Idempotency-Key` request header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for IdempotencyKey {
    type Error = ApiError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApiError> {
        match request.headers().get_one("Idempotency-Key").map(str::trim) {
            None => Outcome::Success(Self(None)),
            Some(key)
                if !key.is_empty()
                    && key.chars().count() <= MAX_IDEMPOTENCY_KEY_CHARS
                    && key.chars().all(|c| c.is_ascii_graphic()) =>
            {
                Outcome::Success(Self(Some(key.to_owned())))
            }
            Some(_) => {
                let error = ApiError::invalid_field(
                    "Idempotency-Key",
                    "must be 1 to 200 visible ASCII characters",
                );
                crate::error::GuardFailure::remember(request, &error);
                Outcome::Error((error.status(), error))
            }
        }
    }
}

/// Files one declaration in the caller's transaction: the facts and the
/// audit event; the caller re-evaluates and queues the receipt.
fn file_one(
    conn: &mut DbConnection,
    caller: &DeclarationCaller,
    context: &RequestContext,
    parsed: &ParsedDeclaration,
    idempotency_key: Option<&str>,
    prefix: &str,
) -> Result<(FilingOutcome, Organisation), ApiError> {
    let agency_kvk = match (&caller.own_agency, &parsed.agency_kvk_number) {
        (Some(own), _) => own,
        (None, Some(on_behalf)) => on_behalf,
        (None, None) => return Err(ApiError::invalid_field("agencyKvkNumber", "is required")),
    };
    let agency = filing::agency(conn, agency_kvk)?;
    let outcome = filing::file(
        conn,
        &agency,
        &caller.caller.claims.sub,
        idempotency_key,
        &parsed.draft,
    )
    .map_err(|e| filing_problem(e, prefix))?;
    let action = match &outcome {
        FilingOutcome::Filed(..) => "declaration.create",
        FilingOutcome::Replayed(_) => "declaration.replay",
    };
    let declaration = outcome.declaration();
    audit::record(
        conn,
        &context.entry(
            &caller.caller,
            action,
            format!("declarations/{}", declaration.id),
            PURPOSE_FILING,
        ),
    )?;
    Ok((outcome, agency))
}

/// Files a housing declaration.
#[utoipa::path(
    post, path = "/declarations", tag = "declarations", operation_id = "createDeclaration",
    request_body = DeclarationInput,
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Retry key: the same key returns the first result and stores nothing new"),
        ("X-Purpose" = Option<String>, Header, description = "Processing purpose for the audit log"),
        ("traceparent" = Option<String>, Header, description = "W3C trace context"),
    ),
    responses((status = 201, description = "Filed (or the first filing with this Idempotency-Key)", body = DeclarationView))
)]
#[post("/declarations", data = "<body>")]
pub async fn create_declaration(
    caller: DeclarationCaller,
    context: RequestContext,
    idempotency_key: IdempotencyKey,
    config: &State<AppConfig>,
    db: Db,
    body: JsonObject,
) -> Result<Created<Json<DeclarationView>>, ApiError> {
    let rules = config.rules.clone();
    let today = Utc::now().date_naive();
    let parsed = parse_declaration(&body.0, "", today, caller.own_agency.is_some())
        .map_err(ApiError::invalid)?;
    let view = db
        .write(move |conn| {
            let key = idempotency_key.0.as_deref();
            let attempt = |conn: &mut DbConnection| {
                db::write_transaction(conn, |conn| {
                    let (outcome, agency) = file_one(conn, &caller, &context, &parsed, key, "")?;
                    if let FilingOutcome::Filed(declaration, address) = &outcome {
                        signals::reevaluate_addresses(conn, &rules, &[address.id])?;
                        filing::queue_receipt(
                            conn,
                            &agency,
                            &[(declaration.clone(), (**address).clone())],
                        )?;
                    }
                    view_of(conn, outcome.declaration())
                })
            };
            // Two requests with one retry key (or one new worker) at the same
            // moment: the loser of the unique index finds the winner's rows
            // on the second attempt.
            match attempt(conn) {
                Err(ApiError::Conflict(_)) => attempt(conn),
                other => other,
            }
        })
        .await?;
    Ok(Created::new(location(&format!("/declarations/{}", view.id))).body(Json(view)))
}

/// Filters and paging of the declaration list.
#[derive(Debug, Clone, Default, FromForm, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeclarationQuery {
    /// `accepted`, `amended`, `ended` or `withdrawn`.
    status: Option<String>,
    /// Staff: only this agency's. An agency always sees only its own.
    #[field(name = "agencyKvkNumber")]
    #[param(rename = "agencyKvkNumber")]
    agency_kvk_number: Option<String>,
    /// Only for this address.
    #[field(name = "addressId")]
    #[param(rename = "addressId")]
    address_id: Option<String>,
    /// Only those in force on this date (YYYY-MM-DD).
    #[field(name = "activeOn")]
    #[param(rename = "activeOn")]
    active_on: Option<String>,
    /// Page number, from 1.
    page: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[field(name = "pageSize")]
    #[param(rename = "pageSize")]
    page_size: Option<String>,
}

fn status_filter(text: &str) -> Result<String, &'static str> {
    match text {
        "accepted" | "amended" | "ended" | "withdrawn" => Ok(text.to_owned()),
        _ => Err("must be one of accepted, amended, ended, withdrawn"),
    }
}

/// Lists declarations: an agency its own, staff and admins all.
#[utoipa::path(
    get, path = "/declarations", tag = "declarations", operation_id = "listDeclarations",
    params(DeclarationQuery),
    responses((status = 200, description = "One page of declarations, newest first", body = ListBody<DeclarationView>))
)]
#[get("/declarations?<query..>")]
pub async fn list_declarations(
    caller: DeclarationCaller,
    context: RequestContext,
    db: Db,
    query: DeclarationQuery,
) -> Result<Json<ListBody<DeclarationView>>, ApiError> {
    let mut problems = Vec::new();
    let page = request::page(
        query.page.as_deref(),
        query.page_size.as_deref(),
        &mut problems,
    );
    let status = request::query_value(
        "status",
        query.status.as_deref(),
        status_filter,
        &mut problems,
    );
    let agency_kvk = request::query_value(
        "agencyKvkNumber",
        query.agency_kvk_number.as_deref(),
        KvkNumber::parse,
        &mut problems,
    );
    let address_id = request::query_value(
        "addressId",
        query.address_id.as_deref(),
        str::parse::<i64>,
        &mut problems,
    );
    let active_on = request::query_value(
        "activeOn",
        query.active_on.as_deref(),
        |s| NaiveDate::parse_from_str(s, "%Y-%m-%d"),
        &mut problems,
    );
    no_problems(problems)?;
    let (views, total) = db
        .write(move |conn| {
            db::write_transaction(conn, |conn| {
                // An agency's list is its own, whatever agency it names.
                let agency_kvk = match (&caller.own_agency, agency_kvk.clone()) {
                    (Some(own), Some(asked)) if asked != *own => return Ok((Vec::new(), 0)),
                    (Some(own), _) => Some(own.clone()),
                    (None, asked) => asked,
                };
                let agency_id = match &agency_kvk {
                    None => None,
                    Some(kvk) => match organisations::find_by_kvk(conn, kvk.as_str())? {
                        Some(agency) => Some(agency.id),
                        None => return Ok((Vec::new(), 0)),
                    },
                };
                let filter = DeclarationFilter {
                    agency_id,
                    status: status.clone(),
                    address_id,
                    active_on,
                };
                let (rows, total) = declarations::list(conn, &filter, page)?;
                let purpose = if caller.own_agency.is_some() {
                    PURPOSE_FILING
                } else {
                    PURPOSE_SUPERVISION
                };
                audit::record(
                    conn,
                    &context.entry(
                        &caller.caller,
                        "declaration.list",
                        "declarations".to_owned(),
                        purpose,
                    ),
                )?;
                Ok::<_, ApiError>((views(conn, &rows)?, total))
            })
        })
        .await?;
    Ok(Json(ListBody {
        items: views,
        page: page.number,
        page_size: page.size,
        total,
    }))
}

/// Reads one declaration; another agency's is not found.
#[utoipa::path(
    get, path = "/declarations/{id}", tag = "declarations", operation_id = "getDeclaration",
    params(("id" = i64, Path, description = "Declaration id")),
    responses((status = 200, description = "The declaration", body = DeclarationView))
)]
#[get("/declarations/<id>")]
pub async fn get_declaration(
    caller: DeclarationCaller,
    context: RequestContext,
    db: Db,
    id: i64,
) -> Result<Json<DeclarationView>, ApiError> {
    let view = db
        .write(move |conn| {
            db::write_transaction(conn, |conn| {
                let declaration = visible(conn, &caller, id)?;
                let purpose = if caller.own_agency.is_some() {
                    PURPOSE_FILING
                } else {
                    PURPOSE_SUPERVISION
                };
                audit::record(
                    conn,
                    &context.entry(
                        &caller.caller,
                        "declaration.read",
                        format!("declarations/{id}"),
                        purpose,
                    ),
                )?;
                view_of(conn, &declaration)
            })
        })
        .await?;
    Ok(Json(view))
}

/// Changes to a declaration: any subset of its fields; nested objects
/// merge field by field; `null` clears an optional field.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DeclarationChanges {
    /// Corrections to the worker's details.
    pub worker: Option<WorkerInput>,
    /// A corrected address.
    pub address: Option<AddressRefInput>,
    /// A corrected landlord.
    pub landlord_kvk_number: Option<String>,
    /// Household label.
    pub household: Option<String>,
    /// First day.
    pub start_date: Option<NaiveDate>,
    /// Last day: setting it ends the declaration.
    pub end_date: Option<NaiveDate>,
    /// Rent per month in euros.
    pub rent_per_month_eur: Option<f64>,
    /// Rent deducted from wages.
    pub rent_deducted_from_wages: Option<bool>,
    /// Lease separate from the work contract.
    pub separate_rental_contract: Option<bool>,
}

/// Amends or ends a declaration (set `endDate` to end it).
#[utoipa::path(
    patch, path = "/declarations/{id}", tag = "declarations", operation_id = "updateDeclaration",
    params(("id" = i64, Path, description = "Declaration id")),
    request_body = DeclarationChanges,
    responses(
        (status = 200, description = "The amended or ended declaration", body = DeclarationView),
        (status = 409, description = "Withdrawn, or the BSN belongs to someone else", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/declarations/<id>", data = "<body>")]
pub async fn update_declaration(
    caller: DeclarationCaller,
    context: RequestContext,
    config: &State<AppConfig>,
    db: Db,
    id: i64,
    body: JsonObject,
) -> Result<Json<DeclarationView>, ApiError> {
    let rules = config.rules.clone();
    let today = Utc::now().date_naive();
    let view = db
        .write(move |conn| {
            db::write_transaction(conn, |conn| {
                let stored = visible(conn, &caller, id)?;
                if stored.status == "withdrawn" {
                    return Err(ApiError::Conflict(
                        "A withdrawn declaration cannot be changed.".to_owned(),
                    ));
                }
                let person = people::find(conn, stored.person_id)?
                    .ok_or_else(|| ApiError::internal("declaration without person"))?;
                let current = view_of(conn, &stored)?;
                let mut merged = input_json(&current, &person);
                merge(&mut merged, body.0.clone());
                // The agency of a filing never changes.
                let parsed =
                    parse_declaration(&merged, "", today, true).map_err(ApiError::invalid)?;
                let amended = filing::amend(conn, &stored, &parsed.draft)
                    .map_err(|e| filing_problem(e, ""))?;
                signals::reevaluate_addresses(
                    conn,
                    &rules,
                    &[stored.address_id, amended.address_id],
                )?;
                audit::record(
                    conn,
                    &context.entry(
                        &caller.caller,
                        "declaration.update",
                        format!("declarations/{id}"),
                        PURPOSE_FILING,
                    ),
                )?;
                view_of(conn, &amended)
            })
        })
        .await?;
    Ok(Json(view))
}

/// Withdraws a declaration filed in error; its occupancy no longer counts.
#[utoipa::path(
    delete, path = "/declarations/{id}", tag = "declarations", operation_id = "withdrawDeclaration",
    params(("id" = i64, Path, description = "Declaration id")),
    responses((status = 204, description = "Withdrawn"))
)]
#[delete("/declarations/<id>")]
pub async fn withdraw_declaration(
    caller: DeclarationCaller,
    context: RequestContext,
    config: &State<AppConfig>,
    db: Db,
    id: i64,
) -> Result<NoContent, ApiError> {
    let rules = config.rules.clone();
    db.write(move |conn| {
        db::write_transaction(conn, |conn| {
            let stored = visible(conn, &caller, id)?;
            if stored.status != "withdrawn" {
                filing::withdraw(conn, &stored)?;
                signals::reevaluate_addresses(conn, &rules, &[stored.address_id])?;
                audit::record(
                    conn,
                    &context.entry(
                        &caller.caller,
                        "declaration.withdraw",
                        format!("declarations/{id}"),
                        PURPOSE_FILING,
                    ),
                )?;
            }
            Ok::<_, ApiError>(())
        })
    })
    .await?;
    Ok(NoContent)
}

/// Up to 1000 declarations in one call.
#[derive(Debug, Clone, PartialEq, ToSchema)]
pub struct DeclarationBatchInput {
    /// The declarations, each as for `POST /declarations`.
    pub declarations: Vec<DeclarationInput>,
}

/// The result of one item of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BatchItemResult {
    /// The item's position in the request, from 0.
    pub index: usize,
    /// 201 when filed, 400 when refused.
    pub status: u16,
    /// The declaration's id, when filed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// Why the item was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// One result per item of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BatchResults {
    /// In the order of the request.
    pub results: Vec<BatchItemResult>,
}

/// Files up to 1000 declarations: valid ones are stored, invalid ones are
/// reported with every problem, none half-stored. One e-mail receipt per
/// batch. With `Idempotency-Key`, a retried batch files nothing twice.
#[utoipa::path(
    post, path = "/declaration-batches", tag = "declarations", operation_id = "createDeclarationBatch",
    request_body = DeclarationBatchInput,
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Retry key for the whole batch"),
        ("X-Purpose" = Option<String>, Header, description = "Processing purpose for the audit log"),
        ("traceparent" = Option<String>, Header, description = "W3C trace context"),
    ),
    responses((status = 200, description = "One result per item", body = BatchResults))
)]
#[post("/declaration-batches", data = "<body>")]
pub async fn create_declaration_batch(
    caller: DeclarationCaller,
    context: RequestContext,
    idempotency_key: IdempotencyKey,
    config: &State<AppConfig>,
    db: Db,
    body: JsonObject,
) -> Result<Json<BatchResults>, ApiError> {
    let rules = config.rules.clone();
    let today = Utc::now().date_naive();
    let mut f = Fields::new(&body.0, "");
    let items = f.required("declarations", |v| {
        let items = v.as_array().ok_or("must be an array")?;
        if items.is_empty() || items.len() > MAX_BATCH {
            return Err(format!("must hold 1 to {MAX_BATCH} declarations"));
        }
        Ok(items.clone())
    });
    no_problems(f.finish())?;
    let items = items.unwrap_or_default();
    let is_agency = caller.own_agency.is_some();
    let parsed: Vec<Result<ParsedDeclaration, ApiError>> = items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let prefix = format!("declarations[{index}]");
            match item {
                Value::Object(object) => {
                    parse_declaration(object, &prefix, today, is_agency).map_err(ApiError::invalid)
                }
                _ => Err(ApiError::invalid_field(&prefix, "must be an object")),
            }
        })
        .collect();
    let results = db
        .write(move |conn| {
            db::write_transaction(conn, |conn| {
                let mut results = Vec::with_capacity(parsed.len());
                let mut receipts: HashMap<i64, (Organisation, Vec<(Declaration, Address)>)> =
                    HashMap::new();
                for (index, item) in parsed.iter().enumerate() {
                    let prefix = format!("declarations[{index}]");
                    let key = idempotency_key.0.as_ref().map(|k| format!("{k}#{index}"));
                    let outcome = item.as_ref().map_err(Clone::clone).and_then(|p| {
                        let (outcome, agency) =
                            file_one(conn, &caller, &context, p, key.as_deref(), &prefix)?;
                        if let FilingOutcome::Filed(d, address) = &outcome {
                            receipts
                                .entry(agency.id)
                                .or_insert_with(|| (agency.clone(), Vec::new()))
                                .1
                                .push((d.clone(), (**address).clone()));
                        }
                        Ok(outcome)
                    });
                    results.push(match outcome {
                        Ok(outcome) => BatchItemResult {
                            index,
                            status: 201,
                            id: Some(outcome.declaration().id),
                            problem: None,
                        },
                        // Database faults abort the whole batch: nothing is stored.
                        Err(ApiError::Internal(cause)) => return Err(ApiError::Internal(cause)),
                        Err(error) => BatchItemResult {
                            index,
                            status: error.status().code,
                            id: None,
                            problem: Some(error.to_problem()),
                        },
                    });
                }
                let touched: Vec<i64> = receipts
                    .values()
                    .flat_map(|(_, filed)| filed.iter().map(|(_, address)| address.id))
                    .collect();
                signals::reevaluate_addresses(conn, &rules, &touched)?;
                for (agency, filed) in receipts.values() {
                    filing::queue_receipt(conn, agency, filed)?;
                }
                Ok::<_, ApiError>(results)
            })
        })
        .await?;
    Ok(Json(BatchResults { results }))
}
