//! The facts of a declaration, written and changed together. One
//! declaration is several facts (the person, the employment by the agency,
//! the occupancy of the address, the landlord's provision of it); they are
//! written together in the caller's transaction, linked to the declaration,
//! and change with it.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::result::QueryResult;

use crate::db::DbConnection;
use crate::db::addresses::{self, Address};
use crate::db::declarations::{self, Declaration, DeclarationFields, Filing};
use crate::db::employments::{self, NewEmployment};
use crate::db::housing_provisions::{self, NewHousingProvision};
use crate::db::occupancies::{self, NewOccupancy};
use crate::db::organisations::{self, Organisation, OrganisationFields};
use crate::db::people::{self, PersonFields};
use crate::domain::{
    Bsn, DeclarationStatus, HouseLetter, HouseNumber, HouseNumberAddition, KvkNumber,
    OccupancySource, Postcode, ProvisionRole,
};
use crate::error::{ApiError, InvalidParam};
use crate::registry::filing::DeclarationRecord;

/// The worker a declaration is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worker {
    /// BSN, when the worker has one.
    pub bsn: Option<Bsn>,
    /// Family name.
    pub family_name: String,
    /// Given names.
    pub given_names: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// ISO 3166-1 alpha-2 code; stored, never used by any rule.
    pub nationality: Option<String>,
}

/// An address named by postcode and house number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressRef {
    /// Postcode.
    pub postcode: Postcode,
    /// House number.
    pub house_number: HouseNumber,
    /// House letter.
    pub house_letter: Option<HouseLetter>,
    /// Addition.
    pub house_number_addition: Option<HouseNumberAddition>,
}

impl AddressRef {
    /// The stored natural key of this address.
    pub fn key(&self) -> addresses::AddressKey {
        (
            self.postcode.as_str().to_owned(),
            i32::try_from(self.house_number.get()).unwrap_or(i32::MAX),
            self.house_letter.map(|l| l.to_string()).unwrap_or_default(),
            self.house_number_addition
                .as_ref()
                .map(|a| a.as_str().to_owned())
                .unwrap_or_default(),
        )
    }
}

/// A checked declaration, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclarationDraft {
    /// Who.
    pub worker: Worker,
    /// Where.
    pub address: AddressRef,
    /// Who lets the dwelling.
    pub landlord_kvk_number: KvkNumber,
    /// Household label.
    pub household: Option<String>,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: Option<NaiveDate>,
    /// Rent per month in cents.
    pub rent_per_month_cents: Option<i64>,
    /// Rent deducted from wages.
    pub rent_deducted_from_wages: bool,
    /// Lease separate from the work contract.
    pub separate_rental_contract: bool,
}

/// Why a declaration could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum FilingError {
    /// The address is not in the registry.
    #[error("the address is not registered")]
    UnknownAddress,
    /// Storage failed.
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

impl FilingError {
    /// The client's view of this error; `prefix` names the batch item.
    pub fn into_api_error(self, prefix: &str) -> ApiError {
        match self {
            Self::UnknownAddress => ApiError::invalid(vec![InvalidParam::new(
                if prefix.is_empty() {
                    "address".to_owned()
                } else {
                    format!("{prefix}.address")
                },
                "is not a registered address; look it up with GET /api/v1/addresses",
            )]),
            Self::Database(e) => ApiError::from(e),
        }
    }
}

