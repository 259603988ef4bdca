//! Reading a BRP extract: a CSV file with `,` or `;` separators and an
//! optional UTF-8 byte-order mark, headers matched without regard to case.
//! Columns the registry does not use are dropped at the door (data
//! minimisation) and named with the reason; every row is checked before
//! anything is stored, and every bad line is reported.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

use chrono::NaiveDate;

use crate::domain::{
    Bsn, HouseLetter, HouseNumber, HouseNumberAddition, Postcode, check_single_line, parse_date,
};
use crate::error::InvalidParam;
use crate::registry::addresses::RowError;
use crate::registry::filing::AddressRef;

/// The longest name or household key accepted.
pub const MAX_TEXT_CHARS: usize = 200;

/// The columns the registry uses, as the extract names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Bsn,
    FamilyName,
    GivenNames,
    DateOfBirth,
    Postcode,
    HouseNumber,
    HouseLetter,
    HouseNumberAddition,
    RegisteredSince,
    Household,
}

impl Column {
    const ALL: [Self; 10] = [
        Self::Bsn,
        Self::FamilyName,
        Self::GivenNames,
        Self::DateOfBirth,
        Self::Postcode,
        Self::HouseNumber,
        Self::HouseLetter,
        Self::HouseNumberAddition,
        Self::RegisteredSince,
        Self::Household,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Bsn => "bsn",
            Self::FamilyName => "familyName",
            Self::GivenNames => "givenNames",
            Self::DateOfBirth => "dateOfBirth",
            Self::Postcode => "postcode",
            Self::HouseNumber => "houseNumber",
            Self::HouseLetter => "houseLetter",
            Self::HouseNumberAddition => "houseNumberAddition",
            Self::RegisteredSince => "registeredSince",
            Self::Household => "household",
        }
    }

    fn required(self) -> bool {
        !matches!(
            self,
            Self::GivenNames | Self::HouseLetter | Self::HouseNumberAddition | Self::Household
        )
    }

    fn by_header(header: &str) -> Option<Self> {
        let header = header.trim();
        Self::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(header))
    }
}

/// The field separator found in the header line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    /// `,`
    Comma,
    /// `;` (Dutch Excel).
    Semicolon,
}

impl Separator {
    /// The separator character.
    pub fn as_char(self) -> char {
        match self {
            Self::Comma => ',',
            Self::Semicolon => ';',
        }
    }
}

/// A column of the file that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedColumn {
    /// The header as written in the file.
    pub column: String,
    /// Why it was dropped.
    pub reason: &'static str,
}

/// One checked row of the extract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resident {
    /// The line in the file (the header is line 1).
    pub line: u64,
    /// BSN: how a resident is matched.
    pub bsn: Bsn,
    /// Family name.
    pub family_name: String,
    /// Given names (empty when the person has none).
    pub given_names: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// Where the person is registered.
    pub address: AddressRef,
    /// Registered there since.
    pub registered_since: NaiveDate,
    /// Household key, shared by the people of one household.
    pub household: Option<String>,
}

/// A checked extract, ready to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extract {
    /// The day the extract is the truth of.
    pub as_of: NaiveDate,
    /// The separator found.
    pub separator: Separator,
    /// Whether the file began with a UTF-8 byte-order mark.
    pub byte_order_mark: bool,
    /// The columns dropped at the door.
    pub dropped_columns: Vec<DroppedColumn>,
    /// Every row, in file order.
    pub residents: Vec<Resident>,
}

