//! `woonregister demo [--scale N] [--seed S] [--force]` and `woonregister
//! serve --demo`: fill the database with the synthetic Vlaardingen of
//! [`crate::registry::demo`] and tell the user what to open and which
//! tokens to use.

use std::fmt::Write as _;
use std::time::Instant;

use chrono::TimeDelta;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rocket::figment::Figment;

use crate::app::Services;
use crate::auth::{KeySet, Role, token};
use crate::config::AppConfig;
use crate::registry::demo::{self, DemoError, DemoOptions, DemoReport, Step};

/// The demo command's options.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Copies of the city side by side (shifted grid, distinct postcodes).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=900))]
    pub scale: u32,
    /// The seed: the same seed gives the same city (on the same day).
    #[arg(long, default_value_t = demo::DEFAULT_SEED)]
    pub seed: u64,
    /// Replace whatever the database holds (every table is emptied).
    #[arg(long)]
    pub force: bool,
}

/// Runs `woonregister demo`.
pub fn run(figment: &Figment, args: &DemoArgs) -> Result<(), String> {
    let config = AppConfig::from_figment(figment).map_err(|e| e.to_string())?;
    let services = crate::app::open_services(config).map_err(|e| e.to_string())?;
    fill(&services, args)?;
    println!("{}", first_steps(figment, &services.config)?);
    Ok(())
}

/// Generates the city into the database of `services`; with `force` the
/// database is emptied first.
pub fn fill(services: &Services, args: &DemoArgs) -> Result<DemoReport, String> {
    let mut conn = services.pool.get().map_err(|e| e.to_string())?;
    if args.force && !demo::is_empty(&mut conn).map_err(|e| e.to_string())? {
        crate::db::connection::revert_all_migrations(&mut conn).map_err(|e| e.to_string())?;
        crate::db::run_migrations(&mut conn).map_err(|e| e.to_string())?;
        crate::app::store_neighbourhoods(&mut conn, &services.neighbourhoods)
            .map_err(|e| e.to_string())?;
    }
    let options = DemoOptions {
        scale: args.scale as usize,
        ..DemoOptions::new(args.seed)
    };
    let bar = ProgressBar::new(3 * u64::from(args.scale));
    bar.set_style(
        ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let progress = |step: Step| {
        if step.what != "planned" {
            bar.inc(1);
        }
        bar.set_message(format!("copy {}: {}", step.copy + 1, step.what));
    };
    let report = demo::generate(&mut conn, &services.config.rules, &options, &progress).map_err(
        |e| match e {
            DemoError::NotEmpty => format!("{e} (or choose another database_url)"),
            other => other.to_string(),
        },
    )?;
    bar.finish_and_clear();
    println!(
        "woonregister: generated the demo city (seed {}, scale {}) in {:.1} s: {} addresses ({} dwellings), {} registered residents, {} organisations, {} declarations at {} addresses ({} with a problem pattern), {} earlier inspections",
        args.seed,
        args.scale,
        started.elapsed().as_secs_f64(),
        report.addresses,
        report.dwellings,
        report.residents,
        report.organisations,
        report.declarations,
        report.sites,
        report.problem_sites,
        report.inspections,
    );
    Ok(report)
}

/// The URL, a token per role and what to try first.
pub fn first_steps(figment: &Figment, config: &AppConfig) -> Result<String, String> {
    let keys = KeySet::load_or_generate(&config.auth, &config.signing_key_path())
        .map_err(|e| e.to_string())?;
    let agency = crate::domain::KvkNumber::parse("70000000").map_err(|e| e.to_string())?;
    let address: String = figment
        .extract_inner("address")
        .unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port: u16 = figment.extract_inner("port").unwrap_or(8000);
    let base = format!("http://{address}:{port}");
    let mut text = format!(
        "\nOpen {base}/ for the web page (sign in with the staff, inspector or admin token below);\n{base}/api/v1/docs for the API documentation.\nTokens (valid 7 days; make more with `woonregister token issue`):\n"
    );
    for role in [Role::Admin, Role::Staff, Role::Inspector, Role::Agency] {
        let org = (role == Role::Agency).then_some(&agency);
        let issued = token::issue(
            &keys,
            &config.auth,
            &format!("demo-{}", role.as_str()),
            role,
            org,
            TimeDelta::days(7),
        )
        .map_err(|e| e.to_string())?;
        let _ = writeln!(text, "  {:<9} {}", role.as_str(), issued.token);
    }
    let _ = write!(
        text,
        "Try first (with TOKEN set to the staff token):\n  curl -H \"Authorization: Bearer $TOKEN\" '{base}/api/v1/signals?rule=agency-is-landlord&pageSize=5'\n  curl -H \"Authorization: Bearer $TOKEN\" '{base}/api/v1/addresses?postcode=3131AA&pageSize=5'\n"
    );
    Ok(text)
}
