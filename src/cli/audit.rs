//! `woonregister audit verify`: checks the hash chain of the audit trail
//! and names the first event that was changed, or follows a removed one.

use clap::Subcommand;
use rocket::figment::Figment;

use crate::config::AppConfig;

/// Audit subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain; exits non-zero at the first broken link.
    Verify,
}

/// Runs an audit subcommand.
pub fn run(figment: &Figment, command: AuditCommand) -> Result<(), String> {
    let AuditCommand::Verify = command;
    let config = AppConfig::from_figment(figment).map_err(|e| e.to_string())?;
    let services = crate::app::open_services(config).map_err(|e| e.to_string())?;
    let mut conn = services.pool.get().map_err(|e| e.to_string())?;
    let report = crate::audit::verify(&mut conn).map_err(|e| e.to_string())?;
    match report.first_broken {
        None => {
            println!("audit trail intact: {} events verified", report.events);
            Ok(())
        }
        Some(broken) => Err(format!(
            "audit trail broken at event {}: {}",
            broken.id, broken.reason
        )),
    }
}
