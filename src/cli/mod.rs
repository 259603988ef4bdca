//! The `woonregister` command line: one module per subcommand. With no
//! subcommand it serves the API.

pub mod audit;
pub mod export;
pub mod import;
pub mod retention;
pub mod signals;
pub mod token;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::AppConfig;

/// woonregister — housing-occupancy registry.
#[derive(Debug, Parser)]
#[command(name = "woonregister", version, about)]
pub struct Cli {
    /// What to do; serves the API when left out.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Import data from a file.
    Import {
        /// What to import.
        #[command(subcommand)]
        what: import::ImportCommand,
    },
    /// Issue or revoke API tokens.
    Token {
        /// Issue or revoke.
        #[command(subcommand)]
        action: token::TokenCommand,
    },
    /// Evaluate the signal rules.
    Signals {
        /// What to do.
        #[command(subcommand)]
        action: signals::SignalsCommand,
    },
    /// Check the audit trail.
    Audit {
        /// What to do with it.
        #[command(subcommand)]
        action: audit::AuditCommand,
    },
    /// Export data as files.
    Export {
        /// What to export.
        #[command(subcommand)]
        what: export::ExportCommand,
    },
    /// Remove personal data past its retention period.
    Retention {
        /// What to do.
        #[command(subcommand)]
        action: retention::RetentionCommand,
    },
    /// Print the OpenAPI document as JSON.
    Openapi,
}

/// Parses the command line and runs it; the exit code tells the outcome.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let figment = AppConfig::figment();
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(figment),
        Command::Migrate => migrate(&figment),
        Command::Import { what } => import::run(&figment, what),
        Command::Token { action } => token::run(&figment, action),
        Command::Audit { action } => audit::run(&figment, action),
        Command::Signals { action } => signals::run(&figment, action),
        Command::Export { what } => export::run(&figment, what),
        Command::Retention { action } => retention::run(&figment, action),
        Command::Openapi => {
            println!("{:#}", crate::api::docs::openapi_json());
            Ok(())
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("woonregister: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(figment: rocket::figment::Figment) -> Result<(), String> {
    let rocket = crate::app::rocket(figment).map_err(|e| e.to_string())?;
    println!(
        "woonregister: to get an admin token run `woonregister token issue --role admin --subject <your-name>`"
    );
    rocket::execute(rocket.launch())
        .map(drop)
        .map_err(|e| e.to_string())
}

fn migrate(figment: &rocket::figment::Figment) -> Result<(), String> {
    let config = AppConfig::from_figment(figment).map_err(|e| e.to_string())?;
    crate::app::open_services(config).map_err(|e| e.to_string())?;
    println!("woonregister: the database is up to date");
    Ok(())
}
