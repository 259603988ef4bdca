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
        Command::Openapi => print_openapi(),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("woonregister: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the OpenAPI document; a reader that stops early (`| head`)
/// is not an error.
fn print_openapi() -> Result<(), String> {
    use std::io::Write as _;

    let document = format!("{:#}", crate::api::docs::openapi_json());
    match writeln!(std::io::stdout().lock(), "{document}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}

/// How to run this same program again, for hints that work as written.
fn this_program() -> String {
    let exe = std::env::current_exe().ok();
    let relative = exe.as_deref().and_then(|path| {
        let here = std::env::current_dir().ok()?;
        path.strip_prefix(here)
            .ok()
            .map(std::path::Path::to_path_buf)
    });
    match (relative, exe) {
        (Some(relative), _) => format!("./{}", relative.display()),
        (None, Some(exe)) => exe.display().to_string(),
        (None, None) => "woonregister".to_owned(),
    }
}

fn serve(figment: rocket::figment::Figment) -> Result<(), String> {
    let address: String = figment
        .extract_inner("address")
        .unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port: u16 = figment.extract_inner("port").unwrap_or(8000);
    let rocket = crate::app::rocket(figment).map_err(|e| e.to_string())?;
    println!("woonregister: open http://{address}:{port}/ (the API is under /api/v1)");
    println!(
        "woonregister: for an admin token run `{} token issue --role admin --subject admin`",
        this_program()
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