impl DeclarationDraft {
    /// The draft a stored declaration was filed as, so that corrections
    /// can be applied to it and checked like a new filing.
    pub fn of_record(record: &DeclarationRecord) -> Result<Self, ApiError> {
        let stored = |what: &str, e: crate::domain::ValueError| {
            ApiError::internal(format!(
                "declaration {} has a stored {what} that does not parse: {e}",
                record.declaration.id
            ))
        };
        let (address, d) = (&record.address, &record.declaration);
        let house_number = HouseNumber::parse(i64::from(address.house_number))
            .map_err(|e| stored("house number", e))?;
        Ok(Self {
            worker: Worker {
                bsn: d.worker_bsn.clone(),
                family_name: d.worker_family_name.clone(),
                given_names: d.worker_given_names.clone(),
                date_of_birth: d.worker_date_of_birth,
                nationality: d.worker_nationality.clone(),
            },
            address: AddressRef {
                postcode: Postcode::parse(&address.postcode).map_err(|e| stored("postcode", e))?,
                house_number,
                house_letter: address
                    .letter()
                    .as_deref()
                    .map(HouseLetter::parse)
                    .transpose()
                    .map_err(|e| stored("house letter", e))?,
                house_number_addition: address
                    .addition()
                    .as_deref()
                    .map(HouseNumberAddition::parse)
                    .transpose()
                    .map_err(|e| stored("addition", e))?,
            },
            landlord_kvk_number: KvkNumber::parse(&record.landlord.kvk_number)
                .map_err(|e| stored("landlord KvK number", e))?,
            household: d.household.clone(),
            start_date: d.start_date,
            end_date: d.end_date,
            rent_per_month_cents: d.rent_per_month_cents,
            rent_deducted_from_wages: d.rent_deducted_from_wages,
            separate_rental_contract: d.separate_rental_contract,
        })
    }
}

impl crate::db::TransactionError for FilingError {
    fn is_transient(&self) -> bool {
        matches!(self, Self::Database(error) if crate::db::TransactionError::is_transient(error))
    }
}

/// The result of a filing.
#[derive(Debug, Clone, PartialEq)]
pub enum FilingOutcome {
    /// Stored now, at this address.
    Filed(Declaration, Box<Address>),
    /// The same retry key was used before: the first filing, unchanged.
    Replayed(Declaration),
}

impl FilingOutcome {
    /// The declaration, new or first.
    pub fn declaration(&self) -> &Declaration {
        match self {
            Self::Filed(declaration, _) | Self::Replayed(declaration) => declaration,
        }
    }
}

/// What the declarations filed in one transaction share: the organisations
/// already looked up, and the facts that follow from each declaration
/// (employment, occupancy, landlord link), written together by
/// [`FilingRound::write_facts`] in multi-row statements. A single filing is
/// a round of one.
#[derive(Debug, Default)]
pub struct FilingRound {
    agencies: HashMap<String, Organisation>,
    landlords: HashMap<String, Organisation>,
    employments: Vec<NewEmployment>,
    occupancies: Vec<NewOccupancy>,
    provisions: Vec<NewHousingProvision>,
}

impl FilingRound {
    /// The agency with this KvK number; registered on its first filing so
    /// that no filing is lost for want of paperwork.
    pub fn agency(
        &mut self,
        conn: &mut DbConnection,
        kvk: &KvkNumber,
    ) -> QueryResult<Organisation> {
        if let Some(known) = self.agencies.get(kvk.as_str()) {
            return Ok(known.clone());
        }
        let agency = match organisations::find_by_kvk(conn, kvk.as_str())? {
            Some(found) => found,
            None => organisations::insert(
                conn,
                &OrganisationFields {
                    kvk_number: kvk.as_str().to_owned(),
                    name: format!("Agency KvK {}", kvk.as_str()),
                    is_agency: true,
                    is_landlord: false,
                    parent_kvk_number: None,
                    is_certified: false,
                    contact_email: None,
                },
            )?,
        };
        self.agencies
            .insert(kvk.as_str().to_owned(), agency.clone());
        Ok(agency)
    }

    /// The landlord with this KvK number, marked as one (or registered).
    fn landlord(&mut self, conn: &mut DbConnection, kvk: &KvkNumber) -> QueryResult<Organisation> {
        if let Some(known) = self.landlords.get(kvk.as_str()) {
            return Ok(known.clone());
        }
        let landlord = match organisations::find_by_kvk(conn, kvk.as_str())? {
            Some(found) if found.is_landlord => found,
            Some(found) => {
                organisations::mark_landlord(conn, found.id)?;
                found
            }
            None => organisations::insert(
                conn,
                &OrganisationFields {
                    kvk_number: kvk.as_str().to_owned(),
                    name: format!("Landlord KvK {}", kvk.as_str()),
                    is_agency: false,
                    is_landlord: true,
                    parent_kvk_number: None,
                    is_certified: false,
                    contact_email: None,
                },
            )?,
        };
        self.landlords
            .insert(kvk.as_str().to_owned(), landlord.clone());
        Ok(landlord)
    }

