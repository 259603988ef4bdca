//! The `woonregister` command line: one module per subcommand. With no
//! subcommand it serves the API.

pub mod audit;
pub mod demo;
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
    let outcome = match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => serve(figment, demo),
        Command::Demo(args) => demo::run(&figment, &args),
        Command::Migrate => migrate(&figment),
        Command::Import { what } => import::run(&figment, what),
        Command::Token { action } => token::run(&figment, action),
        Command::Audit { action } => audit::run(&figment, action),
        Command::Signals { action } => signals::run(&figment, action),
        Command::Export { what } => export::run(&figment, what),
        Command::Retention { action } => retention::run(&figment, action),
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
        let address: String = rocket
            .figment()
            .extract_inner("address")
            .unwrap_or_else(|_| "127.0.0.1".to_owned());
        let port: u16 = rocket.figment().extract_inner("port").unwrap_or(8000);
        println!("woonregister: open http://{address}:{port}/ (the API is under /api/v1)");
        println!(
            "woonregister: for an admin token run `{} token issue --role admin --subject admin`",
            this_program()
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
