//! What clients send to the declaration endpoints: the documented request
//! bodies and query, and the readers that turn them into the registry's
//! types while collecting every problem at once.

use chrono::NaiveDate;
use rocket::FromForm;
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use crate::api::declarations::caller::DeclarationCaller;
use crate::api::request::{self, Fields, no_problems, read_object, value};
use crate::db::Page;
use crate::domain::{
    Bsn, DeclarationStatus, HouseLetter, HouseNumber, HouseNumberAddition, KvkNumber, Postcode,
};
use crate::error::{ApiError, InvalidParam};
use crate::registry::filing::{
    AddressCorrections, AddressRef, Corrections, DeclarationDraft, DeclarationQuery, Submission,
    Worker, WorkerCorrections, date_problems,
};

/// The most declarations one batch may hold.
pub const MAX_BATCH: usize = 1_000;
/// Longest name or household label.
const MAX_NAME_CHARS: usize = 200;
/// Highest plausible monthly rent in euros.
const MAX_RENT_EUR: f64 = 100_000.0;

/// The worker as an agency declares them.
#[derive(Debug, Clone, PartialEq, Eq, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct WorkerInput {
    /// BSN (9 digits, 11-proef); leave out when the worker has none yet.
    #[schema(value_type = Option<String>, example = "123456782", pattern = "^[0-9]{9}$")]
    pub bsn: Option<String>,
    /// Family name.
    #[schema(example = "Nowak", min_length = 1, max_length = 200)]
    pub family_name: String,
    /// Given names.
    #[schema(example = "Jan", min_length = 1, max_length = 200)]
    pub given_names: String,
    /// Date of birth; the worker is at least 15 at the start date.
    pub date_of_birth: NaiveDate,
    /// Nationality, ISO 3166-1 alpha-2. Stored because the declaration
    /// carries it; never used by any rule, score or plan.
    #[schema(example = "PL", pattern = "^[A-Za-z]{2}$")]
    pub nationality: Option<String>,
}

/// An address in the registry, by postcode and house number.
#[derive(Debug, Clone, PartialEq, Eq, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct AddressRefInput {
    /// Postcode; `3131 ab` is accepted.
    #[schema(example = "3131AB", pattern = "^[1-9][0-9]{3} ?[A-Za-z]{2}$")]
    pub postcode: String,
    /// House number.
    #[schema(example = 12, minimum = 1, maximum = 99999)]
    pub house_number: u32,
    /// House letter.
    #[schema(pattern = "^[A-Za-z]$")]
    pub house_letter: Option<String>,
    /// House-number addition, up to 4 letters or digits.
    #[schema(pattern = "^[A-Za-z0-9]{1,4}$")]
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
    #[schema(example = "87654321", pattern = "^[0-9]{8}$")]
    pub landlord_kvk_number: String,
    /// Household label; the same label at one address is one household.
    #[schema(example = "nowak", min_length = 1, max_length = 200)]
    pub household: Option<String>,
    /// First day at the address, at most a year ahead.
    pub start_date: NaiveDate,
    /// Last day, when known; not before the start date.
    pub end_date: Option<NaiveDate>,
    /// Rent per month in euros, at most two decimals.
    #[schema(example = 450.0, minimum = 0.0, maximum = 100_000.0)]
    pub rent_per_month_eur: Option<f64>,
    /// Whether the rent is deducted from wages.
    pub rent_deducted_from_wages: bool,
    /// Whether the lease is separate from the work contract.
    pub separate_rental_contract: bool,
    /// Staff only, and then required: the agency filed for. Agencies are
    /// known by their token and may not send it.
    #[schema(example = "12345678", pattern = "^[0-9]{8}$", nullable = false)]
    pub agency_kvk_number: Option<String>,
}

/// Corrections to a declaration: any subset of its fields; nested objects
/// are corrected field by field; `null` clears an optional field.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DeclarationChanges {
    /// Corrections to the worker's details.
    #[schema(nullable = false)]
    pub worker: Option<WorkerInput>,
    /// A corrected address.
    #[schema(nullable = false)]
    pub address: Option<AddressRefInput>,
    /// A corrected landlord.
    #[schema(pattern = "^[0-9]{8}$", nullable = false)]
    pub landlord_kvk_number: Option<String>,
    /// Household label.
    #[schema(min_length = 1, max_length = 200)]
    pub household: Option<String>,
    /// First day.
    #[schema(nullable = false)]
    pub start_date: Option<NaiveDate>,
    /// Last day: setting it ends the declaration.
    pub end_date: Option<NaiveDate>,
    /// Rent per month in euros.
    #[schema(minimum = 0.0, maximum = 100_000.0)]
    pub rent_per_month_eur: Option<f64>,
    /// Rent deducted from wages.
    #[schema(nullable = false)]
    pub rent_deducted_from_wages: Option<bool>,
    /// Lease separate from the work contract.
    #[schema(nullable = false)]
    pub separate_rental_contract: Option<bool>,
}