    /// Adds the facts that follow from a declaration just filed.
    fn add_facts(&mut self, item: &FilingItem<'_>, declaration: &Declaration) {
        let (draft, person_id) = (item.draft, declaration.person_id);
        self.employments.push(NewEmployment {
            person_id,
            organisation_id: item.agency.id,
            start_date: draft.start_date,
            end_date: draft.end_date,
            declaration_id: Some(declaration.id),
        });
        self.occupancies.push(occupancy(
            draft,
            person_id,
            declaration.address_id,
            declaration.id,
        ));
        self.provisions.push(provision(
            draft,
            declaration.address_id,
            declaration.landlord_id,
            declaration.id,
        ));
    }

    /// Writes the facts of the declarations filed so far in this round.
    /// Call it before the transaction reads them (the re-evaluation).
    pub fn write_facts(&mut self, conn: &mut DbConnection) -> QueryResult<()> {
        employments::insert_many(conn, &std::mem::take(&mut self.employments))?;
        occupancies::insert_many(conn, &std::mem::take(&mut self.occupancies))?;
        housing_provisions::insert_many(conn, &std::mem::take(&mut self.provisions))?;
        Ok(())
    }
}

fn person_fields(worker: &Worker) -> PersonFields {
    PersonFields {
        bsn: worker.bsn.clone(),
        family_name: worker.family_name.clone(),
        given_names: worker.given_names.clone(),
        date_of_birth: worker.date_of_birth,
        nationality: worker.nationality.clone(),
    }
}

/// The registered address a draft names.
fn resolve_address(
    conn: &mut DbConnection,
    draft: &DeclarationDraft,
) -> Result<Address, FilingError> {
    addresses::find_by_key(conn, &draft.address.key())?.ok_or(FilingError::UnknownAddress)
}

/// One declaration to file with others: for which agency, under which
/// retry key, and what it says.
#[derive(Debug, Clone, Copy)]
pub struct FilingItem<'a> {
    /// The filing agency.
    pub agency: &'a Organisation,
    /// The agency's retry key for this declaration.
    pub idempotency_key: Option<&'a str>,
    /// The declaration.
    pub draft: &'a DeclarationDraft,
}

/// Files a declaration for `agency` in `round`: the person and the
/// declaration now, its other facts when the round writes them. With a
/// retry key the agency used before, the first filing is returned and
/// nothing is stored.
pub fn file(
    conn: &mut DbConnection,
    round: &mut FilingRound,
    agency: &Organisation,
    filed_by: &str,
    idempotency_key: Option<&str>,
    draft: &DeclarationDraft,
) -> Result<FilingOutcome, FilingError> {
    let item = FilingItem {
        agency,
        idempotency_key,
        draft,
    };
    file_all(conn, round, filed_by, &[item])?
        .pop()
        .unwrap_or(Err(FilingError::Database(diesel::result::Error::NotFound)))
}

