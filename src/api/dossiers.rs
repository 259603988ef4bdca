//! `/addresses/{id}/dossier`: everything an inspector reads before a visit,
//! in one audited read. BSNs are always masked here.

use chrono::{DateTime, NaiveDate, Utc};
use rocket::serde::json::Json;
use rocket::{Route, State, get, routes};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::addresses::AddressView;
use crate::api::context::RequestContext;
use crate::api::inspections::InspectionView;
use crate::api::short_read::ShortRead;
use crate::api::signals::{SignalAddress, SignalView};
use crate::auth::Official;
use crate::config::AppConfig;
use crate::db::organisations::Organisation;
use crate::domain::rules::group::Link;
use crate::error::ApiError;
use crate::registry::dossier::{
    self as registry, Dossier, DossierLandlord, DossierOccupant, FiledDeclaration, NearbySignal,
    OccupantCounts,
};
use crate::registry::evaluation::today;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    routes![get_address_dossier]
}

/// An organisation, briefly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationRef {
    /// Id.
    pub organisation_id: i64,
    /// KvK number.
    pub kvk_number: String,
    /// Name.
    pub name: String,
}

impl From<&Organisation> for OrganisationRef {
    fn from(o: &Organisation) -> Self {
        Self {
            organisation_id: o.id,
            kvk_number: o.kvk_number.clone(),
            name: o.name.clone(),
        }
    }
}

/// A current occupant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DossierOccupantView {
    /// The person's id.
    pub person_id: i64,
    /// The BSN, masked but for its last three digits.
    pub bsn: Option<String>,
    /// Family name.
    pub family_name: String,
    /// Given names.
    pub given_names: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// Age in whole years today.
    pub age: u32,
    /// Household label; the same label is one household.
    pub household: Option<String>,
    /// The current employer (the first, when there are several).
    pub employer: Option<OrganisationRef>,
    /// Every current employer.
    pub employers: Vec<OrganisationRef>,
    /// Living here since.
    pub since: NaiveDate,
    /// Where the registry knows this from: `registered`, `declared`,
    /// `inspection` (or `manual`).
    pub sources: Vec<String>,
}

impl From<&DossierOccupant> for DossierOccupantView {
    fn from(o: &DossierOccupant) -> Self {
        let employers: Vec<OrganisationRef> =
            o.employers.iter().map(OrganisationRef::from).collect();
        Self {
            person_id: o.person.id,
            bsn: o.person.masked_bsn(),
            family_name: o.person.family_name.clone(),
            given_names: o.person.given_names.clone(),
            date_of_birth: o.person.date_of_birth,
            age: o.age,
            household: o.household.clone(),
            employer: employers.first().cloned(),
            employers,
            since: o.since,
            sources: o.sources.iter().map(|s| s.as_str().to_owned()).collect(),
        }
    }
}

/// The people of one household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HouseholdView {
    /// The label (`null`: no household named).
    pub household: Option<String>,
    /// Its members.
    pub person_ids: Vec<i64>,
}

/// Occupant counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct OccupantCountsView {
    /// Registered in the BRP.
    pub registered: usize,
    /// Declared by agencies.
    pub declared: usize,
    /// Everyone, each person once.
    pub combined: usize,
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

/// How a landlord is linked to an occupant's employer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmployerLinkView {
    /// The employer.
    pub employer: OrganisationRef,
    /// `same-organisation` or `same-group`.
    #[schema(pattern = "^(same-organisation|same-group)$")]
    pub link: String,
    /// For `same-group`: the KvK number both chains share.
    pub group_kvk_number: Option<String>,
}

/// A current landlord.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DossierLandlordView {
    /// The landlord.
    pub organisation: OrganisationRef,
    /// `owner`, `lessor` or `manager`.
    pub role: String,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day, if set.
    pub end_date: Option<NaiveDate>,
    /// Its links to the occupants' employers.
    pub employer_links: Vec<EmployerLinkView>,
}

impl From<&DossierLandlord> for DossierLandlordView {
    fn from(l: &DossierLandlord) -> Self {
        Self {
            organisation: OrganisationRef::from(&l.organisation),
            role: l.provision.role.to_string(),
            start_date: l.provision.start_date,
            end_date: l.provision.end_date,
            employer_links: l
                .links
                .iter()
                .map(|link| {
                    let (kind, group) = match &link.link {
                        Link::SameOrganisation => ("same-organisation", None),
                        Link::SameGroup(kvk) => ("same-group", Some(kvk.clone())),
                    };
                    EmployerLinkView {
                        employer: OrganisationRef::from(&link.employer),
                        link: kind.to_owned(),
                        group_kvk_number: group,
                    }
                })
                .collect(),
        }
    }
}

