//! Agencies' housing declarations: filing one or a batch, reading, listing,
//! correcting, ending and withdrawing them. Each use case writes the facts,
//! records the audit event, re-evaluates the addresses it touches and
//! queues the agency's receipt.

mod corrections;
mod facts;
mod receipt;

use std::collections::HashMap;

use chrono::{Days, Months, NaiveDate};

pub use corrections::{AddressCorrections, Corrections, WorkerCorrections};
pub use facts::{
    AddressRef, DeclarationDraft, FilingError, FilingItem, FilingOutcome, FilingRound, Worker,
    file, file_all,
};
pub use receipt::queue_receipt;

use crate::db::addresses::{self, Address};
use crate::db::declarations::{self, Declaration, DeclarationFilter};
use crate::db::organisations::{self, Organisation};
use crate::db::people::{self, Person};
use crate::db::{DbConnection, Page};
use crate::domain::rules::RuleSet;
use crate::domain::{AuditAction, DeclarationStatus, KvkNumber};
use crate::error::{ApiError, InvalidParam};
use crate::registry::{Actor, evaluation};

/// The processing purpose when an agency files or manages its declarations.
pub const PURPOSE_FILING: &str = "housing declaration by the employer (Wet goed verhuurderschap)";
/// The processing purpose when officials read declarations.
pub const PURPOSE_SUPERVISION: &str = "supervision of housing of labour migrants";
/// How far ahead a start date may lie.
const MAX_DAYS_AHEAD: u64 = 366;
/// The youngest a declared worker may be at the start date.
const MIN_WORKER_AGE_YEARS: u32 = 15;
/// The oldest plausible worker.
const MAX_WORKER_AGE_YEARS: u32 = 100;

/// Whose declarations a caller works with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// An agency: its own declarations only; others' do not exist for it.
    OwnAgency(KvkNumber),
    /// Staff and admins: every agency's.
    Municipality,
}

impl Visibility {
    /// The processing purpose of reading declarations with this visibility.
    fn purpose(&self) -> &'static str {
        match self {
            Self::OwnAgency(_) => PURPOSE_FILING,
            Self::Municipality => PURPOSE_SUPERVISION,
        }
    }
}

/// One declaration to file: for which agency, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The agency the declaration is filed for.
    pub agency: KvkNumber,
    /// The checked declaration.
    pub draft: DeclarationDraft,
}

/// A stored declaration with the records its view names.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclarationRecord {
    /// The declaration.
    pub declaration: Declaration,
    /// The worker.
    pub person: Person,
    /// The address.
    pub address: Address,
    /// The filing agency.
    pub agency: Organisation,
    /// Who lets the dwelling.
    pub landlord: Organisation,
}

/// The problems of a declaration's dates, as `(field, reason)`: the start
/// at most a year ahead, the end not before the start, and a worker of
/// working age. Checked on new filings and on corrections alike.
pub fn date_problems(
    start: NaiveDate,
    end: Option<NaiveDate>,
    born: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    if today
        .checked_add_days(Days::new(MAX_DAYS_AHEAD))
        .is_some_and(|latest| start > latest)
    {
        problems.push(("startDate", "must not be more than a year ahead".to_owned()));
    }
    if end.is_some_and(|end| end < start) {
        problems.push(("endDate", "must not be before startDate".to_owned()));
    }
    if let Some(born) = born {
        if born > years_before(start, MIN_WORKER_AGE_YEARS) {
            problems.push((
                "worker.dateOfBirth",
                format!("must be at least {MIN_WORKER_AGE_YEARS} years before startDate"),
            ));
        } else if born < years_before(today, MAX_WORKER_AGE_YEARS) {
            problems.push((
                "worker.dateOfBirth",
                "must be a plausible date of birth".to_owned(),
            ));
        }
    }
    problems
}

fn years_before(day: NaiveDate, years: u32) -> NaiveDate {
    day.checked_sub_months(Months::new(years * 12))
        .unwrap_or(NaiveDate::MIN)
}