/// Up to 1000 declarations in one call.
#[derive(Debug, Clone, PartialEq, ToSchema)]
pub struct DeclarationBatchInput {
    /// The declarations, each as for `POST /declarations` (see
    /// `DeclarationInput`). Each item is checked on its own: one that is
    /// not a valid declaration, or not an object at all, is reported in
    /// the results, not refused with the batch.
    #[schema(min_items = 1, max_items = 1000, value_type = Vec<serde_json::Value>)]
    pub declarations: Vec<DeclarationInput>,
}

fn name(value: &Value) -> Result<String, String> {
    value::text(MAX_NAME_CHARS)(value)
}

fn nationality(value: &Value) -> Result<String, String> {
    let text = value.as_str().ok_or("must be a string")?.trim();
    if text.len() == 2 && text.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(text.to_ascii_uppercase())
    } else {
        Err("must be an ISO 3166-1 alpha-2 country code, like PL".to_owned())
    }
}

fn house_number(value: &Value) -> Result<HouseNumber, String> {
    HouseNumber::parse(value::integer(value)?).map_err(|e| e.to_string())
}

fn rent_cents(value: &Value) -> Result<i64, String> {
    let euros = value::number(value)?;
    let cents = (euros * 100.0).round();
    if !(0.0..=MAX_RENT_EUR).contains(&euros) {
        Err(format!("must be from 0 to {MAX_RENT_EUR} euros"))
    } else if (euros * 100.0 - cents).abs() > 1e-6 {
        Err("must have at most two decimals".to_owned())
    } else {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "checked to be a whole number from 0 to 10^7"
        )]
        Ok(cents as i64)
    }
}

fn read_worker(f: &mut Fields<'_>) -> Option<Worker> {
    let bsn = f.optional("bsn", value::parsed(Bsn::parse));
    let family_name = f.required("familyName", name);
    let given_names = f.required("givenNames", name);
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
    let house_number = f.required("houseNumber", house_number);
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

/// Reads a declaration body for `caller` on day `today`: the draft and,
/// for staff, the agency filed for (`agencyKvkNumber`, which an agency may
/// not send). Date rules are checked even when other fields are wrong, so
/// that every problem is reported at once.
pub fn read_declaration(
    f: &mut Fields<'_>,
    today: NaiveDate,
    is_agency: bool,
) -> Option<(DeclarationDraft, Option<KvkNumber>)> {
    let worker = f.nested("worker", read_worker);
    let address = f.nested("address", read_address);
    let landlord_kvk_number = f.required("landlordKvkNumber", value::parsed(KvkNumber::parse));
    let household = f.optional("household", name);
    let start_date = f.required("startDate", value::date);
    let end_date = f.optional("endDate", value::date);
    let rent_per_month_cents = f.optional("rentPerMonthEur", rent_cents);
    let rent_deducted_from_wages = f.required("rentDeductedFromWages", value::boolean);
    let separate_rental_contract = f.required("separateRentalContract", value::boolean);
    let on_behalf_of = if is_agency {
        if f.has("agencyKvkNumber") {
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
        // The birth date as sent, even when another worker field is wrong.
        let born = f
            .raw("worker")
            .and_then(|w| w.get("dateOfBirth"))
            .and_then(|v| value::date(v).ok());
        for (field, reason) in date_problems(start, end_date, born, today) {
            f.reject(field, reason);
        }
    }
    if !is_agency && on_behalf_of.is_none() {
        return None;
    }
    let draft = DeclarationDraft {
        worker: worker?,
        address: address?,
        landlord_kvk_number: landlord_kvk_number?,
        household,
        start_date: start_date?,
        end_date,
        rent_per_month_cents,
        rent_deducted_from_wages: rent_deducted_from_wages?,
        separate_rental_contract: separate_rental_contract?,
    };
    Some((draft, on_behalf_of))
}

/// Reads one declaration body into a submission for `caller`.
pub fn parse_submission(
    caller: &DeclarationCaller,
    object: &Map<String, Value>,
    prefix: &str,
    today: NaiveDate,
) -> Result<Submission, ApiError> {
    let (draft, agency) = read_object(object, prefix, |f| {
        read_declaration(f, today, caller.is_agency())
    })
    .map_err(ApiError::invalid)?;
    caller.submission(draft, agency)
}

/// Reads a batch body: one submission or problem per item, in order.
pub fn parse_batch(
    caller: &DeclarationCaller,
    object: &Map<String, Value>,
    today: NaiveDate,
) -> Result<Vec<Result<Submission, ApiError>>, ApiError> {
    let items = read_object(object, "", |f| {
        f.required("declarations", |v| {
            let items = v.as_array().ok_or("must be an array")?;
            if items.is_empty() || items.len() > MAX_BATCH {
                return Err(format!("must hold 1 to {MAX_BATCH} declarations"));
            }
            Ok(items.clone())
        })
    })
    .map_err(ApiError::invalid)?;
    Ok(items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let prefix = format!("declarations[{index}]");
            match item {
                Value::Object(object) => parse_submission(caller, object, &prefix, today),
                _ => Err(ApiError::invalid_field(&prefix, "must be an object")),
            }
        })
        .collect())
}