/// Files declarations in `round`, as [`file()`] files each in turn, with a
/// few statements for all of them: their retry keys, addresses and
/// workers are looked up together, the new people and the declarations
/// are inserted in multi-row statements. One result per item, in order:
/// the filing, or why that item could not be filed (it stored nothing).
/// A database fault fails them all.
pub fn file_all(
    conn: &mut DbConnection,
    round: &mut FilingRound,
    filed_by: &str,
    items: &[FilingItem<'_>],
) -> Result<Vec<Result<FilingOutcome, FilingError>>, FilingError> {
    let replays = first_filings(conn, items)?;
    let mut keys: Vec<addresses::AddressKey> = items
        .iter()
        .filter(|item| replay_of(&replays, item).is_none())
        .map(|item| item.draft.address.key())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let places = addresses::find_by_keys(conn, &keys)?;
    let address_of = |item: &FilingItem<'_>| places.get(&item.draft.address.key());
    let filed: Vec<&FilingItem<'_>> = items
        .iter()
        .filter(|item| replay_of(&replays, item).is_none() && address_of(item).is_some())
        .collect();
    let workers: Vec<PersonFields> = filed
        .iter()
        .map(|item| person_fields(&item.draft.worker))
        .collect();
    let mut people = people::PeopleMatch::load(conn, &workers)?;
    let mut landlords = Vec::with_capacity(filed.len());
    let mut slots = Vec::with_capacity(filed.len());
    for (item, worker) in filed.iter().zip(&workers) {
        landlords.push(round.landlord(conn, &item.draft.landlord_kvk_number)?);
        slots.push(people.find_or_add(worker));
    }
    let person_ids = people.write(conn)?;
    let mut rows = Vec::with_capacity(filed.len());
    for ((item, landlord), slot) in filed.iter().zip(&landlords).zip(&slots) {
        let (Some(address), Some(person_id)) = (address_of(item), person_ids.get(slot.0)) else {
            return Err(FilingError::Database(diesel::result::Error::NotFound));
        };
        let filing = Filing {
            agency_id: item.agency.id,
            idempotency_key: item.idempotency_key.map(str::to_owned),
            filed_by: filed_by.to_owned(),
        };
        let fields = fields(
            item.draft,
            *person_id,
            address.id,
            landlord.id,
            DeclarationStatus::Accepted,
        );
        rows.push((filing, fields));
    }
    let mut stored = declarations::insert_many(conn, &rows)?.into_iter();
    let mut outcomes = Vec::with_capacity(items.len());
    for item in items {
        if let Some(first) = replay_of(&replays, item) {
            outcomes.push(Ok(FilingOutcome::Replayed(first.clone())));
            continue;
        }
        let Some(address) = address_of(item) else {
            outcomes.push(Err(FilingError::UnknownAddress));
            continue;
        };
        let Some(declaration) = stored.next() else {
            return Err(FilingError::Database(diesel::result::Error::NotFound));
        };
        round.add_facts(item, &declaration);
        outcomes.push(Ok(FilingOutcome::Filed(
            declaration,
            Box::new(address.clone()),
        )));
    }
    Ok(outcomes)
}

/// The declarations filed before under the retry keys of `items`, by
/// agency and key.
fn first_filings(
    conn: &mut DbConnection,
    items: &[FilingItem<'_>],
) -> QueryResult<HashMap<(i64, String), Declaration>> {
    let mut keys_of: HashMap<i64, Vec<&str>> = HashMap::new();
    for item in items {
        if let Some(key) = item.idempotency_key {
            keys_of.entry(item.agency.id).or_default().push(key);
        }
    }
    let mut first = HashMap::new();
    for (agency_id, keys) in keys_of {
        for declaration in declarations::find_by_idempotency_keys(conn, agency_id, &keys)? {
            if let Some(key) = declaration.idempotency_key.clone() {
                first.insert((agency_id, key), declaration);
            }
        }
    }
    Ok(first)
}

fn replay_of<'a>(
    replays: &'a HashMap<(i64, String), Declaration>,
    item: &FilingItem<'_>,
) -> Option<&'a Declaration> {
    let key = item.idempotency_key?;
    replays.get(&(item.agency.id, key.to_owned()))
}

fn fields(
    draft: &DeclarationDraft,
    person_id: i64,
    address_id: i64,
    landlord_id: i64,
    status: DeclarationStatus,
) -> DeclarationFields {
    DeclarationFields {
        person_id,
        address_id,
        landlord_id,
        household: draft.household.clone(),
        start_date: draft.start_date,
        end_date: draft.end_date,
        rent_per_month_cents: draft.rent_per_month_cents,
        rent_deducted_from_wages: draft.rent_deducted_from_wages,
        separate_rental_contract: draft.separate_rental_contract,
        status,
        worker_bsn: draft.worker.bsn.clone(),
        worker_family_name: draft.worker.family_name.clone(),
        worker_given_names: draft.worker.given_names.clone(),
        worker_date_of_birth: draft.worker.date_of_birth,
        worker_nationality: draft.worker.nationality.clone(),
    }
}