/// A declaration filed for the address: who filed what, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DossierDeclarationView {
    /// Id.
    pub id: i64,
    /// The filing agency.
    pub agency: OrganisationRef,
    /// The token subject that filed it.
    pub filed_by: String,
    /// When.
    pub filed_at: DateTime<Utc>,
    /// Where it stands.
    pub status: String,
    /// The worker.
    pub person_id: i64,
    /// The worker's family name.
    pub family_name: Option<String>,
    /// The worker's given names.
    pub given_names: Option<String>,
    /// Household label.
    pub household: Option<String>,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: Option<NaiveDate>,
    /// Rent deducted from wages.
    pub rent_deducted_from_wages: bool,
    /// Lease separate from the work contract.
    pub separate_rental_contract: bool,
}

impl From<&FiledDeclaration> for DossierDeclarationView {
    fn from(f: &FiledDeclaration) -> Self {
        let d = &f.declaration;
        Self {
            id: d.id,
            agency: OrganisationRef::from(&f.agency),
            filed_by: d.filed_by.clone(),
            filed_at: d.filed_at.and_utc(),
            status: d.status.to_string(),
            person_id: d.person_id,
            family_name: f.worker.as_ref().map(|w| w.family_name.clone()),
            given_names: f.worker.as_ref().map(|w| w.given_names.clone()),
            household: d.household.clone(),
            start_date: d.start_date,
            end_date: d.end_date,
            rent_deducted_from_wages: d.rent_deducted_from_wages,
            separate_rental_contract: d.separate_rental_contract,
        }
    }
}

/// An open signal near the address.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NearbySignalView {
    /// The signal.
    pub signal: SignalView,
    /// Its address.
    pub address: SignalAddress,
    /// Straight-line distance in metres.
    pub distance_m: f64,
}

impl From<&NearbySignal> for NearbySignalView {
    fn from(n: &NearbySignal) -> Self {
        Self {
            signal: SignalView::from(&n.signal),
            address: SignalAddress::from(&n.address),
            distance_m: n.distance_m,
        }
    }
}

/// An address's dossier.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DossierView {
    /// The address with its BAG facts.
    pub address: AddressView,
    /// Current occupants, by household.
    pub occupants: Vec<DossierOccupantView>,
    /// The households and their members.
    pub households: Vec<HouseholdView>,
    /// Occupant counts.
    pub occupant_counts: OccupantCountsView,
    /// Current landlords and their links to the employers.
    pub landlords: Vec<DossierLandlordView>,
    /// Open signals with their evidence, most serious first.
    pub signals: Vec<SignalView>,
    /// The capped sum of the open signals' scores.
    pub risk_score: u32,
    /// Declarations filed for the address, newest first.
    pub declarations: Vec<DossierDeclarationView>,
    /// Inspections, the latest visit first.
    pub inspections: Vec<InspectionView>,
    /// Open signals of other addresses within 250 m, most serious first.
    pub nearby_signals: Vec<NearbySignalView>,
}

impl From<Dossier> for DossierView {
    fn from(d: Dossier) -> Self {
        let mut households: Vec<HouseholdView> = Vec::new();
        for occupant in &d.occupants {
            match households
                .iter_mut()
                .find(|h| h.household == occupant.household)
            {
                Some(h) => h.person_ids.push(occupant.person.id),
                None => households.push(HouseholdView {
                    household: occupant.household.clone(),
                    person_ids: vec![occupant.person.id],
                }),
            }
        }
        Self {
            occupants: d.occupants.iter().map(DossierOccupantView::from).collect(),
            households,
            occupant_counts: d.counts.into(),
            landlords: d.landlords.iter().map(DossierLandlordView::from).collect(),
            signals: d.signals.iter().map(SignalView::from).collect(),
            risk_score: d.risk_score,
            declarations: d
                .declarations
                .iter()
                .map(DossierDeclarationView::from)
                .collect(),
            inspections: d.inspections.iter().map(InspectionView::from).collect(),
            nearby_signals: d
                .nearby_signals
                .iter()
                .map(NearbySignalView::from)
                .collect(),
            address: d.address.into(),
        }
    }
}

/// Everything an inspector needs before a visit: occupants by household
/// with where each is known from, landlords and their links to the
/// employers, open signals with evidence, the risk score, declarations,
/// earlier inspections and open signals within 250 m. Audit-logged with
/// the caller's purpose.
#[utoipa::path(
    get, path = "/addresses/{id}/dossier", tag = "addresses", operation_id = "getAddressDossier",
    params(("id" = i64, Path, description = "Address id")),
    responses((status = 200, description = "The dossier", body = DossierView))
)]
#[get("/addresses/<id>/dossier")]
pub async fn get_address_dossier(
    official: Official,
    context: RequestContext,
    config: &State<AppConfig>,
    db: ShortRead<'_>,
    id: i64,
) -> Result<Json<DossierView>, ApiError> {
    let (rules, actor) = (config.rules.clone(), context.actor(&official.0));
    let dossier = db
        .audited_read(actor, move |conn, actor| {
            registry::read_dossier(conn, &rules, actor, id, today())
        })
        .await?;
    Ok(Json(DossierView::from(dossier)))
}