#[expect(
    clippy::unnecessary_wraps,
    reason = "the shape `Fields::nested_changes` reads nested objects with"
)]
fn read_worker_corrections(f: &mut Fields<'_>) -> Option<WorkerCorrections> {
    Some(WorkerCorrections {
        bsn: f.change("bsn", value::parsed(Bsn::parse)),
        family_name: f.replacement("familyName", name),
        given_names: f.replacement("givenNames", name),
        date_of_birth: f.replacement("dateOfBirth", value::date),
        nationality: f.change("nationality", nationality),
    })
}

#[expect(
    clippy::unnecessary_wraps,
    reason = "the shape `Fields::nested_changes` reads nested objects with"
)]
fn read_address_corrections(f: &mut Fields<'_>) -> Option<AddressCorrections> {
    Some(AddressCorrections {
        postcode: f.replacement("postcode", value::parsed(Postcode::parse)),
        house_number: f.replacement("houseNumber", house_number),
        house_letter: f.change("houseLetter", value::parsed(HouseLetter::parse)),
        house_number_addition: f.change(
            "houseNumberAddition",
            value::parsed(HouseNumberAddition::parse),
        ),
    })
}

/// Reads a PATCH body into typed corrections.
pub fn read_corrections(f: &mut Fields<'_>) -> Option<Corrections> {
    Some(Corrections {
        worker: f
            .nested_changes("worker", read_worker_corrections)
            .unwrap_or_default(),
        address: f
            .nested_changes("address", read_address_corrections)
            .unwrap_or_default(),
        landlord_kvk_number: f.replacement("landlordKvkNumber", value::parsed(KvkNumber::parse)),
        household: f.change("household", name),
        start_date: f.replacement("startDate", value::date),
        end_date: f.change("endDate", value::date),
        rent_per_month_cents: f.change("rentPerMonthEur", rent_cents),
        rent_deducted_from_wages: f.replacement("rentDeductedFromWages", value::boolean),
        separate_rental_contract: f.replacement("separateRentalContract", value::boolean),
    })
}

/// Filters and paging of the declaration list, as query values.
#[derive(Debug, Clone, Default, FromForm, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeclarationParams {
    /// `accepted`, `amended`, `ended` or `withdrawn`.
    #[param(pattern = "^(accepted|amended|ended|withdrawn)$")]
    status: Option<String>,
    /// Staff: only this agency's. An agency always sees only its own.
    #[field(name = "agencyKvkNumber")]
    #[param(rename = "agencyKvkNumber", pattern = "^[0-9]{8}$")]
    agency_kvk_number: Option<String>,
    /// Only for this address.
    #[field(name = "addressId")]
    #[param(rename = "addressId", value_type = Option<i64>, minimum = 1)]
    address_id: Option<String>,
    /// Only those in force on this date.
    #[field(name = "activeOn")]
    #[param(rename = "activeOn", value_type = Option<NaiveDate>)]
    active_on: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[field(name = "pageSize")]
    #[param(rename = "pageSize", value_type = Option<i64>, minimum = 1, maximum = 500)]
    page_size: Option<String>,
}

fn status_filter(text: &str) -> Result<DeclarationStatus, &'static str> {
    DeclarationStatus::parse(text).ok_or("must be one of accepted, amended, ended, withdrawn")
}

impl DeclarationParams {
    /// The typed query and page, or every problem with the values.
    pub fn parse(&self) -> Result<(DeclarationQuery, Page), ApiError> {
        let mut problems: Vec<InvalidParam> = Vec::new();
        let page = request::page(
            self.page.as_deref(),
            self.page_size.as_deref(),
            &mut problems,
        );
        let query = DeclarationQuery {
            status: request::query_value(
                "status",
                self.status.as_deref(),
                status_filter,
                &mut problems,
            ),
            agency: request::query_value(
                "agencyKvkNumber",
                self.agency_kvk_number.as_deref(),
                KvkNumber::parse,
                &mut problems,
            ),
            address_id: request::query_value(
                "addressId",
                self.address_id.as_deref(),
                |s| {
                    s.parse::<i64>()
                        .ok()
                        .filter(|id| *id >= 1)
                        .ok_or("must be a whole number from 1")
                },
                &mut problems,
            ),
            active_on: request::query_value(
                "activeOn",
                self.active_on.as_deref(),
                crate::domain::parse_date,
                &mut problems,
            ),
        };
        no_problems(problems)?;
        Ok((query, page))
    }
}
