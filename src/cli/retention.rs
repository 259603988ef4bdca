//! `woonregister retention apply [--dry-run]`: removes personal data past
//! the configured retention periods, audit-logged, and says what it did.

use clap::Subcommand;
use rocket::figment::Figment;

use crate::auth::Role;
use crate::cli::export::operator;
use crate::config::AppConfig;
use crate::registry::evaluation::today;
use crate::registry::retention;

/// Retention subcommands.
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Remove what is past its retention period.
    Apply {
        /// Only report what would be removed.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Runs a retention subcommand.
pub fn run(figment: &Figment, command: RetentionCommand) -> Result<(), String> {
    let RetentionCommand::Apply { dry_run } = command;
    let config = AppConfig::from_figment(figment).map_err(|e| e.to_string())?;
    let periods = config.retention.clone();
    let services = crate::app::open_services(config).map_err(|e| e.to_string())?;
    let mut conn = services.pool.get().map_err(|e| e.to_string())?;
    let actor = operator(Role::Admin, "retention of personal data");
    let report = crate::db::write_transaction(&mut conn, |conn| {
        retention::apply(conn, &periods, &actor, today(), dry_run)
    })
    .map_err(|e| e.to_problem().detail)?;
    let verb = if report.is_dry_run {
        "would remove"
    } else {
        "removed"
    };
    println!(
        "retention {verb}: {} people, {} inspections, {} closed signals",
        report.people.len(),
        report.inspections,
        report.signals
    );
    Ok(())
}