/// Files one declaration in the caller's transaction: the facts, the audit
/// event, the address's signals and the receipt. A retry key the agency
/// used before gives back the first filing and stores nothing.
pub fn file_declaration(
    conn: &mut DbConnection,
    rules: &RuleSet,
    actor: &Actor,
    submission: &Submission,
    idempotency_key: Option<&str>,
) -> Result<Declaration, ApiError> {
    let mut round = FilingRound::default();
    let (outcome, agency) = file_one(
        conn,
        &mut round,
        submission,
        &actor.subject,
        idempotency_key,
        "",
    )?;
    round.write_facts(conn)?;
    actor.record(
        conn,
        audit_action(&outcome),
        audit_resource(&outcome),
        PURPOSE_FILING,
    )?;
    if let FilingOutcome::Filed(declaration, address) = &outcome {
        evaluation::reevaluate_addresses(conn, rules, &[address.id])?;
        queue_receipt(conn, &agency, &[(declaration.clone(), (**address).clone())])?;
    }
    Ok(outcome.declaration().clone())
}

/// Files a declaration in `round`; the caller writes the round's facts,
/// records the filing, re-evaluates and queues the receipt (once for a
/// whole batch).
fn file_one(
    conn: &mut DbConnection,
    round: &mut FilingRound,
    submission: &Submission,
    filed_by: &str,
    idempotency_key: Option<&str>,
    prefix: &str,
) -> Result<(FilingOutcome, Organisation), ApiError> {
    let agency = round.agency(conn, &submission.agency)?;
    let outcome = file(
        conn,
        round,
        &agency,
        filed_by,
        idempotency_key,
        &submission.draft,
    )
    .map_err(|e| e.into_api_error(prefix))?;
    Ok((outcome, agency))
}

/// What the audit trail says a filing did: filed anew, or replayed.
fn audit_action(outcome: &FilingOutcome) -> AuditAction {
    match outcome {
        FilingOutcome::Filed(..) => AuditAction::DeclarationCreate,
        FilingOutcome::Replayed(_) => AuditAction::DeclarationReplay,
    }
}

fn audit_resource(outcome: &FilingOutcome) -> String {
    format!("declarations/{}", outcome.declaration().id)
}

/// How many items of a batch one transaction files: small enough that a
/// batch never holds the write lock for long, so single filings are
/// answered between its parts.
pub const BATCH_PART: usize = 100;

/// A declaration a batch filed now (not a replay), for its receipt.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchFiling {
    /// The filing agency.
    pub agency: Organisation,
    /// The declaration.
    pub declaration: Declaration,
    /// Its address.
    pub address: Address,
}

/// What filing part of a batch gave: per item the declaration or its
/// problem, and the new filings to acknowledge.
#[derive(Debug, Clone, Default)]
pub struct BatchPart {
    /// One result per item, in order.
    pub results: Vec<Result<Declaration, ApiError>>,
    /// The declarations filed now.
    pub filed: Vec<BatchFiling>,
}

/// Files the valid items of part of a batch in the caller's transaction
/// and re-evaluates their addresses; invalid items keep their problem.
/// Each item is all or nothing; a database fault aborts the part. Item `i`
/// of the batch is `items[i - first_index]`; with a retry key it is filed
/// under `key#i`, so a retried batch files nothing twice.
pub fn file_batch_part(
    conn: &mut DbConnection,
    rules: &RuleSet,
    actor: &Actor,
    first_index: usize,
    items: &[Result<Submission, ApiError>],
    idempotency_key: Option<&str>,
) -> Result<BatchPart, ApiError> {
    let mut round = FilingRound::default();
    let keys: Vec<Option<String>> = (first_index..first_index + items.len())
        .map(|index| idempotency_key.map(|k| format!("{k}#{index}")))
        .collect();
    let mut agencies = Vec::new();
    for submission in items.iter().flatten() {
        agencies.push(round.agency(conn, &submission.agency)?);
    }
    let valid: Vec<FilingItem<'_>> = items
        .iter()
        .zip(&keys)
        .filter_map(|(item, key)| Some((item.as_ref().ok()?, key)))
        .zip(&agencies)
        .map(|((submission, key), agency)| FilingItem {
            agency,
            idempotency_key: key.as_deref(),
            draft: &submission.draft,
        })
        .collect();
    let mut filed = facts::file_all(conn, &mut round, &actor.subject, &valid)
        .map_err(|e| e.into_api_error(""))?
        .into_iter()
        .zip(&agencies);
    let mut part = BatchPart::default();
    let mut trail = Vec::new();
    for (offset, item) in items.iter().enumerate() {
        let outcome = match item {
            Err(problem) => Err(problem.clone()),
            Ok(_) => match filed.next() {
                Some((Ok(outcome), agency)) => Ok((outcome, agency)),
                Some((Err(problem), _)) => {
                    let prefix = format!("declarations[{}]", first_index + offset);
                    Err(problem.into_api_error(&prefix))
                }
                None => return Err(ApiError::internal("a batch item was not filed")),
            },
        };
        match outcome {
            Ok((outcome, agency)) => {
                trail.push((audit_action(&outcome), audit_resource(&outcome)));
                if let FilingOutcome::Filed(declaration, address) = &outcome {
                    part.filed.push(BatchFiling {
                        agency: agency.clone(),
                        declaration: declaration.clone(),
                        address: (**address).clone(),
                    });
                }
                part.results.push(Ok(outcome.declaration().clone()));
            }
            Err(fault @ ApiError::Internal(_)) => return Err(fault),
            Err(problem) => part.results.push(Err(problem)),
        }
    }
    round.write_facts(conn)?;
    actor.record_many(conn, trail, PURPOSE_FILING)?;
    let touched: Vec<i64> = part.filed.iter().map(|f| f.address.id).collect();
    evaluation::reevaluate_addresses(conn, rules, &touched)?;
    Ok(part)
}

