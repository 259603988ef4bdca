//! `woonregister import addresses FILE.csv`: bulk registration of addresses,
//! e.g. from a BAG extract. Every row is checked before anything is stored;
//! one bad row stops the import with all bad rows reported by line, and the
//! good rows are written in one transaction, re-evaluating the signals of
//! the addresses that changed. Importing the same file again changes nothing.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use rocket::figment::Figment;

use crate::auth::Role;
use crate::config::AppConfig;
use crate::db::DbConnection;
use crate::db::addresses::AddressFields;
use crate::domain::rules::RuleSet;
use crate::domain::{BagId, HouseLetter, HouseNumber, HouseNumberAddition, Postcode, UsagePurpose};
use crate::error::InvalidParam;
use crate::geo::NeighbourhoodIndex;
use crate::registry::Actor;
use crate::registry::addresses::{
    self as registry, AddressDraft, AddressParts, ImportReport, MAX_NAME_CHARS, RowError, bedrooms,
    floor_area,
};
use crate::registry::residents::{self, Extract, ExtractError, ImportSummary};

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
    /// Import a BRP extract of the registered residents: a CSV file (`,` or
    /// `;`, optional UTF-8 BOM) with bsn, familyName, givenNames,
    /// dateOfBirth, postcode, houseNumber, houseLetter, houseNumberAddition,
    /// registeredSince and optionally household; other columns are dropped.
    Residents {
        /// The CSV file.
        file: std::path::PathBuf,
        /// The day the extract is the truth of (YYYY-MM-DD).
        #[arg(long = "as-of", value_parser = as_of_date)]
        as_of: NaiveDate,
    },
}