/// Why an extract was refused; nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The header lacks required columns or names one twice.
    #[error("the header row is not usable: {}", .0.join("; "))]
    Header(Vec<String>),
    /// Rows failed their checks.
    #[error("{} bad line(s); nothing was imported:\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Rows(Vec<RowError>),
    /// The file is not readable CSV or not UTF-8.
    #[error("the file is not readable CSV: {0}")]
    Csv(#[from] csv::Error),
    /// The file could not be read.
    #[error("the file could not be read: {0}")]
    Io(#[from] std::io::Error),
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why a column is dropped: nationality is named, as it must never reach
/// the rules; anything else is simply not used.
fn drop_reason(header: &str) -> &'static str {
    let lower = header.trim().to_ascii_lowercase();
    if lower.contains("nationalit") {
        "nationality is never an input to any rule, score or plan; not stored (data minimisation)"
    } else {
        "not used by the registry; not stored (data minimisation)"
    }
}

/// Reads and checks a whole extract from `reader`, streaming: only the
/// used columns of each row are kept.
pub fn read(reader: impl Read, as_of: NaiveDate) -> Result<Extract, ExtractError> {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let start = reader.fill_buf()?;
    let byte_order_mark = start.starts_with(BOM);
    let header_line = if byte_order_mark {
        &start[BOM.len()..]
    } else {
        start
    };
    let first_line = header_line
        .split(|b| *b == b'\n')
        .next()
        .unwrap_or_default();
    let first_line = String::from_utf8_lossy(first_line);
    let commas = first_line.matches(',').count();
    let semicolons = first_line.matches(';').count();
    let separator = if semicolons > commas {
        Separator::Semicolon
    } else {
        Separator::Comma
    };
    if byte_order_mark {
        reader.consume(BOM.len());
    }
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(if separator == Separator::Semicolon {
            b';'
        } else {
            b','
        })
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(reader);
    let headers = csv.headers()?.clone();
    let (positions, dropped_columns) = map_headers(&headers)?;
    let mut residents = Vec::new();
    let mut errors = Vec::new();
    let mut first_line_of: HashMap<Bsn, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    while csv.read_record(&mut record)? {
        let line = record.position().map_or(0, csv::Position::line);
        let cell = |column: Column| {
            positions
                .get(&column)
                .and_then(|i| record.get(*i))
                .filter(|c| !c.is_empty())
        };
        match read_row(line, &cell, as_of) {
            Ok(resident) => {
                if let Some(first) = first_line_of.get(&resident.bsn) {
                    errors.push(RowError {
                        line,
                        problems: vec![InvalidParam::new(
                            "bsn",
                            format!("appears again (first on line {first})"),
                        )],
                    });
                } else {
                    first_line_of.insert(resident.bsn.clone(), line);
                    residents.push(resident);
                }
            }
            Err(problems) => errors.push(RowError { line, problems }),
        }
    }
    if !errors.is_empty() {
        return Err(ExtractError::Rows(errors));
    }
    Ok(Extract {
        as_of,
        separator,
        byte_order_mark,
        dropped_columns,
        residents,
    })
}

/// The position of each used column, and the columns dropped.
fn map_headers(
    headers: &csv::StringRecord,
) -> Result<(HashMap<Column, usize>, Vec<DroppedColumn>), ExtractError> {
    let mut positions = HashMap::new();
    let mut dropped = Vec::new();
    let mut problems = Vec::new();
    for (i, header) in headers.iter().enumerate() {
        match Column::by_header(header) {
            Some(column) if positions.contains_key(&column) => {
                problems.push(format!("column {} appears twice", column.name()));
            }
            Some(column) => {
                positions.insert(column, i);
            }
            None => dropped.push(DroppedColumn {
                column: header.to_owned(),
                reason: drop_reason(header),
            }),
        }
    }
    for column in Column::ALL {
        if column.required() && !positions.contains_key(&column) {
            problems.push(format!("column {} is missing", column.name()));
        }
    }
    if problems.is_empty() {
        Ok((positions, dropped))
    } else {
        Err(ExtractError::Header(problems))
    }
}

/// Collects every problem of one row.
struct Problems(Vec<InvalidParam>);

impl Problems {
    fn check<T, E: ToString>(
        &mut self,
        column: Column,
        cell: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let Some(cell) = cell else {
            if column.required() {
                self.0.push(InvalidParam::new(column.name(), "is required"));
            }
            return None;
        };
        match parse(cell) {
            Ok(value) => Some(value),
            Err(e) => {
                self.0.push(InvalidParam::new(column.name(), e.to_string()));
                None
            }
        }
    }
}

fn text(cell: &str) -> Result<String, String> {
    if cell.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("must be at most {MAX_TEXT_CHARS} characters"));
    }
    check_single_line(cell)
        .map(|()| cell.to_owned())
        .map_err(|e| e.to_string())
}