/// Queues one receipt per agency for the declarations a batch filed.
pub fn queue_batch_receipts(
    conn: &mut DbConnection,
    filed: &[BatchFiling],
) -> Result<(), ApiError> {
    let mut agencies: Vec<i64> = filed.iter().map(|f| f.agency.id).collect();
    agencies.sort_unstable();
    agencies.dedup();
    for agency_id in agencies {
        let of_agency: Vec<&BatchFiling> =
            filed.iter().filter(|f| f.agency.id == agency_id).collect();
        let declarations: Vec<(Declaration, Address)> = of_agency
            .iter()
            .map(|f| (f.declaration.clone(), f.address.clone()))
            .collect();
        queue_receipt(conn, &of_agency[0].agency, &declarations)?;
    }
    Ok(())
}

/// Reads one declaration the caller may see, and records the read.
pub fn read_declaration(
    conn: &mut DbConnection,
    actor: &Actor,
    visibility: &Visibility,
    id: i64,
) -> Result<DeclarationRecord, ApiError> {
    let declaration = visible(conn, visibility, id)?;
    actor.record(
        conn,
        AuditAction::DeclarationRead,
        format!("declarations/{id}"),
        visibility.purpose(),
    )?;
    record_of(conn, declaration)
}

/// What a caller asks of the declaration list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeclarationQuery {
    /// Only this agency's (an agency's own list is its own whatever it names).
    pub agency: Option<KvkNumber>,
    /// Only with this status.
    pub status: Option<DeclarationStatus>,
    /// Only at this address.
    pub address_id: Option<i64>,
    /// Only those in force on this day.
    pub active_on: Option<NaiveDate>,
}

/// One page of the declarations the caller may see, newest first, with
/// the total; the read is recorded.
pub fn list_declarations(
    conn: &mut DbConnection,
    actor: &Actor,
    visibility: &Visibility,
    query: &DeclarationQuery,
    page: Page,
) -> Result<(Vec<DeclarationRecord>, i64), ApiError> {
    let agency = match (visibility, &query.agency) {
        (Visibility::OwnAgency(own), Some(asked)) if asked != own => return Ok((Vec::new(), 0)),
        (Visibility::OwnAgency(own), _) => Some(own),
        (Visibility::Municipality, asked) => asked.as_ref(),
    };
    let agency_id = match agency {
        None => None,
        Some(kvk) => match organisations::find_by_kvk(conn, kvk.as_str())? {
            Some(agency) => Some(agency.id),
            None => return Ok((Vec::new(), 0)),
        },
    };
    let filter = DeclarationFilter {
        agency_id,
        status: query.status,
        address_id: query.address_id,
        active_on: query.active_on,
    };
    let (rows, total) = declarations::list(conn, &filter, page)?;
    actor.record(
        conn,
        AuditAction::DeclarationList,
        "declarations".to_owned(),
        visibility.purpose(),
    )?;
    Ok((records(conn, rows)?, total))
}

