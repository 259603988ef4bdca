//! Corrections to a stored declaration, as typed changes: each field is
//! kept, replaced or (where optional) cleared, and the result is checked
//! like a new filing.

use chrono::NaiveDate;

use crate::domain::{Bsn, HouseLetter, HouseNumber, HouseNumberAddition, KvkNumber, Postcode};
use crate::registry::Change;
use crate::registry::filing::DeclarationDraft;

/// Corrections to the worker's details.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkerCorrections {
    /// BSN.
    pub bsn: Change<Bsn>,
    /// Family name.
    pub family_name: Option<String>,
    /// Given names.
    pub given_names: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Nationality.
    pub nationality: Change<String>,
}

/// Corrections to the address a declaration names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddressCorrections {
    /// Postcode.
    pub postcode: Option<Postcode>,
    /// House number.
    pub house_number: Option<HouseNumber>,
    /// House letter.
    pub house_letter: Change<HouseLetter>,
    /// Addition.
    pub house_number_addition: Change<HouseNumberAddition>,
}

/// Corrections to a declaration; `None` and [`Change::Keep`] keep a field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Corrections {
    /// The worker.
    pub worker: WorkerCorrections,
    /// The address.
    pub address: AddressCorrections,
    /// The landlord.
    pub landlord_kvk_number: Option<KvkNumber>,
    /// Household label.
    pub household: Change<String>,
    /// First day.
    pub start_date: Option<NaiveDate>,
    /// Last day; setting it ends the declaration.
    pub end_date: Change<NaiveDate>,
    /// Rent per month in cents.
    pub rent_per_month_cents: Change<i64>,
    /// Rent deducted from wages.
    pub rent_deducted_from_wages: Option<bool>,
    /// Lease separate from the work contract.
    pub separate_rental_contract: Option<bool>,
}

impl Corrections {
    /// The draft with these corrections applied.
    pub fn apply(self, draft: DeclarationDraft) -> DeclarationDraft {
        let (worker, address) = (self.worker, self.address);
        DeclarationDraft {
            worker: crate::registry::filing::Worker {
                bsn: worker.bsn.apply(draft.worker.bsn),
                family_name: worker.family_name.unwrap_or(draft.worker.family_name),
                given_names: worker.given_names.unwrap_or(draft.worker.given_names),
                date_of_birth: worker.date_of_birth.unwrap_or(draft.worker.date_of_birth),
                nationality: worker.nationality.apply(draft.worker.nationality),
            },
            address: crate::registry::filing::AddressRef {
                postcode: address.postcode.unwrap_or(draft.address.postcode),
                house_number: address.house_number.unwrap_or(draft.address.house_number),
                house_letter: address.house_letter.apply(draft.address.house_letter),
                house_number_addition: address
                    .house_number_addition
                    .apply(draft.address.house_number_addition),
            },
            landlord_kvk_number: self
                .landlord_kvk_number
                .unwrap_or(draft.landlord_kvk_number),
            household: self.household.apply(draft.household),
            start_date: self.start_date.unwrap_or(draft.start_date),
            end_date: self.end_date.apply(draft.end_date),
            rent_per_month_cents: self.rent_per_month_cents.apply(draft.rent_per_month_cents),
            rent_deducted_from_wages: self
                .rent_deducted_from_wages
                .unwrap_or(draft.rent_deducted_from_wages),
            separate_rental_contract: self
                .separate_rental_contract
                .unwrap_or(draft.separate_rental_contract),
        }
    }
}