fn read_row<'a>(
    line: u64,
    cell: &dyn Fn(Column) -> Option<&'a str>,
    as_of: NaiveDate,
) -> Result<Resident, Vec<InvalidParam>> {
    use Column as C;

    let mut p = Problems(Vec::new());
    let bsn = p.check(C::Bsn, cell(C::Bsn), Bsn::parse);
    let family_name = p.check(C::FamilyName, cell(C::FamilyName), text);
    let given_names = p.check(C::GivenNames, cell(C::GivenNames), text);
    let date_of_birth = p.check(C::DateOfBirth, cell(C::DateOfBirth), parse_date);
    let postcode = p.check(C::Postcode, cell(C::Postcode), Postcode::parse);
    let house_number = p.check(C::HouseNumber, cell(C::HouseNumber), HouseNumber::parse_str);
    let house_letter = p.check(C::HouseLetter, cell(C::HouseLetter), HouseLetter::parse);
    let house_number_addition = p.check(
        C::HouseNumberAddition,
        cell(C::HouseNumberAddition),
        HouseNumberAddition::parse,
    );
    let registered_since = p.check(C::RegisteredSince, cell(C::RegisteredSince), |c| {
        let day = parse_date(c).map_err(|e| e.to_string())?;
        if day > as_of {
            Err(format!("must not be after the extract's date {as_of}"))
        } else {
            Ok(day)
        }
    });
    let household = p.check(C::Household, cell(C::Household), text);
    if let (Some(born), Some(since)) = (date_of_birth, registered_since)
        && since < born
    {
        p.0.push(InvalidParam::new(
            C::RegisteredSince.name(),
            "must not be before the date of birth",
        ));
    }
    let resident = (|| {
        Some(Resident {
            line,
            bsn: bsn?,
            family_name: family_name?,
            given_names: given_names.unwrap_or_default(),
            date_of_birth: date_of_birth?,
            address: AddressRef {
                postcode: postcode?,
                house_number: house_number?,
                house_letter,
                house_number_addition,
            },
            registered_since: registered_since?,
            household,
        })
    })();
    match resident {
        Some(resident) if p.0.is_empty() => Ok(resident),
        _ => Err(p.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default()
    }

    const SEMICOLONS: &str = "\u{feff}BSN;FamilyName;givennames;DateOfBirth;Nationality;postcode;houseNumber;houseLetter;houseNumberAddition;registeredSince;household;placeOfBirth\n\
        123456782;Jansen;Piet;1980-02-03;NL;3131 AB;12;;;2020-01-01;h1;Schiedam\n";

    #[test]
    fn a_semicolon_file_with_a_byte_order_mark_reads_with_case_insensitive_headers() {
        let extract = read(SEMICOLONS.as_bytes(), as_of()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(extract.separator, Separator::Semicolon);
        assert!(extract.byte_order_mark);
        assert_eq!(extract.residents.len(), 1);
        let resident = &extract.residents[0];
        assert_eq!(resident.bsn.as_str(), "123456782");
        assert_eq!(resident.family_name, "Jansen");
        assert_eq!(resident.address.postcode.as_str(), "3131AB");
        assert_eq!(resident.household.as_deref(), Some("h1"));
        assert_eq!(resident.line, 2);
    }

    #[test]
    fn unused_columns_are_dropped_and_named_with_the_reason() {
        let extract = read(SEMICOLONS.as_bytes(), as_of()).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = extract
            .dropped_columns
            .iter()
            .map(|d| d.column.as_str())
            .collect();
        assert_eq!(names, ["Nationality", "placeOfBirth"]);
        assert!(extract.dropped_columns[0].reason.contains("never an input"));
        assert!(
            extract.dropped_columns[1]
                .reason
                .contains("data minimisation")
        );
    }

    #[test]
    fn a_comma_file_without_a_byte_order_mark_reads_too() {
        let csv = "bsn,familyName,givenNames,dateOfBirth,postcode,houseNumber,registeredSince\n\
                   123456782,Jansen,Piet,1980-02-03,3131AB,12,2020-01-01\n";
        let extract = read(csv.as_bytes(), as_of()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(extract.separator, Separator::Comma);
        assert!(!extract.byte_order_mark);
        assert!(extract.dropped_columns.is_empty());
        assert_eq!(extract.residents.len(), 1);
    }

    #[test]
    fn every_bad_line_is_listed_with_its_reasons() {
        let csv = "bsn,familyName,givenNames,dateOfBirth,postcode,houseNumber,registeredSince\n\
                   123456782,Jansen,Piet,1980-02-03,3131AB,12,2020-01-01\n\
                   123456789,Jansen,Piet,1980-02-31,3131AB,12,2020-01-01\n\
                   111222333,,Piet,1980-02-03,3131AB,0,2027-01-01\n\
                   123456782,Jansen,Piet,1980-02-03,3131AB,12,2020-01-01\n";
        let Err(ExtractError::Rows(errors)) = read(csv.as_bytes(), as_of()) else {
            panic!("three lines are bad");
        };
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 5]);
        let names = |i: usize| -> Vec<&str> {
            errors[i].problems.iter().map(|p| p.name.as_str()).collect()
        };
        assert_eq!(names(0), ["bsn", "dateOfBirth"]);
        assert_eq!(names(1), ["familyName", "houseNumber", "registeredSince"]);
        assert_eq!(names(2), ["bsn"]);
        assert!(errors[2].problems[0].reason.contains("line 2"));
    }

    #[test]
    fn a_header_without_a_required_column_is_refused() {
        let csv = "BSN;familyName\n123456782;Jansen\n";
        let Err(ExtractError::Header(problems)) = read(csv.as_bytes(), as_of()) else {
            panic!("columns are missing");
        };
        assert!(
            problems
                .iter()
                .any(|p| p == "column dateOfBirth is missing")
        );
        assert!(
            problems
                .iter()
                .any(|p| p == "column registeredSince is missing")
        );
    }
}
