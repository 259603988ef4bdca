//! `woonregister signals evaluate`: re-evaluates every address with a
//! progress bar and reports what changed.

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use rocket::figment::Figment;

use crate::config::AppConfig;
use crate::registry::evaluation;

/// Signal subcommands.
#[derive(Debug, Subcommand)]
pub enum SignalsCommand {
    /// Re-evaluate every address now.
    Evaluate,
}

/// Runs a signals subcommand.
pub fn run(figment: &Figment, command: SignalsCommand) -> Result<(), String> {
    let SignalsCommand::Evaluate = command;
    let config = AppConfig::from_figment(figment).map_err(|e| e.to_string())?;
    let rules = config.rules.clone();
    let services = crate::app::open_services(config).map_err(|e| e.to_string())?;
    let mut conn = services.pool.get().map_err(|e| e.to_string())?;
    let progress = ProgressBar::new(0);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} addresses ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    // Chunks are judged side by side on reading connections, one per core
    // (the pool keeps one for the writes); only what must change is
    // written, one write transaction per chunk.
    let wanted = crate::db::connection::spare_readers(&services.pool);
    let mut readers = Vec::with_capacity(wanted);
    for _ in 0..wanted {
        readers.push(services.pool.get().map_err(|e| e.to_string())?);
    }
    let report = evaluation::evaluate_with_readers(
        &mut conn,
        &mut readers,
        &rules,
        evaluation::today(),
        evaluation::CHUNK_ADDRESSES,
        &|done, total| {
            progress.set_length(total as u64);
            progress.set_position(done as u64);
        },
    )
    .map_err(|e| e.to_string())?;
    progress.finish_and_clear();
    println!(
        "evaluated {} addresses with rule set {} in {} ms: {} signals open, {} new, {} changed, {} closed",
        report.addresses_evaluated,
        rules.version(),
        report.duration.as_millis(),
        report.signals_open,
        report.signals_opened,
        report.signals_refreshed,
        report.signals_closed
    );
    Ok(())
}
