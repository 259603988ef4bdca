//! Retention: removing personal data past its configured period. People
//! whose last occupancy and employment ended longer ago than the period
//! lose their occupancies, employments and personal fields; aggregate facts
//! (addresses, declarations' dates and terms, signals) stay. Inspections
//! and closed signals are kept for their own periods. Every removal is
//! audit-logged in the same transaction.

use chrono::{Months, NaiveDate};

use crate::config::RetentionConfig;
use crate::db::{DbConnection, retention};
use crate::domain::AuditAction;
use crate::error::ApiError;
use crate::registry::Actor;

const PURPOSE: &str = "retention of personal data";

/// What a retention run removed, or would remove.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// People past the period.
    pub people: Vec<i64>,
    /// Inspections past theirs.
    pub inspections: usize,
    /// Closed signals past theirs.
    pub signals: usize,
    /// Whether nothing was changed.
    pub is_dry_run: bool,
}

/// The day `months` before `today`.
fn months_before(today: NaiveDate, months: u32) -> NaiveDate {
    today
        .checked_sub_months(Months::new(months))
        .unwrap_or(NaiveDate::MIN)
}

/// Applies retention as of `today` in the caller's transaction; with
/// `is_dry_run` only reports what it would remove.
pub fn apply(
    conn: &mut DbConnection,
    config: &RetentionConfig,
    actor: &Actor,
    today: NaiveDate,
    is_dry_run: bool,
) -> Result<RetentionReport, ApiError> {
    let people = retention::people_past(
        conn,
        months_before(today, config.months_after_last_activity),
    )?;
    let inspection_cutoff =
        months_before(today, config.inspection_months).and_time(chrono::NaiveTime::MIN);
    let signal_cutoff =
        months_before(today, config.closed_signal_months).and_time(chrono::NaiveTime::MIN);
    let inspections = retention::inspections_before(conn, inspection_cutoff)?;
    let signals = retention::signals_closed_before(conn, signal_cutoff)?;
    let report = RetentionReport {
        people: people.clone(),
        inspections: inspections.len(),
        signals: signals.len(),
        is_dry_run,
    };
    if is_dry_run {
        return Ok(report);
    }
    retention::remove_people(conn, &people)?;
    retention::delete_inspections(conn, &inspections)?;
    retention::delete_signals(conn, &signals)?;
    for id in &people {
        actor.record(
            conn,
            AuditAction::RetentionApply,
            format!("people/{id}"),
            PURPOSE,
        )?;
    }
    actor.record(
        conn,
        AuditAction::RetentionApply,
        format!(
            "retention: {} people, {} inspections, {} signals",
            people.len(),
            inspections.len(),
            signals.len()
        ),
        PURPOSE,
    )?;
    Ok(report)
}
