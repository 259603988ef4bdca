//! What the declaration endpoints answer.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Bsn;
use crate::error::{ApiError, Problem};
use crate::registry::filing::{DeclarationRecord, Visibility};

/// The worker of a stored declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkerView {
    /// The registry's person this worker was matched to (staff and admins
    /// only: an agency's declaration is its own statement). People are
    /// named by id, never by BSN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<i64>,
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

impl DeclarationView {
    /// The view of a declaration for a caller with this visibility: the
    /// worker exactly as declared, and for the municipality also the
    /// person the registry matched them to.
    pub fn of(record: &DeclarationRecord, visibility: &Visibility) -> Self {
        let DeclarationRecord {
            declaration: d,
            person,
            address,
            agency,
            landlord,
        } = record;
        let person_id = match visibility {
            Visibility::OwnAgency(_) => None,
            Visibility::Municipality => Some(person.id),
        };
        Self {
            id: d.id,
            status: d.status.to_string(),
            agency_kvk_number: agency.kvk_number.clone(),
            worker: WorkerView {
                person_id,
                bsn_masked: d.worker_bsn.as_ref().map(Bsn::masked),
                family_name: d.worker_family_name.clone(),
                given_names: d.worker_given_names.clone(),
                date_of_birth: d.worker_date_of_birth,
                nationality: d.worker_nationality.clone(),
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

impl BatchResults {
    /// The results of a filed batch, item by item.
    pub fn of<T>(filed: &[Result<T, ApiError>], id: impl Fn(&T) -> i64) -> Self {
        let results = filed
            .iter()
            .enumerate()
            .map(|(index, outcome)| match outcome {
                Ok(declaration) => BatchItemResult {
                    index,
                    status: 201,
                    id: Some(id(declaration)),
                    problem: None,
                },
                Err(error) => BatchItemResult {
                    index,
                    status: error.status().code,
                    id: None,
                    problem: Some(error.to_problem()),
                },
            })
            .collect();
        Self { results }
    }
}
