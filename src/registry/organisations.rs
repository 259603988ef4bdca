//! Registering and changing organisations (agencies, landlords and their
//! groups). A change of certification or group moves the signals of every
//! address the old or new group is linked to.

use crate::db::DbConnection;
use crate::db::organisations::{self, Organisation, OrganisationFields};
use crate::db::snapshots;
use crate::domain::rules::RuleSet;
use crate::error::ApiError;
use crate::registry::evaluation;

fn duplicate_kvk(error: diesel::result::Error) -> ApiError {
    if crate::db::is_unique_violation(&error) {
        ApiError::conflict("An organisation with this KvK number is already registered.")
    } else {
        ApiError::from(error)
    }
}

/// The organisation with this id, or a 404.
pub fn find_organisation(conn: &mut DbConnection, id: i64) -> Result<Organisation, ApiError> {
    organisations::find(conn, id)?.ok_or_else(|| ApiError::not_found("organisation", id))
}

/// Registers an organisation.
pub fn register_organisation(
    conn: &mut DbConnection,
    fields: &OrganisationFields,
) -> Result<Organisation, ApiError> {
    organisations::insert(conn, fields).map_err(duplicate_kvk)
}

/// Replaces an organisation's fields in the caller's transaction and
/// re-evaluates every address its old or new group lets or employs at.
pub fn change_organisation(
    conn: &mut DbConnection,
    rules: &RuleSet,
    id: i64,
    fields: &OrganisationFields,
) -> Result<Organisation, ApiError> {
    let previous_group = snapshots::organisation_facts(conn)?
        .remove(&id)
        .map(|o| o.group)
        .unwrap_or_default();
    let organisation = organisations::update(conn, id, fields).map_err(duplicate_kvk)?;
    let affected = evaluation::addresses_linked_to_group(conn, id, &previous_group)?;
    evaluation::reevaluate_addresses(conn, rules, &affected)?;
    Ok(organisation)
}