fn occupancy(
    draft: &DeclarationDraft,
    person_id: i64,
    address_id: i64,
    declaration_id: i64,
) -> NewOccupancy {
    NewOccupancy {
        person_id,
        address_id,
        start_date: draft.start_date,
        end_date: draft.end_date,
        household: draft.household.clone(),
        source: OccupancySource::Declaration,
        declaration_id: Some(declaration_id),
    }
}

fn provision(
    draft: &DeclarationDraft,
    address_id: i64,
    landlord_id: i64,
    declaration_id: i64,
) -> NewHousingProvision {
    NewHousingProvision {
        address_id,
        organisation_id: landlord_id,
        role: ProvisionRole::Lessor,
        start_date: draft.start_date,
        end_date: draft.end_date,
        declaration_id: Some(declaration_id),
    }
}

/// The person a corrected worker is, by the registry's rules: the person
/// linked so far, corrected in place, when nothing else names them (and
/// the corrected BSN is nobody else's); otherwise the person the
/// corrected identity matches, found or new. A person that another agency
/// or the BRP also names is never changed by one agency's correction.
fn person_for_correction(
    conn: &mut DbConnection,
    stored: &Declaration,
    worker: &PersonFields,
) -> QueryResult<i64> {
    let is_only_this_declarations = !people::is_named_elsewhere(conn, stored.person_id, stored.id)?;
    let bsn_holder = match &worker.bsn {
        Some(bsn) => people::find_by_bsn(conn, bsn)?,
        None => None,
    };
    match bsn_holder {
        Some(holder) if holder.id != stored.person_id => Ok(holder.id),
        _ if is_only_this_declarations => {
            people::update(conn, stored.person_id, worker)?;
            Ok(stored.person_id)
        }
        _ => people::find_or_insert(conn, worker),
    }
}

/// Replaces a declaration with a corrected draft: the declaration, the
/// worker's details, and the linked employment, occupancy and provision.
/// Setting or changing the end date ends it; anything else amends it.
pub(super) fn amend(
    conn: &mut DbConnection,
    stored: &Declaration,
    draft: &DeclarationDraft,
) -> Result<Declaration, FilingError> {
    let address = resolve_address(conn, draft)?;
    let landlord = FilingRound::default().landlord(conn, &draft.landlord_kvk_number)?;
    let person_id = person_for_correction(conn, stored, &person_fields(&draft.worker))?;
    let status = if draft.end_date.is_some() && draft.end_date != stored.end_date {
        DeclarationStatus::Ended
    } else {
        DeclarationStatus::Amended
    };
    let declaration = declarations::update(
        conn,
        stored.id,
        &fields(draft, person_id, address.id, landlord.id, status),
    )?;
    employments::update_for_declaration(
        conn,
        stored.id,
        person_id,
        draft.start_date,
        draft.end_date,
    )?;
    occupancies::update_for_declaration(
        conn,
        stored.id,
        &occupancy(draft, person_id, address.id, stored.id),
    )?;
    housing_provisions::update_for_declaration(
        conn,
        stored.id,
        &provision(draft, address.id, landlord.id, stored.id),
    )?;
    Ok(declaration)
}

/// Withdraws a declaration: it was filed in error, so the facts it
/// recorded are removed; the declaration itself stays, marked withdrawn.
pub(super) fn withdraw(conn: &mut DbConnection, stored: &Declaration) -> QueryResult<Declaration> {
    occupancies::delete_for_declaration(conn, stored.id)?;
    employments::delete_for_declaration(conn, stored.id)?;
    housing_provisions::delete_for_declaration(conn, stored.id)?;
    declarations::set_status(conn, stored.id, DeclarationStatus::Withdrawn)
}
