//! `woonregister import addresses FILE.csv`: bulk registration of addresses,
//! e.g. from a BAG extract. Every row is checked before anything is stored;
//! one bad row stops the import with all bad rows reported by line, and the
//! good rows are written in one transaction. Importing the same file again
//! changes nothing.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use clap::Subcommand;
use diesel::Connection as _;
use indicatif::{ProgressBar, ProgressStyle};
use rocket::figment::Figment;
use serde_json::{Map, Value};

use crate::api::addresses::AddressInput;
use crate::config::AppConfig;
use crate::db::DbConnection;
use crate::db::addresses::{self, AddressFields, AddressKey};
use crate::error::InvalidParam;
use crate::geo::NeighbourhoodIndex;

/// Import subcommands.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import addresses from a CSV file with a header row using the API's
    /// field names: postcode, houseNumber, houseLetter, houseNumberAddition,
    /// street, city, usagePurpose, floorAreaM2, bedrooms, latitude,
    /// longitude and optionally bagId.
    Addresses {
        /// The CSV file.
        file: std::path::PathBuf,
    },
}

/// CSV columns that hold numbers in the JSON form of an address.
const NUMERIC_COLUMNS: &[&str] = &[
    "houseNumber",
    "floorAreaM2",
    "bedrooms",
    "latitude",
    "longitude",
];

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Addresses that were new.
    pub inserted: usize,
    /// Stored addresses whose fields changed.
    pub updated: usize,
    /// Stored addresses that were already the same.
    pub unchanged: usize,
}

/// One rejected row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The line in the file (the header is line 1).
    pub line: u64,
    /// Every problem with the row.
    pub problems: Vec<InvalidParam>,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reasons: Vec<String> = self
            .problems
            .iter()
            .map(|p| format!("{} {}", p.name, p.reason))
            .collect();
        write!(f, "line {}: {}", self.line, reasons.join("; "))
    }
}

/// Why an import stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Rows failed their checks.
    #[error("{} bad row(s); nothing was imported:\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Rows(Vec<RowError>),
    /// The file is not readable CSV.
    #[error("the file is not readable CSV: {0}")]
    Csv(#[from] csv::Error),
    /// Storing failed; the transaction was rolled back.
    #[error("storing failed, nothing was imported: {0}")]
    Database(#[from] diesel::result::Error),
}

/// Runs an import subcommand.
pub fn run(figment: &Figment, command: ImportCommand) -> Result<(), String> {
    let ImportCommand::Addresses { file } = command;
    let config = AppConfig::from_figment(figment).map_err(|e| e.to_string())?;
    let services = crate::app::open_services(config).map_err(|e| e.to_string())?;
    let reader = std::fs::File::open(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut conn = services.pool.get().map_err(|e| e.to_string())?;
    let progress = ProgressBar::new_spinner();
    let report = import_addresses(&mut conn, &services.neighbourhoods, reader, &progress)
        .map_err(|e| e.to_string())?;
    progress.finish_and_clear();
    println!(
        "imported {}: {} new, {} changed, {} unchanged",
        file.display(),
        report.inserted,
        report.updated,
        report.unchanged
    );
    Ok(())
}

/// Checks every row of the CSV in `reader`, then stores them in one
/// transaction, reporting progress on `progress`.
pub fn import_addresses(
    conn: &mut DbConnection,
    index: &NeighbourhoodIndex,
    reader: impl Read,
    progress: &ProgressBar,
) -> Result<ImportReport, ImportError> {
    let rows = read_rows(reader, index)?;
    progress.set_length(rows.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} addresses ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    conn.transaction(|conn| {
        let stored = addresses::all_by_key(conn)?;
        let mut report = ImportReport::default();
        for fields in &rows {
            match stored.get(&fields.key()) {
                None => {
                    addresses::insert(conn, fields)?;
                    report.inserted += 1;
                }
                Some(existing) if existing.fields() == *fields => report.unchanged += 1,
                Some(existing) => {
                    addresses::update(conn, existing.id, fields)?;
                    report.updated += 1;
                }
            }
            progress.inc(1);
        }
        Ok(report)
    })
}

/// Parses and checks every row; all bad rows are reported together.
fn read_rows(
    reader: impl Read,
    index: &NeighbourhoodIndex,
) -> Result<Vec<AddressFields>, ImportError> {
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = csv.headers()?.clone();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut first_line_of_key: HashMap<AddressKey, u64> = HashMap::new();
    let mut seen_bag_ids: HashSet<String> = HashSet::new();
    for record in csv.records() {
        let record = record?;
        let line = record.position().map_or(0, csv::Position::line);
        let object = row_object(&headers, &record);
        match AddressInput::from_json(&object) {
            Err(problems) => errors.push(RowError { line, problems }),
            Ok(input) => {
                let fields = input.into_fields(index);
                if let Some(first) = first_line_of_key.get(&fields.key()) {
                    errors.push(RowError {
                        line,
                        problems: vec![InvalidParam::new(
                            "address",
                            format!("repeats the address on line {first}"),
                        )],
                    });
                    continue;
                }
                if let Some(bag_id) = &fields.bag_id
                    && !seen_bag_ids.insert(bag_id.clone())
                {
                    errors.push(RowError {
                        line,
                        problems: vec![InvalidParam::new(
                            "bagId",
                            "repeats an earlier row's bagId",
                        )],
                    });
                    continue;
                }
                first_line_of_key.insert(fields.key(), line);
                rows.push(fields);
            }
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(ImportError::Rows(errors))
    }
}

/// The JSON object the API would receive for this row: empty cells are
/// left out, numeric columns become numbers when they parse as one (when
/// not, the text is kept so that the check reports it).
fn row_object(headers: &csv::StringRecord, record: &csv::StringRecord) -> Map<String, Value> {
    headers
        .iter()
        .zip(record.iter())
        .filter(|(_, cell)| !cell.is_empty())
        .map(|(name, cell)| {
            let value = if NUMERIC_COLUMNS.contains(&name) {
                serde_json::from_str::<serde_json::Number>(cell)
                    .map_or_else(|_| Value::String(cell.to_owned()), Value::Number)
            } else {
                Value::String(cell.to_owned())
            };
            (name.to_owned(), value)
        })
        .collect()
}
