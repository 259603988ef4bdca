//! `woonregister export inspection-list ID --format csv|geojson`: writes a
//! planned list as the API exports it, to a file or standard output. The
//! read is audit-logged like an API read.

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use rocket::figment::Figment;

use crate::auth::Role;
use crate::config::AppConfig;
use crate::registry::{Actor, inspections, list_exports};

/// What to export.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// A planned inspection list.
    InspectionList {
        /// The list's id.
        id: i64,
        /// The file format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// File formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// CSV for Dutch Excel: UTF-8 with BOM, `;` between cells.
    Csv,
    /// RFC 7946 `GeoJSON`: visit points and the route.
    Geojson,
}

/// The actor of a command run by an operator on the server.
pub fn operator(role: Role, purpose: &str) -> Actor {
    let user = std::env::var("USER").unwrap_or_else(|_| "operator".to_owned());
    Actor {
        subject: format!("cli:{user}"),
        role,
        purpose: Some(purpose.to_owned()),
        trace_id: uuid::Uuid::new_v4().simple().to_string(),
        deferred: None,
    }
}

/// Runs an export subcommand.
pub fn run(figment: &Figment, command: ExportCommand) -> Result<(), String> {
    let ExportCommand::InspectionList { id, format, output } = command;
    let config = AppConfig::from_figment(figment).map_err(|e| e.to_string())?;
    let services = crate::app::open_services(config).map_err(|e| e.to_string())?;
    let mut conn = services.pool.get().map_err(|e| e.to_string())?;
    let actor = operator(Role::Staff, "inspection list export");
    let list =
        crate::db::write_transaction(&mut conn, |conn| inspections::read_list(conn, &actor, id))
            .map_err(|e| e.to_problem().detail)?;
    let text = match format {
        ExportFormat::Csv => list_exports::csv(&list).map_err(|e| e.to_string())?,
        ExportFormat::Geojson => format!("{:#}\n", list_exports::geojson(&list)),
    };
    match output {
        Some(path) => std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display())),
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| e.to_string()),
    }
}
