//! The `woonregister` command line: one module per subcommand. With no
//! subcommand it serves the API.

pub mod audit;
pub mod demo;
pub mod import;
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
    Serve {
        /// Fill an empty database with the demo city first, and print the
        /// tokens to try it with.
        #[arg(long)]
        demo: bool,
    },
    /// Fill an empty database with a synthetic Vlaardingen drawn from the
    /// CBS figures (deterministic for a seed).
    Demo(demo::DemoArgs),
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
    /// Print the OpenAPI document as JSON.
    Openapi,
}

/// Parses the command line and runs it; the exit code tells the outcome.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let figment = AppConfig::figment();
    let outcome = match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => serve(figment, demo),
        Command::Demo(args) => demo::run(&figment, &args),
        Command::Migrate => migrate(&figment),
        Command::Import { what } => import::run(&figment, what),
        Command::Token { action } => token::run(&figment, action),
        Command::Audit { action } => audit::run(&figment, action),
        Command::Signals { action } => signals::run(&figment, action),
        Command::Openapi => print_quietly(&format!("{:#}", crate::api::docs::openapi_json())),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("woonregister: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(figment: rocket::figment::Figment, with_demo: bool) -> Result<(), String> {
    if with_demo {
        let config = AppConfig::from_figment(&figment).map_err(|e| e.to_string())?;
        let services = crate::app::open_services(config).map_err(|e| e.to_string())?;
        let mut conn = services.pool.get().map_err(|e| e.to_string())?;
        if crate::registry::demo::is_empty(&mut conn).map_err(|e| e.to_string())? {
            let args = demo::DemoArgs {
                scale: 1,
                seed: crate::registry::demo::DEFAULT_SEED,
                force: false,
            };
            demo::fill(&services, &args)?;
        } else {
            println!("woonregister: the database already holds data; serving it as it is");
        }
        println!("{}", demo::first_steps(&figment, &services.config)?);
    }
    let rocket = crate::app::rocket(figment).map_err(|e| e.to_string())?;
    if !with_demo {
        println!(
            "woonregister: to get an admin token run `woonregister token issue --role admin --subject me`"
        );
    }
    rocket::execute(rocket.launch())
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Prints `text` on standard output; a reader that stopped reading (as
/// `| head` does) is no error.
fn print_quietly(text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}

fn migrate(figment: &rocket::figment::Figment) -> Result<(), String> {
    let config = AppConfig::from_figment(figment).map_err(|e| e.to_string())?;
    crate::app::open_services(config).map_err(|e| e.to_string())?;
    println!("woonregister: the database is up to date");
    Ok(())
}