fn as_of_date(text: &str) -> Result<NaiveDate, String> {
    crate::domain::parse_date(text).map_err(|e| e.to_string())
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
    /// The file is not CSV at all.
    #[error(transparent)]
    NotCsv(#[from] crate::registry::csv::CsvFileError),
    /// Storing failed; the transaction was rolled back.
    #[error("storing failed, nothing was imported: {0}")]
    Database(#[from] diesel::result::Error),
}

/// Runs an import subcommand.
pub fn run(figment: &Figment, command: ImportCommand) -> Result<(), String> {
    match command {
        ImportCommand::Addresses { file } => run_addresses(figment, &file),
        ImportCommand::Residents { file, as_of } => run_residents(figment, &file, as_of),
    }
}

fn run_residents(figment: &Figment, file: &Path, as_of: NaiveDate) -> Result<(), String> {
    let config = AppConfig::from_figment(figment).map_err(|e| e.to_string())?;
    let services = crate::app::open_services(config).map_err(|e| e.to_string())?;
    let reader = std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut conn = services.pool.get().map_err(|e| e.to_string())?;
    let actor = Actor {
        subject: std::env::var("USER").unwrap_or_else(|_| "command-line".to_owned()),
        role: Role::Admin,
        purpose: None,
        trace_id: "command-line".to_owned(),
        deferred: None,
    };
    let progress = ProgressBar::new_spinner();
    let (extract, summary) = import_residents(
        &mut conn,
        &actor,
        &services.config.rules,
        reader,
        as_of,
        &progress,
    )
    .map_err(|e| e.to_string())?;
    progress.finish_and_clear();
    println!("{}", residents_summary(file, &extract, &summary));
    Ok(())
}

/// The summary the command prints.
pub fn residents_summary(file: &Path, extract: &Extract, summary: &ImportSummary) -> String {
    let mut text = format!(
        "imported {} as of {}: separator '{}'{}, {} resident(s)\n{} new, {} moved, {} ended, {} corrected, {} unchanged",
        file.display(),
        extract.as_of,
        extract.separator.as_char(),
        if extract.byte_order_mark {
            ", UTF-8 byte-order mark"
        } else {
            ""
        },
        extract.residents.len(),
        summary.new,
        summary.moved,
        summary.ended,
        summary.corrected,
        summary.unchanged,
    );
    if summary.unknown_addresses > 0 {
        let lines: Vec<String> = summary
            .unknown_address_lines
            .iter()
            .map(ToString::to_string)
            .collect();
        let _ = write!(
            text,
            "\n{} row(s) name an address the registry does not know (first lines: {})",
            summary.unknown_addresses,
            lines.join(", ")
        );
    }
    for dropped in &extract.dropped_columns {
        let _ = write!(
            text,
            "\ndropped column {}: {}",
            dropped.column, dropped.reason
        );
    }
    text
}

/// Reads and checks a whole extract, then applies it in one transaction,
/// reporting progress on `progress`. A bad file stores nothing.
pub fn import_residents(
    conn: &mut DbConnection,
    actor: &Actor,
    rules: &RuleSet,
    reader: impl Read,
    as_of: NaiveDate,
    progress: &ProgressBar,
) -> Result<(Extract, ImportSummary), ResidentsImportError> {
    let extract = residents::read(reader, as_of)?;
    progress.set_length(extract.residents.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} residents ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let summary = crate::db::write_transaction(conn, |conn| {
        residents::import(conn, actor, rules, &extract, &|| progress.inc(1))
    })?;
    Ok((extract, summary))
}

/// Why a residents import stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum ResidentsImportError {
    /// The file was refused.
    #[error(transparent)]
    Extract(#[from] ExtractError),
    /// Storing failed; the transaction was rolled back.
    #[error("storing failed, nothing was imported: {0}")]
    Database(#[from] diesel::result::Error),
}

fn run_addresses(figment: &Figment, file: &Path) -> Result<(), String> {
    let config = AppConfig::from_figment(figment).map_err(|e| e.to_string())?;
    let services = crate::app::open_services(config).map_err(|e| e.to_string())?;
    let reader = std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut conn = services.pool.get().map_err(|e| e.to_string())?;
    let progress = ProgressBar::new_spinner();
    let rules = &services.config.rules;
    let report = import_addresses(
        &mut conn,
        rules,
        &services.neighbourhoods,
        reader,
        &progress,
    )
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
    rules: &RuleSet,
    index: &NeighbourhoodIndex,
    reader: impl Read,
    progress: &ProgressBar,
) -> Result<ImportReport, ImportError> {
    let (mut csv, separator) = crate::registry::csv::open(reader)?;
    progress.println(format!("reading a {separator}-separated file"));
    let rows = read_rows(&mut csv, index)?;
    progress.set_length(rows.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} addresses ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let report = crate::db::write_transaction(conn, |conn| {
        registry::import_addresses(conn, rules, &rows, &|| progress.inc(1))
    })?;
    Ok(report)
}

/// Parses and checks every row; all bad rows are reported together.
fn read_rows(
    csv: &mut csv::Reader<impl Read>,
    index: &NeighbourhoodIndex,
) -> Result<Vec<AddressFields>, ImportError> {
    let headers = csv.headers()?.clone();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for record in csv.records() {
        let record = record?;
        let line = record.position().map_or(0, csv::Position::line);
        match read_row(&headers, &record) {
            Ok(draft) => rows.push((line, draft.into_fields(index))),
            Err(problems) => errors.push(RowError { line, problems }),
        }
    }
    match registry::distinct_rows(rows) {
        Ok(rows) if errors.is_empty() => Ok(rows),
        Ok(_) => Err(ImportError::Rows(errors)),
        Err(repeats) => {
            errors.extend(repeats);
            errors.sort_by_key(|e| e.line);
            Err(ImportError::Rows(errors))
        }
    }
}

/// The cells of one row by column name, remembering every problem.
struct Row<'a> {
    cells: HashMap<&'a str, &'a str>,
    known: Vec<&'static str>,
    problems: Vec<InvalidParam>,
}

impl<'a> Row<'a> {
    fn new(headers: &'a csv::StringRecord, record: &'a csv::StringRecord) -> Self {
        let cells = headers
            .iter()
            .zip(record.iter())
            .filter(|(_, cell)| !cell.is_empty())
            .collect();
        Self {
            cells,
            known: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn optional<T>(
        &mut self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        self.known.push(column);
        let cell = self.cells.get(column)?;
        match parse(cell) {
            Ok(value) => Some(value),
            Err(reason) => {
                self.problems.push(InvalidParam::new(column, reason));
                None
            }
        }
    }

    fn required<T>(
        &mut self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        if !self.cells.contains_key(column) {
            self.known.push(column);
            self.problems.push(InvalidParam::new(column, "is required"));
            return None;
        }
        self.optional(column, parse)
    }

    fn finish(mut self) -> Vec<InvalidParam> {
        let mut unknown: Vec<&str> = self
            .cells
            .keys()
            .copied()
            .filter(|column| !self.known.contains(column))
            .collect();
        unknown.sort_unstable();
        for column in unknown {
            self.problems
                .push(InvalidParam::new(column, "is not a known column"));
        }
        self.problems
    }
}

fn text(cell: &str) -> Result<String, String> {
    if cell.chars().count() > MAX_NAME_CHARS {
        Err(format!("must be at most {MAX_NAME_CHARS} characters"))
    } else {
        crate::domain::check_single_line(cell)
            .map(|()| cell.to_owned())
            .map_err(|e| e.to_string())
    }
}

/// A number, with a decimal point or (as Dutch Excel writes) a comma.
fn number(cell: &str) -> Result<f64, String> {
    let cell = if cell.contains('.') {
        cell.to_owned()
    } else {
        cell.replacen(',', ".", 1)
    };
    cell.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| "must be a number".to_owned())
}

fn integer(cell: &str) -> Result<i64, String> {
    cell.parse::<i64>()
        .map_err(|_| "must be a whole number".to_owned())
}

fn domain<T>(
    parse: impl FnOnce(&str) -> Result<T, crate::domain::ValueError>,
) -> impl FnOnce(&str) -> Result<T, String> {
    move |cell| parse(cell).map_err(|e| e.to_string())
}

/// Reads one row as an address, with the same checks as the API.
fn read_row(
    headers: &csv::StringRecord,
    record: &csv::StringRecord,
) -> Result<AddressDraft, Vec<InvalidParam>> {
    let mut row = Row::new(headers, record);
    let parts = AddressParts {
        bag_id: row.optional("bagId", domain(BagId::parse)),
        postcode: row.required("postcode", domain(Postcode::parse)),
        house_number: row.required("houseNumber", domain(HouseNumber::parse_str)),
        house_letter: row.optional("houseLetter", domain(HouseLetter::parse)),
        house_number_addition: row
            .optional("houseNumberAddition", domain(HouseNumberAddition::parse)),
        street: row.required("street", text),
        city: row.required("city", text),
        usage_purpose: row.required("usagePurpose", domain(UsagePurpose::parse)),
        floor_area_m2: row.required("floorAreaM2", |c| floor_area(number(c)?)),
        bedrooms: row.optional("bedrooms", |c| bedrooms(integer(c)?)),
        latitude: row.required("latitude", number),
        longitude: row.required("longitude", number),
    };
    row.problems.extend(parts.position_problem());
    let problems = row.finish();
    match parts.complete() {
        Some(draft) if problems.is_empty() => Ok(draft),
        _ => Err(problems),
    }
}