/// Corrects or ends a declaration (a new end date ends it) in the caller's
/// transaction; the signals of its old and new address follow. The
/// corrections come with the problems found in reading them: with the
/// date rules checked on the corrected declaration, all are reported at
/// once and nothing changes.
pub fn correct_declaration(
    conn: &mut DbConnection,
    rules: &RuleSet,
    actor: &Actor,
    visibility: &Visibility,
    id: i64,
    (corrections, mut problems): (Option<Corrections>, Vec<InvalidParam>),
    today: NaiveDate,
) -> Result<DeclarationRecord, ApiError> {
    let stored = visible(conn, visibility, id)?;
    if stored.status == DeclarationStatus::Withdrawn {
        return Err(ApiError::conflict(
            "A withdrawn declaration cannot be changed.",
        ));
    }
    let current = record_of(conn, stored.clone())?;
    let draft = corrections
        .unwrap_or_default()
        .apply(DeclarationDraft::of_record(&current)?);
    let born = Some(draft.worker.date_of_birth);
    for (field, reason) in date_problems(draft.start_date, draft.end_date, born, today) {
        problems.push(InvalidParam::new(field, reason));
    }
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems));
    }
    let amended = facts::amend(conn, &stored, &draft).map_err(|e| e.into_api_error(""))?;
    evaluation::reevaluate_addresses(conn, rules, &[stored.address_id, amended.address_id])?;
    actor.record(
        conn,
        AuditAction::DeclarationUpdate,
        format!("declarations/{id}"),
        PURPOSE_FILING,
    )?;
    record_of(conn, amended)
}

/// Withdraws a declaration filed in error, in the caller's transaction: its
/// facts no longer count. Withdrawing it again changes nothing.
pub fn withdraw_declaration(
    conn: &mut DbConnection,
    rules: &RuleSet,
    actor: &Actor,
    visibility: &Visibility,
    id: i64,
) -> Result<(), ApiError> {
    let stored = visible(conn, visibility, id)?;
    if stored.status != DeclarationStatus::Withdrawn {
        facts::withdraw(conn, &stored)?;
        evaluation::reevaluate_addresses(conn, rules, &[stored.address_id])?;
        actor.record(
            conn,
            AuditAction::DeclarationWithdraw,
            format!("declarations/{id}"),
            PURPOSE_FILING,
        )?;
    }
    Ok(())
}

/// The declaration with this id, if the caller may see it: another
/// agency's declaration does not exist for an agency.
fn visible(
    conn: &mut DbConnection,
    visibility: &Visibility,
    id: i64,
) -> Result<Declaration, ApiError> {
    let not_found = || ApiError::not_found("declaration", id);
    let declaration = declarations::find(conn, id)?.ok_or_else(not_found)?;
    if let Visibility::OwnAgency(own) = visibility {
        let agency = organisations::find(conn, declaration.agency_id)?;
        if agency.is_none_or(|a| a.kvk_number != own.as_str()) {
            return Err(not_found());
        }
    }
    Ok(declaration)
}

/// The record of one declaration, for its view.
pub fn record_of(
    conn: &mut DbConnection,
    declaration: Declaration,
) -> Result<DeclarationRecord, ApiError> {
    let id = declaration.id;
    records(conn, vec![declaration])?
        .pop()
        .ok_or_else(|| ApiError::internal(format!("no record of declaration {id}")))
}

/// The records of declarations, with three queries however many.
pub fn records(
    conn: &mut DbConnection,
    rows: Vec<Declaration>,
) -> Result<Vec<DeclarationRecord>, ApiError> {
    let person_ids: Vec<i64> = rows.iter().map(|d| d.person_id).collect();
    let address_ids: Vec<i64> = rows.iter().map(|d| d.address_id).collect();
    let organisation_ids: Vec<i64> = rows
        .iter()
        .flat_map(|d| [d.agency_id, d.landlord_id])
        .collect();
    let people = by_id(people::by_ids(conn, &person_ids)?, |p| p.id);
    let addresses = by_id(addresses::by_ids(conn, &address_ids)?, |a| a.id);
    let organisations = by_id(organisations::by_ids(conn, &organisation_ids)?, |o| o.id);
    rows.into_iter()
        .map(|declaration| {
            let (Some(person), Some(address), Some(agency), Some(landlord)) = (
                people.get(&declaration.person_id),
                addresses.get(&declaration.address_id),
                organisations.get(&declaration.agency_id),
                organisations.get(&declaration.landlord_id),
            ) else {
                return Err(ApiError::internal(format!(
                    "declaration {} lost a referent",
                    declaration.id
                )));
            };
            Ok(DeclarationRecord {
                person: person.clone(),
                address: address.clone(),
                agency: agency.clone(),
                landlord: landlord.clone(),
                declaration,
            })
        })
        .collect()
}

fn by_id<T>(rows: Vec<T>, id: impl Fn(&T) -> i64) -> HashMap<i64, T> {
    rows.into_iter().map(|row| (id(&row), row)).collect()
}
