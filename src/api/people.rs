//! `/people`: the people the registry holds, for staff, and everything
//! held on one person for a subject-access request (admins). Every read is
//! audit-logged; people are named by id, never by BSN.

use chrono::{DateTime, NaiveDate, Utc};
use rocket::serde::json::Json;
use rocket::{Route, get, routes};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::context::RequestContext;
use crate::api::{Db, audit_events::AuditEventView};
use crate::auth::{Admin, Staff};
use crate::db::audit_events::{self, AuditFilter};
use crate::db::people::Person;
use crate::db::{DbConnection, Page, declarations, employments, occupancies};
use crate::domain::AuditAction;
use crate::error::ApiError;
use crate::registry::people;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    routes![get_person, export_person]
}

/// The processing purpose when staff read a person.
const PURPOSE_ADMINISTRATION: &str = "keeping the housing-occupancy registry";
/// The processing purpose of a subject-access export.
const PURPOSE_SUBJECT_ACCESS: &str = "subject access request (AVG art. 15)";

/// A person as staff see them: the BSN masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonView {
    /// Id.
    pub id: i64,
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
    /// When first recorded.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Person> for PersonView {
    fn from(p: &Person) -> Self {
        Self {
            id: p.id,
            bsn_masked: p.masked_bsn(),
            family_name: p.family_name.clone(),
            given_names: p.given_names.clone(),
            date_of_birth: p.date_of_birth,
            nationality: p.nationality.clone(),
            created_at: p.created_at.and_utc(),
            updated_at: p.updated_at.and_utc(),
        }
    }
}

/// Reads one person.
#[utoipa::path(
    get, path = "/people/{id}", tag = "people", operation_id = "getPerson",
    params(
        ("id" = i64, Path, description = "Person id"),
        ("X-Purpose" = Option<String>, Header, description = "Processing purpose for the audit log: one line of plain text", max_length = 200),
    ),
    responses((status = 200, description = "The person", body = PersonView))
)]
#[get("/people/<id>")]
pub async fn get_person(
    staff: Staff,
    context: RequestContext,
    db: Db,
    id: i64,
) -> Result<Json<PersonView>, ApiError> {
    let person = db
        .audited_read(context.actor(&staff.0), move |conn, actor| {
            people::read_person(
                conn,
                actor,
                id,
                AuditAction::PersonRead,
                PURPOSE_ADMINISTRATION,
            )
        })
        .await?;
    Ok(Json(PersonView::from(&person)))
}

/// A fact with its dates, as exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportedPeriod {
    /// Row id.
    pub id: i64,
    /// The address (occupancies) or employer organisation (employments).
    pub subject_id: i64,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: Option<NaiveDate>,
    /// The declaration that recorded it.
    pub declaration_id: Option<i64>,
}

/// A declaration about the person, as exported.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportedDeclaration {
    /// Id.
    pub id: i64,
    /// Status.
    pub status: String,
    /// The address.
    pub address_id: i64,
    /// The filing agency's organisation id.
    pub agency_id: i64,
    /// The landlord's organisation id.
    pub landlord_id: i64,
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
    /// Separate lease.
    pub separate_rental_contract: bool,
    /// When filed.
    pub filed_at: DateTime<Utc>,
}

/// Everything the registry holds on one person.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonExport {
    /// The person, with the full BSN.
    pub person: PersonView,
    /// The full BSN, for the subject-access answer.
    pub bsn: Option<String>,
    /// Declarations about the person.
    pub declarations: Vec<ExportedDeclaration>,
    /// Where the person lived (subject: address id).
    pub occupancies: Vec<ExportedPeriod>,
    /// Who employed the person (subject: organisation id).
    pub employments: Vec<ExportedPeriod>,
    /// Who read or changed the person's record.
    pub audit_events: Vec<AuditEventView>,
}

fn export(conn: &mut DbConnection, person: &Person) -> Result<PersonExport, ApiError> {
    let declarations = declarations::for_person(conn, person.id)?
        .into_iter()
        .map(|d| ExportedDeclaration {
            id: d.id,
            status: d.status.to_string(),
            address_id: d.address_id,
            agency_id: d.agency_id,
            landlord_id: d.landlord_id,
            household: d.household,
            start_date: d.start_date,
            end_date: d.end_date,
            rent_per_month_cents: d.rent_per_month_cents,
            rent_deducted_from_wages: d.rent_deducted_from_wages,
            separate_rental_contract: d.separate_rental_contract,
            filed_at: d.filed_at.and_utc(),
        })
        .collect();
    let occupancies = occupancies::for_person(conn, person.id)?
        .into_iter()
        .map(|o| ExportedPeriod {
            id: o.id,
            subject_id: o.address_id,
            start_date: o.start_date,
            end_date: o.end_date,
            declaration_id: o.declaration_id,
        })
        .collect();
    let employments = employments::for_person(conn, person.id)?
        .into_iter()
        .map(|e| ExportedPeriod {
            id: e.id,
            subject_id: e.organisation_id,
            start_date: e.start_date,
            end_date: e.end_date,
            declaration_id: e.declaration_id,
        })
        .collect();
    let filter = AuditFilter {
        resource: Some(format!("people/{}", person.id)),
        ..AuditFilter::default()
    };
    let (events, _) = audit_events::list(
        conn,
        &filter,
        Page {
            number: 1,
            size: 10_000,
        },
    )?;
    Ok(PersonExport {
        person: PersonView::from(person),
        bsn: person.bsn.as_ref().map(|b| b.as_str().to_owned()),
        declarations,
        occupancies,
        employments,
        audit_events: events.into_iter().map(AuditEventView::from).collect(),
    })
}

/// Everything held on one person (subject access; administrators only).
#[utoipa::path(
    get, path = "/people/{id}/export", tag = "people", operation_id = "exportPerson",
    params(
        ("id" = i64, Path, description = "Person id"),
        ("X-Purpose" = Option<String>, Header, description = "Processing purpose for the audit log: one line of plain text", max_length = 200),
    ),
    responses((status = 200, description = "Everything held on the person", body = PersonExport))
)]
#[get("/people/<id>/export")]
pub async fn export_person(
    admin: Admin,
    context: RequestContext,
    db: Db,
    id: i64,
) -> Result<Json<PersonExport>, ApiError> {
    let export = db
        // In the writer's transaction, not as an audited read: the export
        // lists the person's audit events, this export's own included.
        .transaction(move |conn| {
            let person = people::read_person(
                conn,
                &context.actor(&admin.0),
                id,
                AuditAction::PersonExport,
                PURPOSE_SUBJECT_ACCESS,
            )?;
            export(conn, &person)
        })
        .await?;
    Ok(Json(export))
}
